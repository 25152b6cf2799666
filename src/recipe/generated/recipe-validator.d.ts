/** ajv's standalone validator for schema/recipe.schema.json (see scripts/gen-schema-validator.js). */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: { description?: string; [key: string]: unknown };
  data?: unknown;
}
export interface ValidateFunction {
  (data: unknown): boolean;
  errors: SchemaError[] | null;
}
export declare const validate: ValidateFunction;
export default validate;
