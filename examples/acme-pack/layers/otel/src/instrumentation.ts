// Loaded with `node --import` before the server (see the start and dev scripts in package.json).
import { startTelemetry } from "./telemetry.ts";

const telemetry = startTelemetry();
// Flush the last spans when the server stops (src/server.ts closes the app on SIGINT/SIGTERM).
process.once("beforeExit", () => void telemetry.shutdown());
