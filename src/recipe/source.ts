import type { Document, LineCounter, Node, Pair } from "yaml";
import { printable } from "../printable.js";
import type { Diagnostic, ErrorCode, SourceLocation } from "../errors.js";
import { yamlLibrary } from "./yaml-library.js";

/**
 * A recipe file's text with its parsed YAML document, kept so that any problem found later
 * (schema, semantic rule, compiler) can point at the line and column it comes from.
 */
export interface RecipeSource {
  /** The path as the user gave it, for messages. */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export type PathSegment = string | number;

/** `budget.gpu_hours`, `data.datasets[0].fraction` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out === "" ? "(recipe)" : out;
}

/** Turns ajv's `/data/datasets/0/fraction` into path segments. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function findPair(map: unknown, key: PathSegment): Pair<Node, Node> | undefined {
  const { isMap, isPair, isScalar } = yamlLibrary();
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) return item as Pair<Node, Node>;
  }
  return undefined;
}

/**
 * The YAML node at `path`, walking as far as the document goes. `target: "key"` points at the
 * key of the last segment (for unknown keys), `value` at its value.
 */
function nodeAt(doc: Document.Parsed, path: readonly PathSegment[], target: "key" | "value"): Node | null {
  const { isSeq } = yamlLibrary();
  let node: unknown = doc.contents;
  let last: Node | null = (doc.contents as Node | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isSeq(node) && typeof seg === "number") {
      const next = node.items[seg];
      if (next === undefined) return last;
      node = next;
      last = next as Node;
      continue;
    }
    const pair = findPair(node, seg);
    if (!pair) return last;
    if (i === path.length - 1 && target === "key") return pair.key;
    node = pair.value;
    last = (pair.value as Node | null) ?? pair.key;
  }
  return last;
}

export function offsetToLocation(source: Pick<RecipeSource, "file" | "lineCounter">, offset: number): SourceLocation {
  const { line, col } = source.lineCounter.linePos(offset);
  return { file: source.file, line, col };
}

/** The source line at `line` with a caret under `col`. */
export function snippetAt(text: string, line: number, col: number): string {
  const lines = text.split(/\r?\n/);
  const src = (lines[line - 1] ?? "").replace(/\t/g, " ");
  const cut = src.length > 160 ? `${src.slice(0, 157)}...` : src;
  // Control characters print as escapes; the caret moves right by what they grew before it.
  const shown = printable(cut);
  const gutter = String(line);
  const caretCol = Math.min(Math.max(printable(cut.slice(0, Math.max(col, 1) - 1)).length + 1, 1), shown.length + 1);
  return `${gutter} | ${shown}\n${" ".repeat(gutter.length)} | ${" ".repeat(caretCol - 1)}^`;
}

export function locate(source: RecipeSource, path: readonly PathSegment[], target: "key" | "value" = "value"): { location: SourceLocation; snippet: string } {
  const node = nodeAt(source.doc, path, target);
  const offset = node?.range?.[0] ?? 0;
  const location = offsetToLocation(source, offset);
  return { location, snippet: snippetAt(source.text, location.line, location.col) };
}

/** Builds an error diagnostic for `path` in `source`. */
export function diagnosticAt(
  source: RecipeSource,
  path: readonly PathSegment[],
  code: ErrorCode,
  message: string,
  options: { hint?: string; target?: "key" | "value"; severity?: "error" | "warning" } = {},
): Diagnostic {
  const { location, snippet } = locate(source, path, options.target ?? "value");
  const d: Diagnostic = { code, message, location, snippet, severity: options.severity ?? "error", path: formatPath(path) };
  if (options.hint !== undefined) d.hint = options.hint;
  return d;
}
