import type { Command } from "../command.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliIO } from "../io.js";
import { PACKAGE_ROOT } from "../../project/package-root.js";

export const help = `intern schema

Prints the recipe JSON Schema (draft-07). Point your editor at it: recipes start with
  # yaml-language-server: $schema=../schema/recipe.schema.json
`;

export function schemaCommand(io: CliIO): number {
  io.stdout.write(readFileSync(join(PACKAGE_ROOT, "schema", "recipe.schema.json"), "utf8"));
  return 0;
}

export const command: Command = { help, run: (io) => schemaCommand(io) };
