import Handlebars from "handlebars";

/** Helpers that quote for a target; the only way a value may reach a rendered file. */
export const QUOTING_HELPERS = new Set(["yaml", "yamlKey", "sh", "kv", "json", "int", "slurm", "rendered"]);
const BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);

/**
 * Which helpers quote for which kind of file, by the template's name: a helper quotes for one
 * target, and `{{yaml x}}` in a shell script would run a recipe value as shell. A template of
 * another kind may use none.
 */
export const HELPERS_BY_FILE_TYPE: readonly { suffix: RegExp; kind: string; helpers: ReadonlySet<string> }[] = [
  { suffix: /\.sh\.hbs$/, kind: "shell script", helpers: new Set(["sh", "kv", "int", "rendered"]) },
  { suffix: /\.sbatch\.hbs$/, kind: "sbatch script", helpers: new Set(["sh", "kv", "int", "slurm", "rendered"]) },
  { suffix: /\.ya?ml\.hbs$/, kind: "YAML file", helpers: new Set(["yaml", "yamlKey", "int", "json"]) },
  { suffix: /\.json\.hbs$/, kind: "JSON file", helpers: new Set(["json", "int"]) },
];

type Node = { type: string; loc?: { start: { line: number; column: number } } | null; [k: string]: unknown };

/**
 * Rejects a template that could paste a value unquoted, or quoted for another kind of file (when
 * its name is given): every `{{...}}` must call a quoting
 * helper, triple-stash `{{{...}}}` and partials are not allowed, and blocks use the built-ins.
 * Returns the problems, each with its line.
 */
export function lintTemplate(source: string, name?: string): string[] {
  const type = name === undefined ? null : (HELPERS_BY_FILE_TYPE.find((t) => t.suffix.test(name)) ?? { kind: "file of another type", helpers: new Set<string>() });
  const problems: string[] = [];
  let ast: Node;
  try {
    ast = Handlebars.parse(source) as unknown as Node;
  } catch (error) {
    return [error instanceof Error ? error.message.split("\n")[0]! : String(error)];
  }
  const at = (n: Node) => `line ${n.loc?.start.line ?? "?"}`;
  const walk = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as Node;
    if (n.type === "MustacheStatement") {
      const path = n.path as { original?: unknown };
      const params = (n.params as unknown[]) ?? [];
      if (n.escaped === false) problems.push(`${at(n)}: {{{...}}} pastes a value unquoted; use a quoting helper (${[...QUOTING_HELPERS].join(", ")})`);
      else if (typeof path.original !== "string" || !QUOTING_HELPERS.has(path.original) || params.length === 0) {
        problems.push(`${at(n)}: {{${String(path.original)}}} must go through a quoting helper (${[...QUOTING_HELPERS].join(", ")})`);
      } else if (type !== null && !type.helpers.has(path.original)) {
        const allowed = [...type.helpers];
        problems.push(`${at(n)}: {{${path.original} ...}} does not quote for a ${type.kind}${allowed.length > 0 ? `; use ${allowed.join(", ")}` : "; templates of this type may not use helpers"}`);
      }
    } else if (n.type === "BlockStatement") {
      const name = (n.path as { original?: unknown }).original;
      if (typeof name !== "string" || !BLOCK_HELPERS.has(name)) problems.push(`${at(n)}: block {{#${String(name)}}} is not allowed; use if, unless, each or with`);
    } else if (n.type === "PartialStatement" || n.type === "PartialBlockStatement" || n.type === "DecoratorBlock" || n.type === "Decorator") {
      problems.push(`${at(n)}: partials and decorators are not allowed in templates`);
    }
    for (const [k, v] of Object.entries(n)) if (k !== "loc" && k !== "strip" && typeof v === "object") walk(v);
  };
  walk(ast);
  return problems;
}
