import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { AttemptStore, Limit, Taken } from "./attempts.ts";

/**
 * The sliding window of MemoryAttemptStore in a Redis sorted set per key (score: the attempt's
 * time), so that every replica counts the same attempts. Each step is one Lua script, atomic on
 * the server. Hand-written because the throttle gives back one given attempt and slides its
 * windows, which the fixed-window counters of rate-limiter-flexible cannot do.
 */
const TAKE = `
local key, now, window, max, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= max then
  local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
  local retry = tonumber(oldest[2] or now) + window - now
  if retry < 1 then retry = 1 end
  return {0, retry}
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window)
return {1, now}
`;

const GIVE_BACK = `
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if found[1] then redis.call('ZREM', KEYS[1], found[1]) end
return 0
`;

interface AttemptCommands {
  loginAttemptTake(
    key: string,
    now: number,
    windowMs: number,
    max: number,
    member: string,
  ): Promise<[number, number]>;
  loginAttemptGiveBack(key: string, at: number): Promise<number>;
}

export class RedisAttemptStore implements AttemptStore {
  readonly #redis: Redis & AttemptCommands;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = "login-attempts:") {
    if (!("loginAttemptTake" in redis)) {
      redis.defineCommand("loginAttemptTake", { numberOfKeys: 1, lua: TAKE });
      redis.defineCommand("loginAttemptGiveBack", { numberOfKeys: 1, lua: GIVE_BACK });
    }
    this.#redis = redis as Redis & AttemptCommands;
    this.#prefix = prefix;
  }

  async take(key: string, limit: Limit, now: number): Promise<Taken> {
    const [ok, value] = await this.#redis.loginAttemptTake(
      this.#prefix + key,
      now,
      limit.windowMs,
      limit.max,
      `${now}:${randomUUID()}`, // two attempts in the same millisecond are two members
    );
    return ok === 1 ? { ok: true, at: value } : { ok: false, retryAfterMs: value };
  }

  async giveBack(key: string, at: number): Promise<void> {
    await this.#redis.loginAttemptGiveBack(this.#prefix + key, at);
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }
}
