import * as client from "openid-client";
import type { OidcConfig } from "../../config/oidc.ts";
import { AppError } from "../../errors.ts";
import { OidcFlowError } from "./errors.ts";
import type { OidcIdentity } from "./types.ts";

/** What the browser must bring back to the callback: kept in the flow cookie, never elsewhere. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Seconds a caller is told to wait when the provider cannot be reached. */
export const PROVIDER_RETRY_AFTER = 5;
/** Each request to the provider gives up after this long. */
const TIMEOUT_SECONDS = 10;

/**
 * The provider, through openid-client: discovery (once, retried after a failure), the
 * authorization URL with PKCE S256, state and nonce, and the code exchange with every check of
 * the ID token (signature, issuer, audience, expiry, nonce) made by the library.
 */
export class OidcProvider {
  readonly #config: OidcConfig;
  #discovered: Promise<client.Configuration> | undefined;

  constructor(config: OidcConfig) {
    this.#config = config;
  }

  /** A fresh set of checks, and the URL of the provider's authorization endpoint that uses them. */
  async authorizationUrl(): Promise<{ url: URL; checks: FlowChecks }> {
    const configuration = await this.#configuration().catch((error: unknown) => {
      throw unavailable(error);
    });
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#config.redirectUri.href,
      scope: "openid email",
      response_type: "code",
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    });
    return { url, checks };
  }

  /** Trades the callback's code for a verified ID token; who signed in, or an OidcFlowError. */
  async identify(callbackUrl: URL, checks: FlowChecks): Promise<OidcIdentity> {
    let configuration: client.Configuration;
    try {
      configuration = await this.#configuration();
    } catch (error) {
      throw new OidcFlowError("temporarily_unavailable", "provider discovery failed", {
        cause: error,
      });
    }
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (error) {
      throw flowError(error);
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcFlowError("invalid_response", "no ID token in the token response");
    let { email, email_verified: emailVerified } = claims;
    if (email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      // Some providers put the email in the UserInfo answer only (its subject is checked).
      try {
        const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
        ({ email, email_verified: emailVerified } = info);
      } catch (error) {
        throw flowError(error);
      }
    }
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof email === "string" ? email : undefined,
      emailVerified: emailVerified === true,
    };
  }

  #configuration(): Promise<client.Configuration> {
    if (!this.#discovered) {
      const { issuer, clientId, clientSecret, allowHttp } = this.#config;
      this.#discovered = client
        .discovery(issuer, clientId, clientSecret, undefined, {
          timeout: TIMEOUT_SECONDS,
          ...(allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
        })
        .then((configuration) => {
          configuration.timeout = TIMEOUT_SECONDS;
          return configuration;
        });
      // A failed discovery is tried again by the next sign-in.
      this.#discovered.catch(() => {
        this.#discovered = undefined;
      });
    }
    return this.#discovered;
  }
}

/** 503 with Retry-After: the provider did not answer (or not as a provider). */
function unavailable(cause: unknown): AppError {
  const error = new AppError(
    "SERVICE_UNAVAILABLE",
    "The sign-in provider is unavailable; try again shortly",
    { retryAfter: PROVIDER_RETRY_AFTER },
  );
  error.cause = cause;
  return error;
}

/** The callback's failure as a fixed code; the library's message goes to the log only. */
function flowError(error: unknown): OidcFlowError {
  const code = ((): OidcFlowError["code"] => {
    if (error instanceof client.AuthorizationResponseError) return "access_denied";
    if (isUnreachable(error)) return "temporarily_unavailable";
    return "invalid_response";
  })();
  const message = error instanceof Error ? error.message : String(error);
  return new OidcFlowError(code, message, { cause: error });
}

/** The provider could not be reached, timed out or failed on its side (5xx). */
function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true; // fetch: connection refused, DNS, TLS
  if (error instanceof client.ResponseBodyError) return error.status >= 500;
  if (!(error instanceof client.ClientError)) return false;
  if (error.code === "OAUTH_TIMEOUT" || error.code === "OAUTH_ABORT") return true;
  const response = (error as { cause?: unknown }).cause;
  return response instanceof Response && response.status >= 500;
}
