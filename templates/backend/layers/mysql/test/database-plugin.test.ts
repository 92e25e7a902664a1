import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { NO_DATABASE_URL } from "../src/db/client.ts";
import { configProblems, testConfig } from "./support/app.ts";

describe("the database plugin", () => {
  it("names MySQL and DATABASE_URL, without the password, when the server cannot be reached", async () => {
    const config = await testConfig({ DATABASE_URL: "mysql://app:hunter2@127.0.0.1:9/app" });
    const error = await buildApp({ config, logger: false }).then(
      () => new Error("the app started"),
      (reason: Error) => reason,
    );
    expect(error.message).toMatch(
      /^cannot reach MySQL at mysql:\/\/app:\*\*\*@127\.0\.0\.1:9\/app \(DATABASE_URL\): \S/,
    );
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("\n");
  });

  it("without DATABASE_URL, stops start-up with one line saying how to start a server", async () => {
    const config = await testConfig();
    await expect(buildApp({ config, logger: false })).rejects.toThrow(NO_DATABASE_URL);
    expect(NO_DATABASE_URL).not.toContain("\n");
    expect(NO_DATABASE_URL).toMatch(/docker compose up -d mysql/);
  });

  it("accepts only a mysql:// URL naming a database as DATABASE_URL", async () => {
    expect(await configProblems({ DATABASE_URL: "postgres://127.0.0.1/app" })).toEqual([
      "DATABASE_URL must be a mysql://user:password@host:3306/database URL (the database named)",
    ]);
    expect(await configProblems({ DATABASE_URL: "mysql://127.0.0.1:3306" })).toHaveLength(1);
    expect(await configProblems({ DATABASE_URL: "mysql://app:pw@db.example:3306/app" })).toEqual(
      [],
    );
  });
});
