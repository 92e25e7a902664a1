import { Type } from "typebox";
import { configSection } from "../config.ts";

/** Sign-in through an OpenID Connect provider (src/auth/oidc/). */
export interface OidcConfig {
  /** The provider's issuer identifier; its metadata is discovered from it. */
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** This server's /auth/oidc/callback, exactly as registered at the provider. */
  redirectUri: URL;
  /** Where the browser lands after the callback, with `#code=…` or `#error=…`. */
  postLoginRedirect: URL;
  /** Attach a provider identity to an existing account with the same, provider-verified email. */
  linkVerifiedEmail: boolean;
  /** http:// is allowed (loopback issuers outside production only). */
  allowHttp: boolean;
}

declare module "../config.ts" {
  interface Config {
    /** Undefined when no OIDC_* variable is set: sign-in through a provider is off (503). */
    oidc: OidcConfig | undefined;
  }
}

const REQUIRED = [
  "OIDC_ISSUER",
  "OIDC_CLIENT_ID",
  "OIDC_CLIENT_SECRET",
  "OIDC_REDIRECT_URI",
  "OIDC_POST_LOGIN_REDIRECT",
] as const;

const CALLBACK_PATH = "/auth/oidc/callback";
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The provider, this app's registration there, and where a signed-in browser goes next. */
export default configSection(
  Type.Object({
    OIDC_ISSUER: Type.String({ default: "", maxLength: 2048, description: "an https URL" }),
    OIDC_CLIENT_ID: Type.String({ default: "", maxLength: 512, description: "a client id" }),
    OIDC_CLIENT_SECRET: Type.String({
      default: "",
      maxLength: 2048,
      description: "the client secret",
    }),
    OIDC_REDIRECT_URI: Type.String({ default: "", maxLength: 2048, description: "an https URL" }),
    OIDC_POST_LOGIN_REDIRECT: Type.String({
      default: "",
      maxLength: 2048,
      description: "an https URL",
    }),
    OIDC_LINK_VERIFIED_EMAIL: Type.Union([Type.Literal("true"), Type.Literal("false")], {
      default: "false",
      description: "true or false",
    }),
  }),
  (env, problems) => {
    const production = env.NODE_ENV === "production";
    // Off until configured: its routes answer 503 saying so, and the server logs it at start-up.
    if (REQUIRED.every((name) => env[name] === "")) return { oidc: undefined };
    const lines = problems.length;
    for (const name of REQUIRED) {
      if (env[name] === "") problems.push(`${name} is missing (see .env.example)`);
    }
    // http:// only for a provider and an app on this machine, and never in production.
    const allowHttp = !production;
    const issuer = url(env.OIDC_ISSUER, "OIDC_ISSUER", allowHttp, problems);
    const redirectUri = url(env.OIDC_REDIRECT_URI, "OIDC_REDIRECT_URI", allowHttp, problems);
    const postLoginRedirect = url(
      env.OIDC_POST_LOGIN_REDIRECT,
      "OIDC_POST_LOGIN_REDIRECT",
      allowHttp,
      problems,
    );
    if (redirectUri && !redirectUri.pathname.endsWith(CALLBACK_PATH)) {
      problems.push(`OIDC_REDIRECT_URI must be this server's ${CALLBACK_PATH} URL`);
    }
    if (postLoginRedirect && redirectUri) {
      // The front end exchanges the code from its own origin: CORS must let it in (or it is this
      // server's own origin). A URL elsewhere would be an open redirect carrying a login code.
      const origins = String(env.CORS_ORIGIN ?? "")
        .split(",")
        .map((origin) => origin.trim());
      const origin = postLoginRedirect.origin;
      if (origin !== redirectUri.origin && !origins.includes(origin)) {
        problems.push(
          `OIDC_POST_LOGIN_REDIRECT must have an origin listed in CORS_ORIGIN (add ${origin} to it)`,
        );
      }
    }
    if (problems.length > lines || !issuer || !redirectUri || !postLoginRedirect) {
      return { oidc: undefined };
    }
    return {
      oidc: {
        issuer,
        clientId: env.OIDC_CLIENT_ID,
        clientSecret: env.OIDC_CLIENT_SECRET,
        redirectUri,
        postLoginRedirect,
        linkVerifiedEmail: env.OIDC_LINK_VERIFIED_EMAIL === "true",
        allowHttp: issuer.protocol === "http:",
      },
    };
  },
);

/**
 * An absolute https URL without credentials or fragment; http:// only on a loopback host outside
 * production (a provider and a front end running on this machine).
 */
function url(text: string, name: string, allowHttp: boolean, problems: string[]): URL | undefined {
  if (text === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    problems.push(`${name} must be an absolute URL such as https://example.com/…`);
    return undefined;
  }
  if (parsed.username || parsed.password || parsed.hash) {
    problems.push(`${name} must not hold credentials or a #fragment`);
    return undefined;
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname)) {
    if (allowHttp) return parsed;
    problems.push(`${name} must be an https URL in production`);
    return undefined;
  }
  problems.push(
    `${name} must be an https URL (http:// only for localhost, 127.0.0.1 or [::1] outside production)`,
  );
  return undefined;
}
