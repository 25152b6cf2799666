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
  /** The key, for an error about a property name (`propertyNames`). */
  propertyName?: string;
}
export interface ValidateFunction {
  (data: unknown): boolean;
  errors: SchemaError[] | null;
}
export declare const validate: ValidateFunction;
export default validate;
