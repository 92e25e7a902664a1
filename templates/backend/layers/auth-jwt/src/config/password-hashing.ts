import { Type } from "typebox";
import { DEFAULT_HASHING, type HashCost, type HashingBound } from "../auth/password.ts";
import { configSection } from "../config.ts";

declare module "../config.ts" {
  interface Config {
    /** How many password hashes run at once, and how many may wait (src/auth/password.ts). */
    passwordHashing: HashingBound;
    /** What each hash costs: "test" only under NODE_ENV=test. */
    passwordHashCost: HashCost;
  }
}

/** The bound on password hashing: beyond it, logins and registrations answer 503 at once. */
export default configSection(
  Type.Object({
    PASSWORD_HASH_CONCURRENCY: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        "an integer from 0 to 64 (argon2 hashes running at once; 0: one per two CPU cores)",
    }),
    PASSWORD_HASH_QUEUE: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      default: DEFAULT_HASHING.queue,
      description: "an integer from 0 to 10000 (password checks that may wait for a turn)",
    }),
    PASSWORD_HASH_COST: Type.Union([Type.Literal("owasp"), Type.Literal("test")], {
      default: "owasp",
      description: "owasp (argon2id, 19 MiB, 2 iterations) or, under NODE_ENV=test only, test",
    }),
  }),
  (env, problems) => {
    // A cheap hash makes stolen password hashes cheap to crack: never outside the test runner.
    if (env.PASSWORD_HASH_COST === "test" && env.NODE_ENV !== "test") {
      problems.push("PASSWORD_HASH_COST=test is for NODE_ENV=test only; remove it or set owasp");
    }
    return {
      passwordHashing: {
        concurrency: env.PASSWORD_HASH_CONCURRENCY || DEFAULT_HASHING.concurrency,
        queue: env.PASSWORD_HASH_QUEUE,
      },
      passwordHashCost: env.PASSWORD_HASH_COST,
    };
  },
);
