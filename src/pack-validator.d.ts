// A module the bundler provides (scripts/pack-validator.mjs): schema/pack.schema.json compiled by ajv's standalone
// code generation, so that no schema is compiled, and no ajv loaded, at run time.
declare module "virtual:pack-validator" {
	import type { ErrorObject } from "ajv";

	/** True when `data` matches the schema (defaults filled in); otherwise the reasons are in `errors`. */
	const validate: { (data: unknown): boolean; errors?: ErrorObject[] | null };
	export default validate;
}
