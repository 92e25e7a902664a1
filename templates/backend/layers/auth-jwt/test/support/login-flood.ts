/**
 * The environment of the login-flood tests' app: one hash at a time and two waiting, so that a
 * flood fills the queue, and no global rate limit in the way. At the production cost a hash
 * outlasts the flood's user lookups; at the test cost the queue could drain between lookups on a
 * PostgreSQL server and never be full.
 */
export const SMALL_HASHING_QUEUE = {
  RATE_LIMIT_MAX: "100000",
  PASSWORD_HASH_COST: "owasp",
  PASSWORD_HASH_CONCURRENCY: "1",
  PASSWORD_HASH_QUEUE: "2",
};
