import { describe, expect, it } from "vitest";
import { type Argon2, DEFAULT_HASHING, PasswordHasher } from "../src/auth/password.ts";
import { AppError } from "../src/errors.ts";
import { configProblems, TEST_SECRET, testConfig } from "./support/app.ts";

/** An argon2 whose calls finish only when the test says so. */
function heldArgon2() {
  const pending: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const held = <T>(value: T) =>
    new Promise<T>((resolve) => {
      running++;
      most = Math.max(most, running);
      pending.push(() => {
        running--;
        resolve(value);
      });
    });
  const argon2: Argon2 = {
    hash: (password) => held(`hash of ${password}`),
    verify: (hash, password) => held(hash === `hash of ${password}`),
  };
  return {
    argon2,
    release: () => pending.shift()?.(),
    get most() {
      return most;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("password hashing bound", () => {
  it("runs `concurrency` hashes at once, queues `queue` more, refuses the next with 503 and Retry-After", async () => {
    const fake = heldArgon2();
    const hasher = new PasswordHasher({ concurrency: 2, queue: 3 }, fake.argon2);
    const calls = Array.from({ length: 5 }, (_, i) =>
      hasher.verify("hash of p", i === 0 ? "p" : "x"),
    );
    await tick();
    expect(hasher.load).toEqual({ running: 2, waiting: 3 });
    const refused = await hasher.verify("hash of p", "p").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "SERVICE_UNAVAILABLE", statusCode: 503, retryAfter: 1 });
    await expect(hasher.hash("q")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(() => hasher.checkRoom()).toThrow(AppError);
    expect(() => hasher.checkRoom(true)).not.toThrow(); // the device-token queue is empty
    for (let i = 0; i < 5; i++) {
      fake.release();
      await tick();
    }
    expect(await Promise.all(calls)).toEqual([true, false, false, false, false]);
    expect(fake.most).toBe(2);
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });
    // room again
    const again = hasher.hash("q");
    await tick();
    fake.release();
    expect(await again).toBe("hash of q");
  });

  it("serves logins with a device token first, from a queue of their own", async () => {
    const fake = heldArgon2();
    const hasher = new PasswordHasher({ concurrency: 1, queue: 2 }, fake.argon2);
    const order: string[] = [];
    const call = (name: string, priority: boolean) =>
      hasher.verify("hash of p", "p", priority).then(
        () => order.push(name),
        (error: AppError) => order.push(`${name}: ${error.code}`),
      );
    const calls = [
      call("anonymous 1", false),
      call("anonymous 2", false),
      call("anonymous 3", false),
      call("anonymous 4 (queue full)", false),
      call("owner", true),
    ];
    await tick();
    expect(hasher.load).toEqual({ running: 1, waiting: 3 });
    for (let i = 0; i < 4; i++) {
      fake.release();
      await tick();
    }
    await Promise.all(calls);
    expect(order).toEqual([
      "anonymous 4 (queue full): SERVICE_UNAVAILABLE",
      "anonymous 1",
      "owner",
      "anonymous 2",
      "anonymous 3",
    ]);
  });

  it("is set by PASSWORD_HASH_CONCURRENCY (0: one per two cores) and PASSWORD_HASH_QUEUE", async () => {
    expect((await testConfig()).passwordHashing).toEqual(DEFAULT_HASHING);
    expect(DEFAULT_HASHING.concurrency).toBeGreaterThanOrEqual(1);
    expect(DEFAULT_HASHING.queue).toBe(16);
    const set = await testConfig({ PASSWORD_HASH_CONCURRENCY: "3", PASSWORD_HASH_QUEUE: "0" });
    expect(set.passwordHashing).toEqual({ concurrency: 3, queue: 0 });
    for (const [name, value] of [
      ["PASSWORD_HASH_CONCURRENCY", "-1"],
      ["PASSWORD_HASH_CONCURRENCY", "many"],
      ["PASSWORD_HASH_QUEUE", "-5"],
      ["PASSWORD_HASH_QUEUE", "10001"],
    ] as const) {
      const problems = await configProblems({
        NODE_ENV: "test",
        JWT_SECRET: TEST_SECRET,
        [name]: value,
      });
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} must be an integer`))]);
    }
  });
});

describe("password hash cost", () => {
  it("is the OWASP minimum unless PASSWORD_HASH_COST=test, which only NODE_ENV=test accepts", async () => {
    expect((await configProblems({ NODE_ENV: "test", JWT_SECRET: TEST_SECRET })).length).toBe(0);
    expect((await testConfig({ PASSWORD_HASH_COST: "owasp" })).passwordHashCost).toBe("owasp");
    expect((await testConfig()).passwordHashCost).toBe("test"); // the tests' own setting
    for (const NODE_ENV of ["production", "development"]) {
      expect(
        await configProblems({ NODE_ENV, JWT_SECRET: TEST_SECRET, PASSWORD_HASH_COST: "test" }),
      ).toEqual(["PASSWORD_HASH_COST=test is for NODE_ENV=test only; remove it or set owasp"]);
    }
    expect(
      await configProblems({
        NODE_ENV: "test",
        JWT_SECRET: TEST_SECRET,
        PASSWORD_HASH_COST: "low",
      }),
    ).toEqual([expect.stringMatching(/^PASSWORD_HASH_COST must be owasp/)]);
  });

  it("hashes at the OWASP minimum by default", async () => {
    const stored = await new PasswordHasher().hash("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
