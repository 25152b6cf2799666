import Handlebars from "handlebars";

/** Helpers that quote for a target; the only way a value may reach a rendered file. */
export const QUOTING_HELPERS = new Set(["yaml", "yamlKey", "sh", "kv", "json", "int", "slurm", "rendered"]);
const BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);

type Node = { type: string; loc?: { start: { line: number; column: number } } | null; [k: string]: unknown };

/**
 * Rejects a template that could paste a value unquoted: every `{{...}}` must call a quoting
 * helper, triple-stash `{{{...}}}` and partials are not allowed, and blocks use the built-ins.
 * Returns the problems, each with its line.
 */
export function lintTemplate(source: string): string[] {
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
