import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { testConfig } from "./support/app.ts";

describe("the database plugin", () => {
  it("names PostgreSQL and DATABASE_URL, without the password, when the server cannot be reached", async () => {
    const config = await testConfig({ DATABASE_URL: "postgres://app:hunter2@127.0.0.1:9/app" });
    const start = buildApp({ config, logger: false }).then((app) => app.ready());
    await expect(start).rejects.toThrow(
      /^cannot open PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:9\/app \(DATABASE_URL\): /,
    );
    await expect(start).rejects.not.toThrow(/hunter2/);
  });
});
