import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { deviceCookie, readDeviceCookie } from "../../auth/device-cookie.ts";
import { EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN } from "../../auth/service.ts";
import type { AuthResult } from "../../auth/types.ts";
import { BODY_ERRORS, empty, ok, problems } from "../../openapi/responses.ts";
import type { HttpSecurityScheme } from "../../plugins/docs.ts";

/** Registrations per minute and client IP (password hashing is deliberately expensive). */
export const REGISTER_LIMIT_PER_IP = 30;

/** Refresh tokens are 256 random bits in base64url (43 characters); the bound leaves room. */
const REFRESH_TOKEN_MAX = 512;

const UserSchema = Type.Object(
  {
    id: Type.String({ format: "uuid", maxLength: 36 }),
    email: Type.String({ format: "email", maxLength: EMAIL_MAX }),
  },
  { additionalProperties: false },
);

const AuthPayloadSchema = Type.Object(
  {
    user: UserSchema,
    accessToken: Type.String({
      maxLength: 2048,
      pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
      description: "A signed JWT (JWS compact form); send it as `Authorization: Bearer <token>`",
    }),
    refreshToken: Type.String({
      maxLength: REFRESH_TOKEN_MAX,
      pattern: "^[A-Za-z0-9_-]+$",
      description: "Opaque; works once (POST /auth/refresh)",
    }),
  },
  { additionalProperties: false },
);

// Examples that pass this API's own validation, so that the docs page's "Try it out" works with
// what it fills in (test/openapi-examples.test.ts sends every operation's examples).
const EMAIL_EXAMPLE = "ada@example.com";
const PASSWORD_EXAMPLE = "correct horse battery staple";
const REFRESH_TOKEN_EXAMPLE = "kq7V3nX0d9Yh2Lw5RzTb8AeUcFmJ4sPgQ1oNiH6yKxE";

const Credentials = Type.Object(
  {
    // Checked (after trimming) by the service; leading/trailing spaces are allowed here.
    email: Type.String({
      minLength: 3,
      maxLength: EMAIL_MAX + 64,
      description: "Compared case-insensitively",
      examples: [EMAIL_EXAMPLE],
    }),
    password: Type.String({
      minLength: PASSWORD_MIN,
      maxLength: PASSWORD_MAX,
      examples: [PASSWORD_EXAMPLE],
    }),
  },
  { additionalProperties: false },
);

const LoginCredentials = Type.Object(
  {
    email: Type.String({ maxLength: EMAIL_MAX + 64, examples: [EMAIL_EXAMPLE] }),
    password: Type.String({ maxLength: PASSWORD_MAX, examples: [PASSWORD_EXAMPLE] }),
  },
  { additionalProperties: false },
);

const RefreshBody = Type.Object(
  {
    refreshToken: Type.String({ maxLength: REFRESH_TOKEN_MAX, examples: [REFRESH_TOKEN_EXAMPLE] }),
  },
  { additionalProperties: false },
);

const payload = (result: AuthResult) => ({
  user: { id: result.user.id, email: result.user.email },
  accessToken: result.accessToken,
  refreshToken: result.refreshToken,
});

/** How clients send the access token, as the OpenAPI document states it. */
export const BEARER_SCHEME: HttpSecurityScheme = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description:
    "Access token from /auth/login, /auth/register or /auth/refresh: a JWS signed with HS256 only (no alg=none, no other algorithm), with typ, iss, aud and exp checked, following RFC8725 (JWT Best Current Practices).",
};

/** /auth: register, login, refresh (rotation), logout, me. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app;
  app.openapi.tags.push({ name: "auth", description: "Accounts and tokens" });
  app.openapi.securitySchemes.bearerAuth = BEARER_SCHEME;

  /** Hands a login's device token to the client as a cookie only /auth receives. */
  const setDeviceCookie = (
    reply: { header(name: string, value: string): unknown },
    result: AuthResult,
  ) => {
    if (result.deviceToken === undefined) return;
    reply.header(
      "set-cookie",
      deviceCookie(result.deviceToken, {
        path: "/auth",
        secure: app.config.isProduction,
        maxAgeSeconds: auth.deviceTokenTtl,
      }),
    );
  };

  // Token responses must never be cached (RFC 6749 §5.1).
  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  app.post(
    "/register",
    {
      config: { rateLimit: { max: REGISTER_LIMIT_PER_IP, timeWindow: 60_000 } },
      schema: {
        tags: ["auth"],
        operationId: "register",
        summary: "Create an account",
        description:
          "Registers an email (compared case-insensitively) with a password and logs it in. An email already registered is a 409.",
        body: Credentials,
        response: {
          201: ok(AuthPayloadSchema, "The new account, logged in"),
          ...problems(...BODY_ERRORS, 409),
        },
      },
    },
    async (request, reply) => {
      const result = await auth.register(request.body.email, request.body.password);
      setDeviceCookie(reply, result);
      return reply.code(201).send(payload(result));
    },
  );

  app.post(
    "/login",
    {
      schema: {
        tags: ["auth"],
        operationId: "login",
        summary: "Log in (failed attempts limited per account, per client and per device)",
        description:
          "A wrong password and an unknown email get the same 401. Repeated failures are a 429 with Retry-After; the limits are in the README. A success sets the `device_token` cookie (HttpOnly, SameSite=Strict, Path=/auth): a later login that sends it back is not held by the lock-out others caused on this account. Too many password checks at once answer 503 with Retry-After.",
        body: LoginCredentials,
        response: { 200: ok(AuthPayloadSchema, "Logged in"), ...problems(...BODY_ERRORS, 401) },
      },
    },
    async (request, reply) => {
      const result = await auth.login(
        request.body.email,
        request.body.password,
        request.ip,
        readDeviceCookie(request.headers.cookie),
      );
      setDeviceCookie(reply, result);
      return payload(result);
    },
  );

  app.post(
    "/refresh",
    {
      schema: {
        tags: ["auth"],
        operationId: "refresh",
        summary: "Trade a refresh token for a new pair (each refresh token works once)",
        description:
          "Reusing a refresh token that was already traded revokes its whole session (401).",
        body: RefreshBody,
        response: {
          200: ok(AuthPayloadSchema, "A new access token and refresh token"),
          ...problems(...BODY_ERRORS, 401),
        },
      },
    },
    async (request) => payload(await auth.refresh(request.body.refreshToken)),
  );

  app.post(
    "/logout",
    {
      schema: {
        tags: ["auth"],
        operationId: "logout",
        summary: "Revoke a refresh token (and its session)",
        description: "Always 204, whether or not the token was valid.",
        body: RefreshBody,
        response: { 204: empty("Logged out"), ...problems(...BODY_ERRORS) },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/me",
    {
      schema: {
        tags: ["auth"],
        operationId: "me",
        summary: "The current user",
        description: "The account the access token was issued to.",
        security: [{ bearerAuth: [] }],
        response: { 200: ok(UserSchema, "The current user"), ...problems(401) },
      },
    },
    async (request) => {
      const user = await auth.me((await request.user()).id);
      return { id: user.id, email: user.email };
    },
  );
};

export default authRoutes;
