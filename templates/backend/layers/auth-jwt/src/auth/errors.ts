import { AppError } from "../errors.ts";

/** 401: no valid credentials. Over HTTP it says how to authenticate (RFC 6750). */
export const unauthenticated = (message = "Authentication required") =>
  new AppError("UNAUTHENTICATED", message, {
    headers: { "www-authenticate": 'Bearer realm="api"' },
  });
