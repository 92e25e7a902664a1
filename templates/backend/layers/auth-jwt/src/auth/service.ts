import { randomUUID } from "node:crypto";
import { badInput } from "../errors.ts";
import { unauthenticated } from "./errors.ts";
import { hashPassword, verifyDummy, verifyPassword } from "./password.ts";
import { Throttle } from "./throttle.ts";
import type { TokenService } from "./tokens.ts";
import type { AuthRepository, AuthResult, User } from "./types.ts";

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const EMAIL_MAX = 254;
/** Login attempts allowed per minute and email (all attempts), and failed logins per client IP. */
export const LOGIN_LIMIT_PER_EMAIL = 10;
export const LOGIN_LIMIT_PER_IP = 30;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const INVALID_LOGIN = "Invalid email or password";
const INVALID_REFRESH = "Invalid refresh token";

/** Trimmed and lower-cased: emails compare case-insensitively. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Register, log in, refresh, log out, who am I. Framework-free: REST routes and GraphQL resolvers
 * call it and map its `AppError`s.
 */
export class AuthService {
  readonly #repository: AuthRepository;
  readonly #tokens: TokenService;
  readonly #perEmail = new Throttle(LOGIN_LIMIT_PER_EMAIL, 60_000);
  readonly #perIp = new Throttle(LOGIN_LIMIT_PER_IP, 60_000);

  constructor(repository: AuthRepository, tokens: TokenService) {
    this.#repository = repository;
    this.#tokens = tokens;
  }

  async register(emailInput: string, password: string): Promise<AuthResult> {
    const email = checkEmail(emailInput);
    checkPassword(password);
    const user = { id: randomUUID(), email };
    await this.#repository.createUser({
      ...user,
      passwordHash: await hashPassword(password),
      createdAt: new Date(),
    });
    return this.#issue(user, randomUUID());
  }

  /** `ip` is the client address, counted for the per-IP limit. */
  async login(emailInput: string, password: string, ip = "unknown"): Promise<AuthResult> {
    const email = typeof emailInput === "string" ? normalizeEmail(emailInput) : "";
    this.#perIp.check(ip);
    this.#perEmail.hit(email);
    const failed = () => {
      this.#perIp.record(ip);
      return unauthenticated(INVALID_LOGIN);
    };
    if (
      typeof password !== "string" ||
      password.length > PASSWORD_MAX ||
      email === "" ||
      !isStorable(email)
    ) {
      await verifyDummy("x");
      throw failed();
    }
    const user = await this.#repository.findUserByEmail(email);
    if (!user) {
      await verifyDummy(password);
      throw failed();
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      throw failed();
    }
    return this.#issue({ id: user.id, email: user.email }, randomUUID());
  }

  /** Rotates a refresh token. Reusing one revokes its whole family. */
  async refresh(refreshToken: string): Promise<AuthResult> {
    if (!isTokenShaped(refreshToken)) throw unauthenticated(INVALID_REFRESH);
    const now = new Date();
    const result = await this.#repository.consumeRefreshToken(
      this.#tokens.hashRefreshToken(refreshToken),
      now,
    );
    if (result.status === "reused") {
      await this.#repository.revokeFamily(result.familyId, now);
      throw unauthenticated(INVALID_REFRESH);
    }
    if (result.status !== "ok") throw unauthenticated(INVALID_REFRESH);
    const user = await this.#repository.findUserById(result.userId);
    if (!user) throw unauthenticated(INVALID_REFRESH);
    return this.#issue(user, result.familyId);
  }

  /** Revokes the token's family (the session). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    if (!isTokenShaped(refreshToken)) return;
    const familyId = await this.#repository.findFamily(this.#tokens.hashRefreshToken(refreshToken));
    if (familyId) await this.#repository.revokeFamily(familyId, new Date());
  }

  /** The user of an access token; UNAUTHENTICATED for a bad token or a deleted user. */
  async authenticate(accessToken: string): Promise<User> {
    const userId = await this.#tokens.verifyAccessToken(accessToken);
    const user = userId ? await this.#repository.findUserById(userId) : null;
    if (!user) throw unauthenticated("Invalid or expired access token");
    return user;
  }

  /** Like authenticate, from an `Authorization` header value ("Bearer <token>"). */
  async authenticateHeader(header: string | undefined): Promise<User> {
    const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header) : null;
    if (!match?.[1]) throw unauthenticated("Missing or malformed Authorization header");
    return this.authenticate(match[1]);
  }

  async me(userId: string): Promise<User> {
    const user = await this.#repository.findUserById(userId);
    if (!user) throw unauthenticated();
    return user;
  }

  async #issue(user: User, familyId: string): Promise<AuthResult> {
    const refreshToken = this.#tokens.newRefreshToken();
    const now = new Date();
    await this.#repository.insertRefreshToken({
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: this.#tokens.hashRefreshToken(refreshToken),
      expiresAt: new Date(now.getTime() + this.#tokens.refreshTtl * 1000),
      createdAt: now,
    });
    return { user, accessToken: await this.#tokens.signAccessToken(user.id), refreshToken };
  }
}

function checkEmail(input: unknown): string {
  if (typeof input !== "string") throw badInput("email must be a valid email address");
  const email = normalizeEmail(input);
  if (email.length > EMAIL_MAX || !EMAIL.test(email) || !isStorable(email)) {
    throw badInput("email must be a valid email address");
  }
  return email;
}

function checkPassword(password: unknown) {
  const length = typeof password === "string" ? [...password].length : 0;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw badInput(`password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`);
  }
}

/** NUL characters and lone surrogates cannot be stored or looked up (PostgreSQL refuses them). */
function isStorable(text: string): boolean {
  return !text.includes("\0") && Buffer.from(text, "utf8").toString("utf8") === text;
}

function isTokenShaped(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{20,200}$/.test(token);
}
