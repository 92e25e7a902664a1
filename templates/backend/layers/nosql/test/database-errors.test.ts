import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isDuplicateKey } from "../src/db/errors.ts";

const error = (fields: object, cause?: unknown) => Object.assign(new Error("x", { cause }), fields);

describe("what MongoDB's errors mean", () => {
  it("an unreachable server or a closed client means the database is unavailable", () => {
    expect(isDatabaseUnavailable(error({ name: "MongoServerSelectionError" }))).toBe(true);
    expect(isDatabaseUnavailable(error({ name: "MongoNotConnectedError" }))).toBe(true);
    expect(isDatabaseUnavailable(error({}, error({ code: "ECONNRESET" })))).toBe(true);
    expect(isDatabaseUnavailable(error({ name: "MongoServerError", code: 11000 }))).toBe(false);
  });

  it("E11000 is a duplicate key, other server errors are not", () => {
    expect(isDuplicateKey(error({ name: "MongoServerError", code: 11000 }))).toBe(true);
    expect(isDuplicateKey(error({ name: "MongoServerError", code: 2 }))).toBe(false);
  });
});
