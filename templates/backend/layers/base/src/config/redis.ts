import { Type } from "typebox";
import { configSection } from "../config.ts";

declare module "../config.ts" {
  interface Config {
    /**
     * The Redis server that every replica shares rate limits and login throttling through; null
     * keeps them in this process's memory (right for one instance only).
     */
    redisUrl: string | null;
  }
}

/** Redis: optional; only shared limits use it. */
export default configSection(
  Type.Object({
    REDIS_URL: Type.Optional(
      Type.String({ description: "a Redis URL such as redis://127.0.0.1:6379 (or unset)" }),
    ),
  }),
  (env, problems) => {
    const url = env.REDIS_URL ?? null;
    if (url !== null && !isRedisUrl(url)) {
      problems.push(
        "REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379 or rediss://host:6380 (or unset to keep limits in memory)",
      );
    }
    return { redisUrl: url };
  },
);

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
  } catch {
    return false;
  }
}
