import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Exited {
  code: number | null;
  stdout: string;
  /** What the server wrote to stderr, less Node's own warnings. */
  stderr: string;
}

const SERVER = join(import.meta.dirname, "..", "..", "src", "server.ts");

export interface RunOptions {
  /** Node's own flags, beside those that run TypeScript. */
  nodeFlags?: string[];
  timeoutMs?: number;
}

/**
 * Starts src/server.ts as `npm run dev` does (without watching), with `env` over a minimal
 * environment, in an empty folder so that no .env is read; resolves when it exits by itself, or
 * rejects when it is still running after `timeoutMs`.
 */
export function runServer(
  env: Record<string, string>,
  { nodeFlags = [], timeoutMs = 45_000 }: RunOptions = {},
): Promise<Exited> {
  const cwd = mkdtempSync(join(tmpdir(), "server-"));
  const child = spawn(
    process.execPath,
    [...nodeFlags, "--experimental-strip-types", "--disable-warning=ExperimentalWarning", SERVER],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "development",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        JWT_SECRET: randomBytes(32).toString("base64url"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server was still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port that something else holds for the test, as another server would. */
export async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, server };
}
