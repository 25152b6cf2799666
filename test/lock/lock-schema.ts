import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { ROOT } from "../helpers/recipe.js";

const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, "schema", "lock.schema.json"), "utf8")) as object);

/** The schema's errors for a lock (as parsed YAML), as one string; "" when it is valid. */
export function lockSchemaErrors(lock: unknown): string {
  return validate(lock) ? "" : JSON.stringify(validate.errors);
}
