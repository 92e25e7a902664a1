import { describe, expect, it } from "vitest";
import { Throttle } from "../src/auth/throttle.ts";
import { AppError } from "../src/errors.ts";

describe("Throttle", () => {
  it("hit: allows max attempts per window, then RATE_LIMITED with retryAfter", () => {
    const throttle = new Throttle(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) throttle.hit("a", t0);
    let error: unknown;
    try {
      throttle.hit("a", t0 + 10_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("RATE_LIMITED");
    expect((error as AppError).retryAfter).toBe(50);
    // other keys and later windows are unaffected
    expect(() => throttle.hit("b", t0)).not.toThrow();
    expect(() => throttle.hit("a", t0 + 60_000)).not.toThrow();
  });

  it("check/record: only recorded failures count", () => {
    const throttle = new Throttle(2, 60_000);
    const t0 = 5_000_000;
    throttle.check("ip", t0);
    throttle.record("ip", t0);
    throttle.check("ip", t0);
    throttle.record("ip", t0);
    expect(() => throttle.check("ip", t0)).toThrow(AppError);
  });
});
