import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { browserRoutes } from "../../../auth/oidc/routes.ts";
import { EMAIL_MAX } from "../../../auth/service.ts";
import { BODY_ERRORS, ok, problems } from "../../../openapi/responses.ts";

const AuthPayloadSchema = Type.Object(
  {
    user: Type.Object(
      {
        id: Type.String({ format: "uuid", maxLength: 36 }),
        email: Type.String({ format: "email", maxLength: EMAIL_MAX }),
      },
      { additionalProperties: false },
    ),
    accessToken: Type.String({
      maxLength: 2048,
      pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
      description: "A signed JWT (JWS compact form); send it as `Authorization: Bearer <token>`",
    }),
    refreshToken: Type.String({
      maxLength: 512,
      pattern: "^[A-Za-z0-9_-]+$",
      description: "Opaque; works once (POST /auth/refresh)",
    }),
  },
  { additionalProperties: false },
);

const ExchangeBody = Type.Object(
  {
    code: Type.String({
      maxLength: 64,
      description: "The `code` of the fragment the browser landed with (`#code=…`)",
      examples: ["q3n8L0v2Xw5mT7yR1cK9pB4sD6fH0jZ2aE8uN5gV1xI"],
    }),
  },
  { additionalProperties: false },
);

/** A 302 to `where`, with the flow cookie it sets or clears. */
const redirect = (description: string, where: string) => ({
  description,
  headers: {
    Location: Type.String({ format: "uri", maxLength: 4096, description: where }),
    "Access-Control-Allow-Origin": Type.String({
      format: "uri",
      maxLength: 2048,
      description: "The request's Origin, when CORS_ORIGIN lists it; absent otherwise",
    }),
    "Set-Cookie": Type.String({
      maxLength: 4096,
      description:
        "oidc_flow: the sign-in in progress (HttpOnly, SameSite=Lax, Path=/auth/oidc/callback)",
    }),
  },
});

const QUERY_VALUE = { maxLength: 2048 };

/**
 * /auth/oidc: sign-in through the OpenID Connect provider. The browser goes to /login, comes back
 * to /callback from the provider, and lands on OIDC_POST_LOGIN_REDIRECT with `#code=…`; the front
 * end trades that code once at /exchange for the tokens a password login gives.
 */
const oidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  browserRoutes(app, {
    login: {
      tags: ["auth"],
      operationId: "oidcLogin",
      summary: "Start a sign-in through the OpenID Connect provider (open in the browser)",
      description:
        "Redirects to the provider's authorization endpoint (authorization code flow, PKCE S256, state and nonce kept in an encrypted cookie). 503 when the provider cannot be reached.",
      response: {
        302: redirect("To the provider", "The provider's authorization endpoint"),
        ...problems(),
      },
    },
    callback: {
      tags: ["auth"],
      operationId: "oidcCallback",
      summary: "Where the provider sends the browser back (register this URL as OIDC_REDIRECT_URI)",
      description:
        "Checks state, trades the code (PKCE), verifies the ID token, then redirects to OIDC_POST_LOGIN_REDIRECT with `#code=<one-time code>`, or `#error=<code>` (invalid_state, access_denied, invalid_response, email_required, account_exists, temporarily_unavailable) and nothing issued.",
      querystring: Type.Object({
        code: Type.Optional(Type.String(QUERY_VALUE)),
        state: Type.Optional(Type.String(QUERY_VALUE)),
        iss: Type.Optional(Type.String(QUERY_VALUE)),
        error: Type.Optional(Type.String(QUERY_VALUE)),
      }),
      response: {
        302: redirect(
          "To OIDC_POST_LOGIN_REDIRECT",
          "OIDC_POST_LOGIN_REDIRECT with #code=… or #error=…",
        ),
        ...problems(400),
      },
    },
  });

  app.post(
    "/exchange",
    {
      schema: {
        tags: ["auth"],
        operationId: "oidcExchange",
        summary: "Trade the one-time code of a provider sign-in for tokens",
        description:
          "A code works once and for 60 seconds at most; any other code is a 401. The answer is the one of POST /auth/login.",
        body: ExchangeBody,
        response: {
          200: ok(AuthPayloadSchema, "Signed in"),
          ...problems(...BODY_ERRORS, 401),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "no-store");
      const result = await app.oidc().exchange(_request.body.code);
      return {
        user: { id: result.user.id, email: result.user.email },
        accessToken: result.accessToken,
        refreshToken: result.refreshToken,
      };
    },
  );
};

export default oidcRoutes;
