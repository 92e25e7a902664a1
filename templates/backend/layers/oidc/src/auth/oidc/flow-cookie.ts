import { EncryptJWT, errors, jwtDecrypt } from "jose";
import type { FlowChecks } from "./provider.ts";

/**
 * The state, nonce and PKCE verifier of a sign-in in progress travel in this cookie, encrypted
 * and authenticated (JWE, A256GCM under a key derived from JWT_SECRET): they bind the callback to
 * the browser that started the sign-in, and nobody can read or change them. HttpOnly; SameSite=Lax
 * so that the provider's redirect back (a top-level GET from another site) carries it; sent only
 * to the callback; Secure when the callback is https.
 */
export const FLOW_COOKIE = "oidc_flow";
/** Minutes a sign-in may take from GET /auth/oidc/login to the callback. */
export const FLOW_MINUTES = 10;

const CALLBACK_PATH = "/auth/oidc/callback";

export class FlowCookie {
  readonly #key: Uint8Array;
  readonly #secure: boolean;
  readonly #audience: string;

  /** `key`: 32 bytes; `redirectUri`: this server's callback (its origin is the JWE's audience). */
  constructor(key: Uint8Array, redirectUri: URL) {
    if (key.byteLength !== 32) throw new Error("the flow cookie key must be 32 bytes");
    this.#key = key;
    this.#secure = redirectUri.protocol === "https:";
    this.#audience = redirectUri.origin;
  }

  /** The Set-Cookie value that starts a sign-in. */
  async seal(checks: FlowChecks): Promise<string> {
    const value = await new EncryptJWT({ s: checks.state, n: checks.nonce, v: checks.codeVerifier })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: "oidc-flow+jwt" })
      .setAudience(this.#audience)
      .setIssuedAt()
      .setExpirationTime(`${FLOW_MINUTES}m`)
      .encrypt(this.#key);
    return this.#cookie(value, FLOW_MINUTES * 60);
  }

  /** The Set-Cookie value that ends it (the callback clears the cookie, whatever the outcome). */
  clear(): string {
    return this.#cookie("", 0);
  }

  /** The checks of the Cookie header's flow cookie; undefined if missing, expired or tampered with. */
  async open(header: string | undefined): Promise<FlowChecks | undefined> {
    const value = readCookie(header, FLOW_COOKIE);
    if (!value || value.length > 4096) return undefined;
    try {
      const { payload } = await jwtDecrypt(value, this.#key, {
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: ["A256GCM"],
        typ: "oidc-flow+jwt",
        audience: this.#audience,
        requiredClaims: ["exp", "iat"],
      });
      const { s, n, v } = payload;
      if (typeof s !== "string" || typeof n !== "string" || typeof v !== "string") return undefined;
      return { state: s, nonce: n, codeVerifier: v };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }

  #cookie(value: string, maxAge: number): string {
    const parts = [
      `${FLOW_COOKIE}=${value}`,
      `Path=${CALLBACK_PATH}`,
      `Max-Age=${maxAge}`,
      "HttpOnly",
      "SameSite=Lax",
    ];
    if (this.#secure) parts.push("Secure");
    return parts.join("; ");
  }
}

/** The first cookie called `name` in a Cookie header. */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
