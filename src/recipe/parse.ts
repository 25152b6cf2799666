import type { Document, LineCounter } from "yaml";
import { RecipeInvalidError, type Diagnostic, type DocumentCodePrefix, type ErrorCode, type InternError } from "../errors.js";
import { parsePlainYaml } from "./plain-yaml.js";
import { offsetToLocation, snippetAt, type RecipeSource } from "./source.js";
import { yamlLibrary } from "./yaml-library.js";

/** A recipe is configuration, not data: anything larger is almost surely the wrong file. */
export const MAX_RECIPE_BYTES = 1024 * 1024;
/** Aliases allowed in one recipe; enough for anchors reused by hand, far too few for a "billion laughs". */
export const MAX_ALIAS_COUNT = 200;

export interface ParsedRecipe {
  source: RecipeSource;
  /** The document as plain data, not yet validated. */
  data: unknown;
}

/**
 * What a YAML file intern reads holds, for its messages and the error that carries them: the
 * recipe, or a lock file. Both are parsed the same way, with positions, so that every problem
 * found later points at its line and column.
 */
export interface DocumentKind {
  /** `recipe`, `lock file`: what messages call it. */
  noun: string;
  /** `INTERN_RECIPE`: its own problems' codes start with it (`INTERN_RECIPE_EMPTY`). */
  codePrefix: DocumentCodePrefix;
  /** Its first keys, for "must be a mapping of keys (...)". */
  keys: string;
  /** What to do about an empty file. */
  emptyHint: string;
  /** The error its diagnostics are thrown in. */
  invalid(file: string, diagnostics: Diagnostic[]): InternError;
}

const RECIPE: DocumentKind = {
  noun: "recipe",
  codePrefix: "INTERN_RECIPE",
  keys: "apiVersion, kind, name, ...",
  emptyHint: "start from one of the recipes in recipes/, or run `intern schema` for the format",
  invalid: (file, diagnostics) => new RecipeInvalidError(file, diagnostics),
};

function fail(kind: DocumentKind, file: string, text: string, lineCounter: LineCounter, offset: number, code: ErrorCode, message: string, hint?: string): never {
  const location = offsetToLocation({ file, lineCounter }, offset);
  const d: Diagnostic = { code, message, location, snippet: snippetAt(text, location.line, location.col), severity: "error" };
  if (hint !== undefined) d.hint = hint;
  throw kind.invalid(file, [d]);
}

function decodeUtf8(kind: DocumentKind, file: string, bytes: Uint8Array): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    // Find the first bad byte to point at it: decode growing prefixes is quadratic, so walk
    // the UTF-8 structure instead.
    // A leading byte-order mark is not part of the text the columns count.
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let line = 1;
    let col = 1;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      let ok = len > 0 && i + len <= bytes.length;
      for (let k = 1; ok && k < len; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
      // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
      const second = bytes[i + 1] ?? 0;
      if (ok && ((b === 0xe0 && second < 0xa0) || (b === 0xed && second >= 0xa0) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second >= 0x90))) ok = false;
      if (!ok) break;
      if (b === 0x0a) {
        line++;
        col = 1;
      } else col++;
      i += len;
    }
    const byte = bytes[i] ?? 0;
    throw kind.invalid(file, [
      {
        code: `${kind.codePrefix}_NOT_UTF8`,
        message: `byte 0x${byte.toString(16).padStart(2, "0")} at offset ${i} is not valid UTF-8`,
        location: { file, line, col },
        hint: `save the ${kind.noun} as UTF-8`,
        severity: "error",
      },
    ]);
  }
}

/** The error for a file over MAX_RECIPE_BYTES; the loader raises it from the size alone. */
export function recipeTooLarge(file: string, size: number): RecipeInvalidError {
  return new RecipeInvalidError(file, [
    {
      code: "INTERN_RECIPE_TOO_LARGE",
      message: `recipe is ${(size / 1024 / 1024).toFixed(1)} MiB; a recipe may be at most ${MAX_RECIPE_BYTES / 1024 / 1024} MiB`,
      location: { file, line: 1, col: 1 },
      hint: "keep data in files the recipe points at (data.datasets[].path), not in the recipe",
      severity: "error",
    },
  ]);
}

/**
 * Parses recipe bytes into a YAML document and plain data. Pure: the caller reads the file.
 * Every failure is one located RecipeInvalidError, never a crash.
 */
export function parseRecipe(file: string, bytes: Uint8Array): ParsedRecipe {
  if (bytes.length > MAX_RECIPE_BYTES) throw recipeTooLarge(file, bytes.length);
  return parseYamlFile(file, bytes, RECIPE);
}

function parseWithPositions(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: "1.2" });
  return { doc, lineCounter };
}

/** A source whose document and line counter are parsed on first use. */
function sourceParsedLater(file: string, text: string): RecipeSource {
  let parsed: { doc: Document.Parsed; lineCounter: LineCounter } | undefined;
  return {
    file,
    text,
    get doc() {
      return (parsed ??= parseWithPositions(text)).doc;
    },
    get lineCounter() {
      return (parsed ??= parseWithPositions(text)).lineCounter;
    },
  };
}

/**
 * Parses a YAML file intern reads (a recipe, a lock) into a document with positions and plain
 * data. Pure. Every failure is one located error of `kind`, never a crash.
 */
export function parseYamlFile(file: string, bytes: Uint8Array, kind: DocumentKind): ParsedRecipe {
  const text = decodeUtf8(kind, file, bytes);
  // A plainly written file (most recipes) is read without the yaml library; its document, with
  // the positions messages point at, is parsed when one is needed. It is the same document.
  const plain = parsePlainYaml(text);
  if (plain !== null) return { source: sourceParsedLater(file, text), data: plain };
  const { doc, lineCounter } = parseWithPositions(text);
  const { isMap, isScalar, isSeq, visit } = yamlLibrary();
  const first = doc.errors[0];
  if (first) {
    const duplicate = first.code === "DUPLICATE_KEY";
    const message = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    fail(
      kind,
      file,
      text,
      lineCounter,
      first.pos[0],
      duplicate ? "INTERN_YAML_DUPLICATE_KEY" : "INTERN_YAML_SYNTAX",
      duplicate ? "duplicate key: each key may appear once in a mapping" : `YAML syntax error: ${message}`,
      duplicate ? "remove one of the two entries" : undefined,
    );
  }
  const source: RecipeSource = { file, text, doc, lineCounter };
  // A bare `---` parses as an empty scalar: that is an empty recipe too, not "a single value".
  const blank = isScalar(doc.contents) && doc.contents.range?.[0] === doc.contents.range?.[1];
  if (doc.contents === null || text.trim() === "" || blank) {
    fail(kind, file, text, lineCounter, 0, `${kind.codePrefix}_EMPTY`, `${kind.noun} is empty`, kind.emptyHint);
  }
  if (!isMap(doc.contents)) {
    const shape = isSeq(doc.contents) ? "a list" : "a single value";
    fail(kind, file, text, lineCounter, doc.contents.range?.[0] ?? 0, `${kind.codePrefix}_NOT_MAPPING`, `${kind.noun} must be a mapping of keys (${kind.keys}), not ${shape}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // yaml says "Excessive alias count"; an alias with no anchor before it fails here too.
    const aliasBomb = /excessive alias/i.test(message);
    // Point at the first alias (or the first unresolved one): searching the text for `*` or `&`
    // would find globs and prose.
    let alias = -1;
    visit(doc, {
      Alias(_key, node) {
        if (alias === -1) alias = node.range?.[0] ?? 0;
        if (aliasBomb) return visit.BREAK;
        if (node.resolve(doc) === undefined) {
          alias = node.range?.[0] ?? 0;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    alias = Math.max(alias, 0);
    fail(
      kind,
      file,
      text,
      lineCounter,
      alias,
      aliasBomb ? "INTERN_YAML_ALIAS_LIMIT" : "INTERN_YAML_SYNTAX",
      aliasBomb ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); the document would blow up in memory` : `YAML error: ${message}`,
      aliasBomb ? "write the values out instead of nesting aliases" : undefined,
    );
  }
  return { source, data };
}
