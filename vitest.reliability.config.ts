// Reliability tests (npm run test:reliability): a generated rest+sql+jwt project, installed, built and started
// against the local PostgreSQL server, then shut down under load, cut off from its database, raced and loaded;
// three replicas of one on a shared database and the local Redis (migration race, refresh-token reuse, SIGTERM
// under load, a shared rate limit); and a MySQL one cut off from the local MariaDB server. Slow (minutes); needs
// PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306, Redis on 127.0.0.1:6379 and the right to stop and
// start PostgreSQL and MariaDB; not in `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/reliability/**/*.reliability.ts"],
		testTimeout: 5 * 60_000,
		hookTimeout: 6 * 60_000,
		fileParallelism: false,
		sequence: { concurrent: false },
	},
});
