import { randomUUID } from "node:crypto";
import { badInput } from "../errors.ts";
import { DeviceTokens } from "./device-tokens.ts";
import { unauthenticated } from "./errors.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { PasswordHasher } from "./password.ts";
import type { TokenService } from "./tokens.ts";
import type { AuthRepository, AuthResult, User, UserRecord } from "./types.ts";
import { UserCache } from "./user-cache.ts";

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const EMAIL_MAX = 254;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const INVALID_LOGIN = "Invalid email or password";
const INVALID_REFRESH = "Invalid refresh token";
const NOT_UNICODE = "password must be well-formed Unicode (no lone surrogates)";

/** What a service is built from besides its repository and tokens (tests pass their own). */
export interface AuthServiceOptions {
  hasher?: PasswordHasher;
  throttle?: LoginThrottle;
  devices?: DeviceTokens;
  users?: UserCache;
}

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
  readonly #hasher: PasswordHasher;
  readonly #throttle: LoginThrottle;
  readonly #devices: DeviceTokens;
  readonly #users: UserCache;

  constructor(repository: AuthRepository, tokens: TokenService, options: AuthServiceOptions = {}) {
    this.#repository = repository;
    this.#tokens = tokens;
    this.#hasher = options.hasher ?? new PasswordHasher();
    this.#throttle = options.throttle ?? new LoginThrottle();
    this.#devices = options.devices ?? new DeviceTokens(tokens.deriveKey("device-token v1"));
    this.#users = options.users ?? new UserCache();
  }

  /** Seconds a device token (AuthResult.deviceToken) stays valid: the cookie's Max-Age. */
  get deviceTokenTtl(): number {
    return this.#devices.ttlSeconds;
  }

  async register(emailInput: string, password: string): Promise<AuthResult> {
    const email = checkEmail(emailInput);
    checkPassword(password);
    const user = { id: randomUUID(), email };
    await this.#repository.createUser({
      ...user,
      passwordHash: await this.#hasher.hash(password),
      createdAt: new Date(),
    });
    return this.#issue(user, randomUUID(), email);
  }

  /**
   * Checks a password, within the limits of LoginThrottle: `ip` is the client address, and
   * `deviceToken` the device token the client holds from an earlier login (its cookie), if any.
   * A success returns a fresh device token for this account with the tokens.
   */
  async login(
    emailInput: string,
    password: string,
    ip = "unknown",
    deviceToken?: string,
  ): Promise<AuthResult> {
    const email = typeof emailInput === "string" ? normalizeEmail(emailInput) : "";
    // Hashed exactly as sent: a lone surrogate would become U+FFFD, and two passwords one.
    if (typeof password === "string" && !isWellFormed(password)) throw badInput(NOT_UNICODE);
    const device = this.#devices.verify(deviceToken, email);
    const attempt = await this.#throttle.begin(email, ip, device);
    let user: UserRecord | null = null;
    let valid = false;
    try {
      this.#hasher.checkRoom(device !== null);
      if (
        typeof password !== "string" ||
        password.length > PASSWORD_MAX ||
        email === "" ||
        !isStorable(email)
      ) {
        await this.#hasher.verifyDummy("x");
      } else {
        user = await this.#repository.findUserByEmail(email);
        if (user) valid = await this.#hasher.verify(user.passwordHash, password, device !== null);
        else await this.#hasher.verifyDummy(password);
      }
    } catch (error) {
      await attempt.cancelled(); // no password was checked (busy, database down)
      throw error;
    }
    if (!user || !valid) throw unauthenticated(INVALID_LOGIN);
    await attempt.succeeded();
    return this.#issue({ id: user.id, email: user.email }, randomUUID(), email);
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

  /**
   * The user of an access token; UNAUTHENTICATED for a bad token or a deleted user. Users are
   * cached for a minute (UserCache), so a client's requests cost no database lookup each; a user
   * deleted through deleteUser is refused at once, one deleted by another instance of the server
   * (or by hand) within a minute, and at their next refresh in any case.
   */
  async authenticate(accessToken: string): Promise<User> {
    const userId = await this.#tokens.verifyAccessToken(accessToken);
    if (!userId) throw unauthenticated("Invalid or expired access token");
    let user = this.#users.get(userId);
    if (!user) {
      user = (await this.#repository.findUserById(userId)) ?? undefined;
      if (!user) throw unauthenticated("Invalid or expired access token");
      this.#users.set(user);
    }
    return user;
  }

  /** Deletes an account with its sessions and notes; its access tokens stop working at once here. */
  async deleteUser(userId: string): Promise<boolean> {
    this.#users.delete(userId);
    const deleted = await this.#repository.deleteUser(userId);
    // Again: a request that was looking the user up meanwhile may have cached them.
    this.#users.delete(userId);
    return deleted;
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

  /** Tokens for `user`; with `device` (the account), a device token too. */
  async #issue(user: User, familyId: string, device?: string): Promise<AuthResult> {
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
    const accessToken = await this.#tokens.signAccessToken(user.id);
    return device === undefined
      ? { user, accessToken, refreshToken }
      : { user, accessToken, refreshToken, deviceToken: this.#devices.issue(device) };
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
  if (typeof password === "string" && !isWellFormed(password)) throw badInput(NOT_UNICODE);
  const length = typeof password === "string" ? [...password].length : 0;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw badInput(`password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`);
  }
}

/** `String.prototype.isWellFormed` (ES2024): no lone surrogate (general category Cs). */
function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

/** NUL characters and lone surrogates cannot be stored or looked up (PostgreSQL refuses them). */
function isStorable(text: string): boolean {
  return !text.includes("\0") && Buffer.from(text, "utf8").toString("utf8") === text;
}

function isTokenShaped(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{20,200}$/.test(token);
}
