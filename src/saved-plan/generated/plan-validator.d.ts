/** ajv's standalone validator for schema/plan.schema.json (see scripts/gen-schema-validator.js). */
import type { ValidateFunction } from "../../recipe/generated/recipe-validator.js";
export declare const validate: ValidateFunction;
export default validate;
