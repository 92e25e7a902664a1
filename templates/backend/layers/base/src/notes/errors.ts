import { AppError } from "../errors.ts";

/**
 * 401, as for any bad access token: the owner a still-valid access token names no longer exists
 * (users are cached for a while when checking access tokens, so a token may briefly outlive its
 * deleted account).
 */
export const ownerGone = () =>
  new AppError("UNAUTHENTICATED", "The account of this access token no longer exists", {
    headers: { "www-authenticate": 'Bearer realm="api"' },
  });
