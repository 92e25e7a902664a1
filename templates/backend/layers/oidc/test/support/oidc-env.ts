/** Where the tests' app says it lives, and where its front end would. */
export const APP_ORIGIN = "http://127.0.0.1:3000";
export const FRONT_END = "http://127.0.0.1:5173";
export const REDIRECT_URI = `${APP_ORIGIN}/auth/oidc/callback`;
export const POST_LOGIN_REDIRECT = `${FRONT_END}/signed-in`;

/** The OIDC_* variables of an app that signs in through the provider at `issuer`. */
export function oidcEnv(
  issuer: string,
  client: { id: string; secret: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: client.id,
    OIDC_CLIENT_SECRET: client.secret,
    OIDC_REDIRECT_URI: REDIRECT_URI,
    OIDC_POST_LOGIN_REDIRECT: POST_LOGIN_REDIRECT,
    CORS_ORIGIN: FRONT_END,
    ...extra,
  };
}
