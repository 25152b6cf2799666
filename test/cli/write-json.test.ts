import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePrintableJson } from "../../src/cli/write-json.js";
import { printableJson } from "../../src/printable.js";

const PLAN = { recipe: "r", stages: Array.from({ length: 3000 }, (_, i) => ({ stage: { id: `s${i}`, params: { x: "y".repeat(i % 40), emoji: "\ud83d\ude00" } } })), notes: [] };

/** Runs `fn` with a file in a fresh folder, then removes it. */
function withFile<T>(fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "intern-write-json-"));
  try {
    return fn(join(dir, "out.json"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function written(value: unknown): { text: string; pieces: number } {
  let text = "";
  let pieces = 0;
  writePrintableJson({ write: (t: string) => ((text += t), pieces++) }, value);
  return { text, pieces };
}

describe("writePrintableJson", () => {
  it.each([
    ["an empty object", {}],
    ["members JSON leaves out", { a: undefined, b: () => 1, c: Symbol("s"), d: 1 }],
    ["empty and nested lists", { a: [], b: [[], {}, [1, [2]]], c: [undefined, () => 1, null] }],
    ["numbers JSON writes as null or 0", { a: NaN, b: -0, c: Infinity, d: 1.5e-7 }],
    ["characters printableJson escapes", { "\u2066key": ["\u0085", "\u202e", "\u007f"], s: "\u0000\n" }],
    ["integer-like keys", { 10: 1, b: 2, 1: [3] }],
    ["a value with a toJSON", { at: new Date(0), list: [new Date(0)] }],
    ["a list", [1, { a: 2 }]],
    ["a string", "text"],
    ["null", null],
    ["an object without a prototype", Object.assign(Object.create(null) as object, { a: [1] })],
  ])("writes %s as printableJson does", (_name, value) => {
    expect(written(value).text).toBe(`${printableJson(value)}\n`);
  });

  it("writes a large plan in pieces, the same text", () => {
    const value = { recipe: "r", stages: Array.from({ length: 5000 }, (_, i) => ({ stage: { id: `s${i}`, params: { x: "y".repeat(i % 40), emoji: "\ud83d\ude00" } }, estimate: { gpuHours: i / 3 } })), notes: [] };
    const { text, pieces } = written(value);
    expect(text).toBe(`${printableJson(value)}\n`);
    expect(pieces).toBeGreaterThan(5);
  });

  it("writes straight to a stdio stream's file, not through the stream, the same bytes", () => {
    withFile((file) => {
      const fd = openSync(file, "w");
      let streamed = 0;
      try {
        writePrintableJson({ fd, writableLength: 0, write: () => ((streamed += 1), true) }, PLAN);
      } finally {
        closeSync(fd);
      }
      expect(streamed).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(`${printableJson(PLAN)}\n`);
    });
  });

  it("hands the stream the rest when a direct write fails, and the whole when the stream holds queued output", () => {
    withFile((file) => {
      writeFileSync(file, "");
      const streamed = (flags: string, writableLength: number): string => {
        const fd = openSync(file, flags);
        const chunks: string[] = [];
        try {
          writePrintableJson({ fd, writableLength, write: (c: string | Uint8Array) => (chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("utf8")), true) }, PLAN);
        } finally {
          closeSync(fd);
        }
        return chunks.join("");
      };
      // Read-only: the file passes as one to write to, and the first write fails.
      expect(streamed("r", 0)).toBe(`${printableJson(PLAN)}\n`);
      // Writable, but the stream has output of its own queued: it must stay first.
      expect(streamed("w", 10)).toBe(`${printableJson(PLAN)}\n`);
      expect(readFileSync(file, "utf8")).toBe("");
    });
  });

  it("writes runs of list items of any size, the same text", () => {
    // Small items first (long runs), then items larger than a piece (runs of one), then small again.
    const sizes = [...Array.from({ length: 300 }, () => 10), 70_000, 200_000, 5, ...Array.from({ length: 300 }, (_, i) => i)];
    const value = { stages: sizes.map((n, i) => (i % 7 === 3 ? undefined : { id: i, text: "z".repeat(n), nested: { at: new Date(i), list: [i, "\u202e"] } })), after: { a: 1 } };
    const { text, pieces } = written(value);
    expect(text).toBe(`${printableJson(value)}\n`);
    expect(pieces).toBeGreaterThanOrEqual(3);
  });
});
