/**
 * The device token travels as a cookie: HttpOnly (no script reads it), SameSite=Strict, Secure in
 * production, and sent only to the path that logs in (`/auth` for REST, `/graphql` for GraphQL).
 * API clients keep it like any cookie (a cookie jar) and send it back as `Cookie: device_token=…`.
 */
export const DEVICE_COOKIE = "device_token";

export interface DeviceCookieOptions {
  path: string;
  secure: boolean;
  maxAgeSeconds: number;
}

/** The `Set-Cookie` value that hands `token` to the client. */
export function deviceCookie(token: string, options: DeviceCookieOptions): string {
  const parts = [
    `${DEVICE_COOKIE}=${token}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The device token of a `Cookie` header (the first one), if any. */
export function readDeviceCookie(header: string | undefined): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === DEVICE_COOKIE) return pair.slice(at + 1).trim();
  }
  return undefined;
}
