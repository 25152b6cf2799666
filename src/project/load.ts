import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { RecipeInvalidError, UsageError, type ErrorCode } from "../errors.js";
import { compileGraph, type CompileOptions } from "../graph/compile.js";
import type { StageGraph } from "../graph/types.js";
import { MAX_RECIPE_BYTES, parseRecipe, recipeTooLarge } from "../recipe/parse.js";
import type { RuleContext } from "../recipe/rules/problem.js";
import { diagnosticAt } from "../recipe/source.js";
import { sha256Hex } from "../sha256.js";
import { trlTableFile, type TrlKeyTable } from "../recipe/trl-keys.js";
import { validateRecipe, type ValidatedRecipe } from "../recipe/validate.js";
import type { TemplateSet } from "../render/environment.js";
import { fileDigests } from "./file-digests.js";
import { listTemplates, TemplateFolderError } from "./list-templates.js";
import { rewardFileProblems } from "./reward-files.js";
import { internVersion, PACKAGE_ROOT } from "./package-root.js";

/** Reads a recipe file's bytes; every file-system failure is a clear, located error. */
export function readRecipeBytes(cwd: string, file: string): Uint8Array {
  const path = resolve(cwd, file);
  const fail = (code: ErrorCode, message: string, hint: string): never => {
    throw new RecipeInvalidError(file, [{ code, message: `${file}: ${message}`, hint, severity: "error" }]);
  };
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") fail("INTERN_FILE_NOT_FOUND", "no such file", "check the path; recipes usually live in recipes/");
    if (code === "EACCES") fail("INTERN_FILE_UNREADABLE", "permission denied", "make the file readable by this user");
    fail("INTERN_FILE_UNREADABLE", `cannot read it (${code ?? String(error)})`, "check the path");
  }
  if (stat!.isDirectory()) fail("INTERN_FILE_IS_DIRECTORY", "is a directory, not a recipe file", "name the recipe's .yaml file inside it");
  // Refuse from the size alone: a huge file is never read into memory.
  if (stat!.size > MAX_RECIPE_BYTES) throw recipeTooLarge(file, stat!.size);
  try {
    return readFileSync(path);
  } catch (error) {
    return fail("INTERN_FILE_UNREADABLE", `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, "check the path and its permissions");
  }
}

const trlTables = new Map<string, TrlKeyTable | null>();

/** Key tables shipped in schema/trl/ (named by trlTableFile), read only for what a recipe pins. */
export const ruleContext: RuleContext = {
  trlTable(version, command) {
    const file = trlTableFile(version, command);
    if (!trlTables.has(file)) {
      try {
        trlTables.set(file, JSON.parse(readFileSync(join(PACKAGE_ROOT, "schema", "trl", file), "utf8")) as TrlKeyTable);
      } catch {
        trlTables.set(file, null);
      }
    }
    return trlTables.get(file)!;
  },
  get trlVersions() {
    return readdirSync(join(PACKAGE_ROOT, "schema", "trl"))
      .map((f) => /^trl-([0-9][^-]*)\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined);
  },
};

/** intern's templates with the recipe's override folder laid over them. */
export function loadTemplates(validated: ValidatedRecipe, cwd: string): TemplateSet {
  const set = new Map<string, { text: string; origin: string }>();
  const builtin = join(PACKAGE_ROOT, "templates");
  for (const name of listTemplates(builtin)) set.set(name, { text: readFileSync(join(builtin, name), "utf8"), origin: `templates/${name}` });
  const override = validated.recipe.templates;
  if (override !== null) {
    const recipeDir = dirname(resolve(cwd, validated.source.file));
    const dir = isAbsolute(override) ? override : join(recipeDir, override);
    let names: string[];
    try {
      names = listTemplates(dir);
    } catch (error) {
      if (!(error instanceof TemplateFolderError)) throw error;
      throw new RecipeInvalidError(validated.source.file, [
        diagnosticAt(validated.source, ["templates"], error.code, `template folder ${override} ${error.message}${override === dir ? "" : ` (looked in ${dir})`}`, { hint: error.hint }),
      ]);
    }
    for (const name of names) {
      if (!set.has(name)) {
        throw new RecipeInvalidError(validated.source.file, [
          diagnosticAt(validated.source, ["templates"], "INTERN_TEMPLATE_UNKNOWN", `${override}/${name} overrides no template of intern's`, { hint: `templates that can be overridden: ${[...set.keys()].join(", ")}` }),
        ]);
      }
      set.set(name, { text: readFileSync(join(dir, name), "utf8"), origin: `${override}/${name}` });
    }
  }
  return set;
}

export function templateDigests(templates: TemplateSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of templates) out[name] = sha256Hex(t.text);
  return out;
}

export interface LoadedRecipe {
  validated: ValidatedRecipe;
  templates: TemplateSet;
  graph: StageGraph;
}

/** Applies command-line overrides (`--backend`) to the parsed data before validation. */
export type DataOverride = (data: Record<string, unknown>) => void;

/** Read, parse, validate, compile: everything `validate`, `plan`, `graph` and `render` share. */
export function loadRecipe(cwd: string, file: string, override?: DataOverride): LoadedRecipe {
  const { validated, templates, fileDigests } = readRecipe(cwd, file, override);
  const graph = compiled(validated, { templateDigests: templateDigests(templates), version: internVersion(), fileDigests });
  return { validated, templates, graph };
}

/**
 * What `intern validate` checks: the recipe read, validated and compiled as `loadRecipe` does it,
 * and how many stages it makes, without digesting anything for the stages' keys. Stages of
 * different trials are one stage when their keys' texts are the same, which a number per
 * distinct text tells as well as a sha256 does, and a template by its name as well as by its
 * text's digest, and a local file by its size and time once it is known to open. So a start
 * reads no input whole and need not load node:crypto (unless the recipe names a local folder).
 */
export function checkRecipe(cwd: string, file: string): { validated: ValidatedRecipe; stages: number } {
  const { validated, templates, fileDigests } = readRecipe(cwd, file, undefined, { read: false });
  const tokens = new Map<string, string>();
  const graph = compiled(validated, {
    templateDigests: Object.fromEntries([...templates.keys()].map((name) => [name, name])),
    version: internVersion(),
    fileDigests,
    digest: (text) => {
      let token = tokens.get(text);
      if (token === undefined) tokens.set(text, (token = String(tokens.size)));
      return token;
    },
  });
  return { validated, stages: graph.stages.length };
}

/** Read, parse and validate, with the templates and the local inputs' digests a compile needs. */
function readRecipe(cwd: string, file: string, override?: DataOverride, inputs: { read?: boolean } = {}): { validated: ValidatedRecipe; templates: TemplateSet; fileDigests: Record<string, string> } {
  const parsed = parseRecipe(file, readRecipeBytes(cwd, file));
  if (override && parsed.data !== null && typeof parsed.data === "object" && !Array.isArray(parsed.data)) override(parsed.data as Record<string, unknown>);
  const validated = validateRecipe(parsed, ruleContext);
  const templates = loadTemplates(validated, cwd);
  const rewards = rewardFileProblems(validated, dirname(resolve(cwd, file)));
  if (rewards.length > 0) {
    throw new RecipeInvalidError(file, rewards.map((p) => diagnosticAt(validated.source, p.path, "INTERN_RECIPE_INVALID", p.message, { hint: p.hint })));
  }
  const local = fileDigests(validated, dirname(resolve(cwd, file)), inputs);
  if (local.problems.length > 0) {
    throw new RecipeInvalidError(
      file,
      local.problems.map((p) => diagnosticAt(validated.source, p.path, "INTERN_INPUT_UNREADABLE", p.message, { hint: "name regular files and folders of them; intern reads and digests every input" })),
    );
  }
  return { validated, templates, fileDigests: local.digests };
}

/** The stage graph, or the recipe's located errors (a cycle, a stage that needs no stage there is). */
function compiled(validated: ValidatedRecipe, options: CompileOptions): StageGraph {
  const { graph, problems } = compileGraph(validated, options);
  if (graph === null) {
    throw new RecipeInvalidError(
      validated.source.file,
      problems.map((p) => diagnosticAt(validated.source, p.path, p.code, p.message, { ...(p.hint ? { hint: p.hint } : {}), target: p.target ?? "value" })),
    );
  }
  return graph;
}

/** Throws a usage-level error when a command needs a recipe and got none. */
export function requireFile(file: string | undefined, command: string): string {
  if (file === undefined) throw new UsageError(`intern ${command} needs a recipe file`, `intern ${command} recipes/qwen3-1.7b-gpqa.yaml`);
  return file;
}
