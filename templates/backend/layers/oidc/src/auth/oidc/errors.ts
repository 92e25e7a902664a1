/**
 * Why a sign-in through the provider ended without tokens: the `#error=<code>` the browser lands
 * with. Fixed words only: what the provider said stays in the server log.
 */
export type OidcErrorCode =
  /** state or the flow cookie is missing, expired, tampered with or already used */
  | "invalid_state"
  /** the provider answered the authorization request with an error (e.g. the user cancelled) */
  | "access_denied"
  /** the code exchange or the ID token check failed (nonce, issuer, audience, expiry, signature) */
  | "invalid_response"
  /** the provider gave no email address (the `email` scope was not granted) */
  | "email_required"
  /**
   * an account with this email exists and the identity may not be attached to it: the email is
   * not verified by the provider, or OIDC_LINK_VERIFIED_EMAIL is not true
   */
  | "account_exists"
  /** the provider could not be reached */
  | "temporarily_unavailable";

export class OidcFlowError extends Error {
  readonly code: OidcErrorCode;

  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OidcFlowError";
    this.code = code;
  }
}
