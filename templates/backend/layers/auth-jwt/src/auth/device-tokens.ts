import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a device token lets its device past an account's lock-out: 90 days. */
export const DEVICE_TOKEN_TTL_SECONDS = 90 * 86_400;

const SHAPE = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * Device tokens ("device cookies", after Openwall and OWASP's brute-force guidance): a login that
 * succeeds gets one, signed for that account. A later login for the same account that presents a
 * valid one is counted against that device alone, so an attacker who fails many passwords for the
 * account (and has no such token) cannot lock its owner out. Format: `<device id>.<expiry in Unix
 * seconds>.<HMAC-SHA256 of account, id and expiry>`, all base64url but the expiry; the account
 * (the normalized email) is not in the token, it is only signed.
 */
export class DeviceTokens {
  readonly #key: Buffer;
  readonly #ttl: number;

  /** `key`: at least 32 secret bytes, used for nothing else. */
  constructor(key: Buffer, ttlSeconds = DEVICE_TOKEN_TTL_SECONDS) {
    this.#key = key;
    this.#ttl = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttl;
  }

  /** A new token for a new device id, for `account`. */
  issue(account: string, now = Date.now()): string {
    const id = randomBytes(16).toString("base64url");
    const expires = Math.floor(now / 1000) + this.#ttl;
    return `${id}.${expires}.${this.#mac(account, id, expires)}`;
  }

  /** The device id of a valid, unexpired token for `account`; null for anything else. */
  verify(token: unknown, account: string, now = Date.now()): string | null {
    if (typeof token !== "string") return null;
    const match = SHAPE.exec(token);
    if (!match) return null;
    const [, id = "", expiresText = "", mac = ""] = match;
    const expires = Number(expiresText);
    if (expires * 1000 <= now) return null;
    const expected = Buffer.from(this.#mac(account, id, expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }

  #mac(account: string, id: string, expires: number): string {
    return createHmac("sha256", this.#key)
      .update(`${account}\n${id}\n${expires}`)
      .digest("base64url");
  }
}
