import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { parsePlainYaml } from "../../src/recipe/plain-yaml.js";
import { ROOT } from "../helpers/recipe.js";

/** What the yaml library makes of a text, parsed as parse.ts parses a recipe. */
function reference(text: string): { errors: number; data: unknown } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, version: "1.2" });
  return { errors: doc.errors.length, data: doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 200 }) };
}

/** JSON that tells NaN, the infinities and -0 apart, and keeps key order. */
function exact(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? `number ${Object.is(v, -0) ? "-0" : String(v)}` : v));
}

/** The fast reader either declines, or gives exactly the yaml library's data for a document it reads without error. */
function agrees(text: string): { accepted: boolean; ok: boolean } {
  const fast = parsePlainYaml(text);
  if (fast === null) return { accepted: false, ok: true };
  const ref = reference(text);
  return { accepted: true, ok: ref.errors === 0 && exact(fast) === exact(ref.data) };
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** A seeded generator, so that a failure names a case that can be run again. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const FILES = [...yamlFiles(join(ROOT, "recipes")), ...yamlFiles(join(ROOT, "test", "fixtures"))];

describe("parsePlainYaml", () => {
  it("reads every recipe in recipes/ (so that validate and plan never load the yaml library for them)", () => {
    const recipes = readdirSync(join(ROOT, "recipes")).filter((f) => /\.ya?ml$/.test(f) && !f.includes(".lock."));
    expect(recipes.length).toBeGreaterThan(3);
    for (const f of recipes) expect(agrees(readFileSync(join(ROOT, "recipes", f), "utf8")), f).toEqual({ accepted: true, ok: true });
  });

  it("gives the yaml library's data for every YAML file of the repository it reads", () => {
    for (const f of FILES) expect(agrees(readFileSync(f, "utf8")).ok, f).toBe(true);
  });

  it.each([
    ["plain scalars resolve with the core schema", "a: 1\nb: -2\nc: 0o17\nd: 0x1F\ne: 1.5\nf: 2.0e-5\ng: .inf\nh: -.Inf\ni: .nan\nj: true\nk: False\nl: ~\nm: null\nn: yes\no: 007\np: 1_000\nq: +3\nr: 5.\ns: .5\nt:\n"],
    ["quoted scalars", "a: \"x\\\"y\\\\z\\n\\t\\/\"\nb: 'it''s'\nc: \"no\"\nd: '1'\ne: \"\" # empty\n"],
    ["comments and blank lines", "# head\n\na: 1 # one\n  # indented comment\n\nb:\n  # inside\n  c: x#y\n"],
    ["nested blocks and sequences", "a:\n  b:\n    - 1\n    - c: 2\n      d: [x, \"y\", 'z', 3]\n    -\n      e: f\n  h:\n  - i\n  - j\nk: []\n"],
    ["block scalars", "a: |\n  one\n    two\n  three\nb: |-\n  x\n\nc: >\n  folded\n  line\nd: >-\n  x\n  y\ne: 1\n"],
    ["keys with dots and slashes", "matrix:\n  data.seed: [1, 2]\n  training.hyperparameters.learning_rate: [1e-5, 2e-5]\nx/y: 1\n"],
  ])("reads %s as the yaml library does", (_name, text) => {
    expect(agrees(text)).toEqual({ accepted: true, ok: true });
  });

  it.each([
    ["an anchor and an alias", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a flow mapping", "a: {b: 1}\n"],
    ["a multi-line plain scalar", "a: one\n  two\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a tab", "a:\tb\n"],
    ["CR LF line ends", "a: 1\r\nb: 2\r\n"],
    ["a document marker", "---\na: 1\n"],
    ["no final newline", "a: 1"],
    ["non-ASCII text", "a: café\n"],
    ["a list at the top", "- a\n"],
    ["a key that is not a string", "1: a\ntrue: b\n"],
    ["a `__proto__` key", "__proto__: 1\n"],
    ["a value with `: ` in it", "a: b: c\n"],
    ["a trailing comma", "a: [1, 2,]\n"],
    ["a block scalar with a keep indicator", "a: |+\n  x\n\n"],
    ["bad indentation", "a: 1\n b: 2\n"],
    ["an empty document", "# nothing\n"],
    ["a sequence in a sequence on one line", "a:\n  - - b\n"],
  ])("leaves %s to the yaml library", (_name, text) => {
    expect(parsePlainYaml(text)).toBeNull();
  });

  it("declines or agrees on thousands of edits of the repository's YAML files", () => {
    const rnd = random(20261205);
    const bits = [" ", "  ", "#", " #x", ":", ": ", "- ", "-", "'", '"', "[", "]", "{", "}", ",", "|", ">", "|-", ">-", "&a", "*a", "!x", "?", "~", "null", "true", "0x1F", "0o17", "1e3", ".inf", "-.5", "+1", "007", "\\", "\\n", "''", "a: b", "---", "%", "@", "`", "yes", "1.", ".", "x:", " - a", "\n", "\n\n", "\n  "];
    let accepted = 0;
    let wrong: string | null = null;
    for (const f of FILES) {
      const lines = readFileSync(f, "utf8").split("\n");
      for (let n = 0; n < 60 && wrong === null; n++) {
        const ls = [...lines];
        const k = Math.floor(rnd() * ls.length);
        const at = Math.floor(rnd() * (ls[k]!.length + 1));
        switch (Math.floor(rnd() * 6)) {
          case 0:
            ls.splice(k, 1);
            break;
          case 1:
            ls[k] = ` ${ls[k]}`;
            break;
          case 2:
            ls[k] = ls[k]!.slice(1);
            break;
          case 3:
            ls[k] = ls[k]!.slice(0, at) + bits[Math.floor(rnd() * bits.length)] + ls[k]!.slice(at);
            break;
          case 4:
            ls.splice(k, 0, ls[Math.floor(rnd() * ls.length)]!);
            break;
          default:
            ls[k] = ls[k]!.slice(0, at) + ls[k]!.slice(at + 1 + Math.floor(rnd() * 3));
        }
        const text = ls.join("\n");
        const r = agrees(text);
        if (r.accepted) accepted++;
        if (!r.ok) wrong = text;
      }
    }
    expect(wrong).toBeNull();
    expect(accepted).toBeGreaterThan(100);
  });

  it("reads back what the yaml library writes, as the yaml library does", () => {
    const rnd = random(7);
    const strings = ["", "no", "yes", "true", "1", "1.0", "0x1", "~", "a b", "a: b", "a #b", "# c", "- d", "x\ny", "line\n", " lead", "trail ", "quo\"te", "it's", "back\\slash", "[x]", "{y}", "*z", "&w", "%v", "@u", "tab\there", "long ".repeat(30)];
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.4) {
        const s = rnd();
        return s < 0.5 ? strings[Math.floor(rnd() * strings.length)] : s < 0.7 ? Math.floor(rnd() * 2000) - 1000 : s < 0.8 ? rnd() * 10 : s < 0.9 ? rnd() < 0.5 : null;
      }
      if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, i) => [["k", "key_b", "c.d", "e/f", "1", "no"][Math.floor(rnd() * 6)]! + i, value(depth + 1)]));
    };
    let accepted = 0;
    for (let n = 0; n < 500; n++) {
      const text = stringify({ root: value(0), other: value(1) });
      const r = agrees(text);
      expect(r.ok, text).toBe(true);
      if (r.accepted) accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
