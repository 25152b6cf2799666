import { createHash } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRecords, type ReadOptions } from "../../src/data/read-records.js";
import { FIXTURES, tempDir } from "../helpers/recipe.js";
import { failure } from "../helpers/errors.js";

const ALL: ReadOptions = { columns: [], limit: null, only: null };

async function read(path: string, options: Partial<ReadOptions> = {}) {
  const rows: [number, unknown][] = [];
  const summary = await readRecords({ path, key: "data.datasets[0].path" }, { ...ALL, ...options }, (i, v) => rows.push([i, v]));
  return { rows, summary };
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe("readRecords: JSON Lines", () => {
  const text = '\uFEFF{"a":1}\r\n\n   \n{"a":2}\n{"a":"é漢"}';

  it("streams records with their line index, skipping blank lines, CRLF and a BOM, and hashes the bytes", async () => {
    const path = tmp.write("x.jsonl", text);
    const { rows, summary } = await read(path);
    expect(rows).toEqual([[0, { a: 1 }], [3, { a: 2 }], [4, { a: "é漢" }]]);
    expect(summary).toEqual({ records: 3, bytes: Buffer.byteLength(text), sha256: createHash("sha256").update(text).digest("hex") });
  });

  it("reads .gz files the same way, hashing the compressed bytes", async () => {
    const gz = gzipSync(text);
    const path = tmp.write("x.jsonl.gz", gz);
    const { rows, summary } = await read(path);
    expect(rows).toEqual([[0, { a: 1 }], [3, { a: 2 }], [4, { a: "é漢" }]]);
    expect(summary.sha256).toBe(createHash("sha256").update(gz).digest("hex"));
  });

  it("keeps multi-byte characters split across chunks whole", async () => {
    const line = JSON.stringify({ t: "漢".repeat(700_000) });
    const path = tmp.write("big.jsonl", line + "\n" + line + "\n");
    const { rows } = await read(path);
    expect(rows.map(([, v]) => (v as { t: string }).t.length)).toEqual([700_000, 700_000]);
    expect((rows[0]![1] as { t: string }).t).not.toContain("\uFFFD");
  });

  it("stops at the limit and visits only the asked indices, without parsing the others", async () => {
    const path = tmp.write("x.jsonl", '{"n":0}\nnot json\n{"n":2}\n{"n":3}\n{"n":4}\n');
    expect((await read(path, { only: Uint32Array.of(0, 3) })).rows).toEqual([[0, { n: 0 }], [3, { n: 3 }]]);
    const limited = await read(tmp.write("y.jsonl", '{"n":0}\n\n{"n":2}\n{"n":3}\n'), { limit: 2 });
    expect(limited.rows).toEqual([[0, { n: 0 }], [2, { n: 2 }]]);
    expect(limited.summary.records).toBe(2);
  });

  it("names the file and line of a line that is not JSON", async () => {
    const path = tmp.write("bad.jsonl", '{"a":1}\n{"a":2}\n{"a":\n');
    const error = await failure(read(path));
    expect(error.code).toBe("INTERN_DATA_INVALID_JSON");
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: not valid JSON \\(`));
    expect(error.hint).toMatch(/one JSON object per line/);
  });

  it("names the recipe key and the resolved path of a missing file", async () => {
    const path = join(tmp.dir, "nope", "train.jsonl");
    const error = await failure(read(path));
    expect(error.code).toBe("INTERN_DATA_NOT_FOUND");
    expect(error.message).toBe(`data.datasets[0].path: no such file ${path}`);
  });

  it("refuses a folder, a corrupt .gz and an unreadable file with clear errors", async () => {
    mkdirSync(join(tmp.dir, "folder.jsonl"));
    expect(await failure(read(join(tmp.dir, "folder.jsonl")))).toMatchObject({ code: "INTERN_DATA_UNREADABLE", message: expect.stringMatching(/is a folder/) });
    const gz = await failure(read(tmp.write("x.jsonl.gz", '{"a":1}\n')));
    expect(gz.code).toBe("INTERN_DATA_UNREADABLE");
    expect(gz.message).toMatch(/cannot decompress it/);
    if (process.getuid?.() !== 0) {
      const locked = tmp.write("locked.jsonl", "{}\n");
      chmodSync(locked, 0o000);
      expect(await failure(read(locked))).toMatchObject({ code: "INTERN_DATA_UNREADABLE", message: expect.stringMatching(/EACCES/) });
    }
  });
});

describe("readRecords: Parquet", () => {
  const file = join(FIXTURES, "data", "conversations.parquet");

  it("reads only the asked columns, row group by row group, with row indices", async () => {
    const { rows, summary } = await read(file, { columns: ["messages", "absent"] });
    expect(rows.length).toBe(10);
    expect(rows[5]).toEqual([5, { messages: [{ role: "user", content: "question 5" }, { role: "assistant", content: "answer 5" }] }]);
    expect(rows[7]).toEqual([7, { messages: null }]);
    expect(summary.records).toBe(10);
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("honours limit and only, across row groups", async () => {
    expect((await read(file, { columns: ["id"], limit: 3 })).rows).toEqual([[0, { id: 0n }], [1, { id: 1n }], [2, { id: 2n }]]);
    expect((await read(file, { columns: ["id"], only: Uint32Array.of(1, 9) })).rows).toEqual([[1, { id: 1n }], [9, { id: 9n }]]);
  });

  it("gives rows without the columns when none of them exist, so they are counted, not lost", async () => {
    expect((await read(file, { columns: ["text"], limit: 2 })).rows).toEqual([[0, {}], [1, {}]]);
  });

  it("says which compression it cannot read", async () => {
    const error = await failure(read(join(FIXTURES, "data", "zstd.parquet"), { columns: ["messages"] }));
    expect(error.code).toBe("INTERN_DATA_UNREADABLE");
    expect(error.message).toMatch(/cannot read .*zstd\.parquet as Parquet \(.*ZSTD/);
    expect(error.hint).toMatch(/snappy/);
  });
});
