import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { OidcConfig } from "../../config/oidc.ts";
import { unauthenticated } from "../errors.ts";
import type { PasswordHasher } from "../password.ts";
import { EMAIL_MAX, normalizeEmail } from "../service.ts";
import type { TokenService } from "../tokens.ts";
import type { AuthRepository, AuthResult, User } from "../types.ts";
import { OidcFlowError } from "./errors.ts";
import type { FlowCookie } from "./flow-cookie.ts";
import type { OidcProvider } from "./provider.ts";
import type { OidcIdentity, OidcRepository } from "./types.ts";

/** Seconds a one-time login code may wait for its exchange. */
export const LOGIN_CODE_SECONDS = 60;

const INVALID_CODE = "Invalid, used or expired sign-in code";

/** Where the browser goes next, and the Set-Cookie header that goes with it. */
export interface Redirect {
  location: string;
  setCookie: string;
  /** Why the sign-in failed (for the log); the browser only sees its code. */
  error?: OidcFlowError;
}

export interface OidcServiceParts {
  config: OidcConfig;
  provider: OidcProvider;
  cookie: FlowCookie;
  repository: OidcRepository;
  /** Issues our own tokens, as a password login does. */
  tokens: TokenService;
  accounts: AuthRepository;
  hasher: PasswordHasher;
}

/**
 * Sign-in through an OpenID Connect provider (authorization code flow, PKCE S256, state, nonce),
 * ending in our own access and refresh tokens. The browser never sees them in a URL: the callback
 * sends it to OIDC_POST_LOGIN_REDIRECT with a one-time code in the fragment, which the front end
 * trades once, within 60 s, at POST /auth/oidc/exchange (or the `oidcExchange` mutation).
 *
 * Accounts: an identity (issuer, subject) belongs to one account. A new identity gets a new
 * account with the provider's email, unless an account with that email exists: it is attached to
 * that account only when the provider marks the email verified and OIDC_LINK_VERIFIED_EMAIL is
 * true; otherwise the sign-in ends with `account_exists`, and nothing changes.
 */
export class OidcService {
  readonly #parts: OidcServiceParts;

  constructor(parts: OidcServiceParts) {
    this.#parts = parts;
  }

  /** GET /auth/oidc/login: to the provider, with a fresh flow cookie. 503 if it is unreachable. */
  async begin(): Promise<Redirect> {
    const { url, checks } = await this.#parts.provider.authorizationUrl();
    return { location: url.href, setCookie: await this.#parts.cookie.seal(checks) };
  }

  /**
   * GET /auth/oidc/callback: `query` is the callback's query string (`?code=…&state=…`), and
   * `cookieHeader` the request's Cookie header. Always clears the flow cookie: a callback works once.
   */
  async complete(query: string, cookieHeader: string | undefined): Promise<Redirect> {
    const setCookie = this.#parts.cookie.clear();
    try {
      const checks = await this.#parts.cookie.open(cookieHeader);
      if (!checks) throw new OidcFlowError("invalid_state", "no valid flow cookie");
      // Also checked by openid-client; checked here first to tell this failure apart.
      if (new URLSearchParams(query).get("state") !== checks.state) {
        throw new OidcFlowError("invalid_state", "state does not match the flow cookie's");
      }
      const callbackUrl = new URL(this.#parts.config.redirectUri);
      callbackUrl.search = query;
      const identity = await this.#parts.provider.identify(callbackUrl, checks);
      const user = await this.#account(identity);
      const code = randomBytes(32).toString("base64url");
      await this.#parts.repository.saveLoginCode(
        hashCode(code),
        user.id,
        new Date(Date.now() + LOGIN_CODE_SECONDS * 1000),
      );
      return { location: this.#landing(`code=${code}`), setCookie };
    } catch (error) {
      if (!(error instanceof OidcFlowError)) throw error;
      return { location: this.#landing(`error=${error.code}`), setCookie, error };
    }
  }

  /** POST /auth/oidc/exchange: a one-time code for the login shape; 401 for any bad code. */
  async exchange(code: unknown): Promise<AuthResult> {
    if (typeof code !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(code)) {
      throw unauthenticated(INVALID_CODE);
    }
    const { repository, accounts } = this.#parts;
    const userId = await repository.consumeLoginCode(hashCode(code), new Date());
    const user = userId ? await accounts.findUserById(userId) : null;
    if (!user) throw unauthenticated(INVALID_CODE);
    return this.#issue(user);
  }

  /** The account of a verified identity: found, attached by email (when allowed) or created. */
  async #account(identity: OidcIdentity): Promise<User> {
    const { repository, config } = this.#parts;
    const known = await repository.findUserByIdentity(identity.issuer, identity.subject);
    if (known) return known;
    const email = usableEmail(identity.email);
    const existing = await repository.findUserByEmail(email);
    if (existing) {
      if (!config.linkVerifiedEmail || !identity.emailVerified) {
        throw new OidcFlowError(
          "account_exists",
          `an account with this email exists; not attached (email_verified: ${identity.emailVerified}, OIDC_LINK_VERIFIED_EMAIL: ${config.linkVerifiedEmail})`,
        );
      }
      if (await repository.linkIdentity(existing.id, identity, new Date())) return existing;
    } else {
      const created = await repository.createUserWithIdentity(
        {
          id: randomUUID(),
          email,
          passwordHash: await this.#parts.hasher.hash(randomBytes(32).toString("base64url")),
          createdAt: new Date(),
        },
        identity,
      );
      if (created) return created;
    }
    // A sign-in of the same identity ran at the same time and won: use its account.
    const settled = await repository.findUserByIdentity(identity.issuer, identity.subject);
    if (settled) return settled;
    throw new OidcFlowError("account_exists", "the email was taken by another account meanwhile");
  }

  #landing(fragment: string): string {
    const url = new URL(this.#parts.config.postLoginRedirect);
    url.hash = fragment;
    return url.href;
  }

  /** Our own tokens for `user`: a new session (refresh token family), as a password login gives. */
  async #issue(user: User): Promise<AuthResult> {
    const { tokens, accounts } = this.#parts;
    const refreshToken = tokens.newRefreshToken();
    const now = new Date();
    await accounts.insertRefreshToken({
      id: randomUUID(),
      userId: user.id,
      familyId: randomUUID(),
      tokenHash: tokens.hashRefreshToken(refreshToken),
      expiresAt: new Date(now.getTime() + tokens.refreshTtl * 1000),
      createdAt: now,
    });
    const accessToken = await tokens.signAccessToken(user.id);
    return { user: { id: user.id, email: user.email }, accessToken, refreshToken };
  }
}

/** Login codes are stored as their SHA-256 only. */
function hashCode(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

/** The provider's email, normalized as registration does; `email_required` without a usable one. */
function usableEmail(email: string | undefined): string {
  const normalized = email === undefined ? "" : normalizeEmail(email);
  if (
    normalized.length > EMAIL_MAX ||
    !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized) ||
    normalized.includes("\0")
  ) {
    throw new OidcFlowError("email_required", "the provider gave no usable email address");
  }
  return normalized;
}
