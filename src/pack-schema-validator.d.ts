// Types of pack-schema-validator.js, which scripts/build.mjs generates from schema/pack.schema.json.
import type { ErrorObject } from "ajv";

/** True when `data` matches schema/pack.schema.json; otherwise the reasons are in `validate.errors`. */
export interface ValidateFunction {
	(data: unknown): boolean;
	errors?: ErrorObject[] | null;
}

export declare const validate: ValidateFunction;
export default validate;
