import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import { ChunkedLengths, ChunkedUint32, KEY_BYTES, KeyTable, Spill, type RowChunk } from "../../src/data/spill.js";
import { createRowReader } from "../../src/data/spill-reader.js";
import { ROOT } from "../helpers/recipe.js";
import type { TaskResult } from "../../src/data/row-task.js";
import { FittingRows } from "../../src/data/scan-dataset.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function spill(): Spill {
  const dir = mkdtempSync(join(tmpdir(), "intern-spill-"));
  dirs.push(dir);
  return new Spill(join(dir, "rows.partial"));
}

/** A task's result for `lines`, numbered from `firstRecord`, with the given 32-byte keys. */
function result(lines: string[], firstRecord: number, keys: Buffer[] = [], matches: TaskResult["matches"] = []): TaskResult {
  const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""));
  return {
    fit: Uint32Array.from(lines, (_, i) => firstRecord + 2 * i),
    bytes: new Uint8Array(bytes),
    lengths: Uint32Array.from(lines, (l) => Buffer.byteLength(l) + 1),
    keys: new Uint8Array(Buffer.concat(keys)),
    matches,
    byReason: {},
    samples: [],
    invalid: null,
  };
}

function key(prefix: number, rest: number): Buffer {
  const k = Buffer.alloc(KEY_BYTES);
  k.writeUInt32LE(prefix, 0);
  k.writeUInt32LE(rest, KEY_BYTES - 4);
  return k;
}

describe("ChunkedUint32", () => {
  it("keeps every value across chunk boundaries", () => {
    const list = new ChunkedUint32();
    for (let i = 0; i < 200_000; i++) list.push((i * 2654435761) >>> 0);
    expect(list.length).toBe(200_000);
    for (const i of [0, 65_535, 65_536, 131_071, 131_072, 199_999]) expect(list.get(i)).toBe((i * 2654435761) >>> 0);
  });
});

describe("ChunkedLengths", () => {
  it("keeps every length, under 64 KB and over, in chunks with and without long rows", () => {
    const list = new ChunkedLengths();
    // The first chunk holds short rows only, the second a few long ones, the third long ones at its ends.
    const value = (i: number) => (i >= 65_536 && i < 131_072 && i % 1000 === 0 ? 65_536 + i * 31 : i === 131_072 || i === 196_607 ? 2 ** 32 - 1 - i : (i * 7919) % 65_536);
    for (let i = 0; i < 200_000; i++) list.push(value(i));
    expect(list.length).toBe(200_000);
    for (const i of [0, 1, 65_535, 65_536, 66_000, 66_001, 100_000, 131_071, 131_072, 131_073, 196_607, 199_999]) expect(list.get(i), String(i)).toBe(value(i));
  });
});

describe("Spill", () => {
  it("reads back every row, of any length, from any block and any task", () => {
    const s = spill();
    const lines = Array.from({ length: 53 }, (_, i) => `{"row":${i},"pad":"${"é".repeat(i % 7)}${"x".repeat((i * 37) % 101)}"}`);
    // One row longer than 64 KB, whose length takes more than two bytes.
    lines[20] = `{"row":20,"pad":"${"y".repeat(70_000)}"}`;
    s.add(result(lines.slice(0, 20), 0), 0);
    s.add(result(lines.slice(20, 21), 40), 0);
    s.add(result(lines.slice(21), 0), 1);
    expect(s.rows).toBe(53);
    for (const row of [52, 0, 15, 16, 17, 20, 21, 31, 32, 33, 47, 48, 5]) {
      const buffer = Buffer.alloc(s.length(row) + 3);
      s.readRow(row, buffer, 3);
      expect(buffer.subarray(3).toString()).toBe(`${lines[row]}\n`);
    }
    s.close();
  });

  it("keeps a contaminated row's dataset and record index", () => {
    const s = spill();
    s.add(result(["a", "b"], 0), 0);
    s.add(result(["c", "d", "e"], 10, [], [{ at: 2, item: 4, shared: 1, ngram: "w" }]), 3);
    expect(s.matches.get(4)).toEqual({ dataset: 3, record: 14, item: 4, shared: 1, ngram: "w" });
    s.close();
  });
});

describe("KeyTable", () => {
  it("removes a row whose whole key was seen, and keeps one whose first 4 bytes alone agree", () => {
    const s = spill();
    // Rows 0 and 2 share the whole key; rows 0, 1 and 3 share the first 4 bytes only.
    s.add(result(["a", "b", "c", "d", "e"], 0, [key(1, 1), key(1, 2), key(1, 1), key(1, 3), key(9, 9)]), 0);
    const table = new KeyTable(s, 5);
    expect([3, 2, 1, 0, 4, 2].map((row) => table.isDuplicate(row))).toEqual([false, false, false, true, false, true]);
    expect(table.removed).toBe(2);
    s.close();
  });
});

describe("FittingRows", () => {
  it("counts and lists record indices in ascending order, however they arrive", () => {
    const f = new FittingRows();
    for (const i of [9000, 3, 0, 8, 7, 3, 123_456]) f.add(i);
    expect(f.length).toBe(6);
    expect([...f]).toEqual([0, 3, 7, 8, 9000, 123_456]);
    expect([f.has(7), f.has(6), f.has(10_000_000)]).toEqual([true, false, false]);
  });
});

describe("the spill reader", () => {
  const READER = pathToFileURL(join(ROOT, "dist", "data", "spill-worker.js"));
  const chunkOf = (rows: [number, number][]): RowChunk => ({
    buffer: Buffer.alloc(rows.reduce((a, [, l]) => a + l, 0)),
    offsets: Float64Array.from(rows, ([o]) => o),
    lengths: Uint32Array.from(rows, ([, l]) => l),
    count: rows.length,
    bytes: 0,
  });

  it("reads rows at their offsets into one buffer, one after another, here and on its worker", async () => {
    const s = spill();
    s.add(result(["first", "second row", "third"], 0), 0);
    for (const reader of [createRowReader(s.path, s.bytes, { threads: 0 }), createRowReader(s.path, s.bytes, { workerUrl: READER })]) {
      try {
        // The third row, then the first: the mixed order is not the spill's.
        const got = await reader.read(chunkOf([[s.offset(2), s.length(2)], [s.offset(0), s.length(0)]]));
        expect(got.buffer.toString("utf8", 0, got.buffer.length)).toBe("third\nfirst\n");
        expect(Buffer.isBuffer(got.buffer)).toBe(true);
      } finally {
        await reader.close();
      }
    }
  });

  it("fails with where the spill ended when a row lies beyond it, here and on its worker", async () => {
    const s = spill();
    s.add(result(["only"], 0), 0);
    for (const reader of [createRowReader(s.path, s.bytes, { threads: 0 }), createRowReader(s.path, s.bytes, { workerUrl: READER })]) {
      try {
        await expect(reader.read(chunkOf([[100, 10]]))).rejects.toThrow("the spill file ended at byte 100");
      } finally {
        await reader.close();
      }
    }
  });
});
