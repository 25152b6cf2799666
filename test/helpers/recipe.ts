import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { loadTemplates, ruleContext, templateDigests } from "../../src/project/load.js";
import { InternError, RecipeInvalidError, type Diagnostic } from "../../src/errors.js";
import { compileGraph } from "../../src/graph/compile.js";
import type { StageGraph } from "../../src/graph/types.js";
import { parseRecipe } from "../../src/recipe/parse.js";
import { diagnosticAt } from "../../src/recipe/source.js";
import { validateRecipe, type ValidatedRecipe } from "../../src/recipe/validate.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** A fixture file's text, by path under test/fixtures/. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge: mappings merge, lists and scalars replace, `undefined` removes the key. */
export function patch(base: Plain, changes: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = patch(out[k] as Plain, v);
    else out[k] = v;
  }
  return out;
}

/** test/fixtures/recipes/minimal.yaml with `changes` merged in, as YAML text. */
export function recipeYaml(changes: Plain = {}, base = "recipes/minimal.yaml"): string {
  return stringify(patch(parse(fixture(base)) as Plain, changes), { lineWidth: 0 });
}

/** 1-based number of the `nth` line that contains `needle`. */
export function lineOf(text: string, needle: string, nth = 1): number {
  const lines = text.split("\n");
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  }
  throw new Error(`no line ${nth} with ${JSON.stringify(needle)} in:\n${text}`);
}

/** 1-based column where `needle` starts on the line `lineOf` finds. */
export function colOf(text: string, needle: string, nth = 1): number {
  return text.split("\n")[lineOf(text, needle, nth) - 1]!.indexOf(needle) + 1;
}

export interface Checked {
  validated: ValidatedRecipe;
  graph: StageGraph;
}

/** Parse, validate and compile recipe text as `intern validate` does; throws InternError on problems. */
export function compileText(text: string, options: { file?: string; digests?: Record<string, string> } = {}): Checked {
  const file = options.file ?? "recipe.yaml";
  const validated = validateRecipe(parseRecipe(file, Buffer.from(text)), ruleContext);
  const digests = options.digests ?? templateDigests(loadTemplates(validated, ROOT));
  const { graph, problems } = compileGraph(validated, { templateDigests: digests, version: "0.0.0-test" });
  if (graph === null) {
    // Located as the CLI locates them (src/project/load.ts).
    throw new RecipeInvalidError(
      file,
      problems.map((p) => diagnosticAt(validated.source, p.path, p.code, p.message, { ...(p.hint ? { hint: p.hint } : {}), target: p.target ?? "value" })),
    );
  }
  return { validated, graph };
}

/** The diagnostics a recipe gets from validation and compilation; fails when it has none. */
export function diagnosticsOf(text: string, file = "recipe.yaml"): readonly Diagnostic[] {
  try {
    compileText(text, { file });
  } catch (error) {
    if (error instanceof InternError) return error.diagnostics;
    throw error;
  }
  throw new Error(`expected problems, but the recipe is valid:\n${text}`);
}

/** Warnings of a valid recipe. */
export function warningsOf(text: string): Diagnostic[] {
  return validateRecipe(parseRecipe("recipe.yaml", Buffer.from(text)), ruleContext).warnings;
}

/** The only diagnostic with `code`; fails when there are none or several. */
export function only(diagnostics: readonly Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${found.length}:\n${JSON.stringify(diagnostics, null, 2)}`);
  return found[0]!;
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void; write: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), "intern-test-"));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/** The diagnostic with `code` whose message matches; fails when there is none. */
export function find(diagnostics: readonly Diagnostic[], code: string, message: string | RegExp): Diagnostic {
  const found = diagnostics.find((d) => d.code === code && (typeof message === "string" ? d.message === message : message.test(d.message)));
  if (!found) throw new Error(`no ${code} matching ${String(message)} in:\n${JSON.stringify(diagnostics.map((d) => [d.code, d.message]), null, 2)}`);
  return found;
}
