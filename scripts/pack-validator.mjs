// schema/pack.schema.json, the one source of the manifest's rules, compiled to plain JavaScript by ajv's standalone
// code generation and served as the module "virtual:pack-validator" to the bundler (scripts/build.mjs) and to
// Vitest (vitest.config.ts): the CLI validates a pack without compiling the schema or loading ajv, and nothing
// generated is written into src/.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ID = "virtual:pack-validator";

/** The validator's source: an ES module whose default export is `validate(data)`, defaults filled in. */
export function packValidatorCode() {
	const { Ajv } = require("ajv");
	const standaloneCode = require("ajv/dist/standalone").default;
	const schema = JSON.parse(readFileSync(new URL("../schema/pack.schema.json", import.meta.url), "utf8"));
	// unicode: false counts a string's length in UTF-16 units, which needs no runtime helper to `require` (the
	// schema's only lengths are minLength 1: not empty). ajv still honours the option; its deprecation notice is
	// the one warning left out.
	const warn = (message) => String(message).startsWith("DEPRECATED: option unicode") || console.warn(message);
	const logger = { log: console.log, warn, error: console.error };
	const ajv = new Ajv({ code: { source: true, esm: true }, useDefaults: true, unicode: false, logger });
	const code = standaloneCode(ajv, ajv.compile(schema));
	if (/\brequire\(/.test(code)) {
		throw new Error("pack validator: ajv's code requires a runtime helper; see scripts/pack-validator.mjs");
	}
	return code;
}

/** A Rolldown (and Vite) plugin that resolves "virtual:pack-validator". */
export function packValidator() {
	return {
		name: "pack-validator",
		resolveId: (id) => (id === ID ? `\0${ID}` : null),
		load: (id) => (id === `\0${ID}` ? packValidatorCode() : null),
	};
}
