import pg from "pg";

/**
 * Tests run on PostgreSQL at DATABASE_URL when it is set (each test file in its own schema), and
 * otherwise on in-memory PGlite (one instance per test file).
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log(
      "tests: database = embedded PGlite (in memory); set DATABASE_URL to use PostgreSQL",
    );
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `tests: cannot reach PostgreSQL at DATABASE_URL (${redact(url)}): ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
  console.log(`tests: database = PostgreSQL at ${redact(url)}`);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
