import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { configProblems, testConfig } from "./support/app.ts";

describe("the database plugin", () => {
  it("names MongoDB and MONGODB_URI, without the password, when the server cannot be reached", async () => {
    const config = await testConfig({ MONGODB_URI: "mongodb://app:hunter2@127.0.0.1:9/app" });
    const error = await buildApp({ config, logger: false }).then(
      () => new Error("the app started"),
      (reason: Error) => reason,
    );
    expect(error.message).toMatch(
      /^cannot reach MongoDB at mongodb:\/\/app:\*\*\*@127\.0\.0\.1:9\/app \(MONGODB_URI\): \S/,
    );
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("\n");
  });

  it("accepts only a mongodb:// or mongodb+srv:// URL as MONGODB_URI", async () => {
    expect(await configProblems({ MONGODB_URI: "postgres://127.0.0.1/app" })).toEqual([
      "MONGODB_URI must be a mongodb:// or mongodb+srv:// URL",
    ]);
    expect(await configProblems({ MONGODB_URI: "mongodb+srv://cluster.example.net/app" })).toEqual(
      [],
    );
  });
});
