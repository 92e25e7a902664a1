import { createHash, createHmac, randomBytes, webcrypto } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";

export interface TokenConfig {
  secret: string;
  accessTtl: number;
  refreshTtl: number;
  issuer: string;
  audience: string;
}

const ALGORITHM = "HS256";
/** Explicit token type (RFC 9068): a refresh token or any other JWT is never taken for one. */
const ACCESS_TYPE = "at+jwt";

/** Access tokens (short-lived JWTs) and refresh tokens (random, opaque, stored hashed). */
export class TokenService {
  /** Imported once: given raw bytes, jose would import a key on every sign and verify. */
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #config: TokenConfig;

  constructor(config: TokenConfig) {
    this.#config = config;
    this.#key = webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(config.secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    // A failed import surfaces on first use (sign/verify), never as an unhandled rejection.
    this.#key.catch(() => {});
  }

  get refreshTtl(): number {
    return this.#config.refreshTtl;
  }

  /** A key of its own for another use of the secret (HMAC-SHA256 of `purpose` under the secret). */
  deriveKey(purpose: string): Buffer {
    return createHmac("sha256", this.#config.secret).update(purpose).digest();
  }

  async signAccessToken(userId: string): Promise<string> {
    const key = await this.#key;
    return new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TYPE })
      .setSubject(userId)
      .setIssuer(this.#config.issuer)
      .setAudience(this.#config.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.#config.accessTtl}s`)
      .sign(key);
  }

  /** The user id (`sub`) of a valid access token, or null for anything else. */
  async verifyAccessToken(token: string): Promise<string | null> {
    // Three unpadded base64url segments, nothing else (jose alone would accept "=" padding).
    if (token.length > 4096 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return null;
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        algorithms: [ALGORITHM],
        typ: ACCESS_TYPE,
        issuer: this.#config.issuer,
        audience: this.#config.audience,
        requiredClaims: ["sub", "iat", "exp"],
      });
      return typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : null;
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }

  /** A new refresh token: 256 random bits, base64url. */
  newRefreshToken(): string {
    return randomBytes(32).toString("base64url");
  }

  hashRefreshToken(token: string): string {
    return createHash("sha256").update(token).digest("hex");
  }
}
