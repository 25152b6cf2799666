import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readBenchmark } from "../../src/data/read-benchmark.js";
import { readFileChunks } from "../../src/data/read-lines.js";
import { readRecords, type ReadOptions } from "../../src/data/read-records.js";
import { damagedZstdParquet, randomText, zstd, zstdFile } from "../helpers/compressed.js";
import { FIXTURES, ROOT, tempDir } from "../helpers/recipe.js";
import { failure } from "../helpers/errors.js";

const ALL: ReadOptions = { columns: [], limit: null };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

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

  it("reads .zst and .zstd files the same way, of one frame or several, hashing the compressed bytes", async () => {
    const expected = [[0, { a: 1 }], [3, { a: 2 }], [4, { a: "é漢" }]];
    const zst = zstd(text);
    for (const name of ["x.jsonl.zst", "x.jsonl.ZSTD"]) {
      const { rows, summary } = await read(tmp.write(name, zst));
      expect(rows).toEqual(expected);
      expect(summary).toEqual({ records: 3, bytes: zst.length, sha256: sha256(zst) });
    }
    // `cat a.zst b.zst`: frames one after another, the first cut inside a line, the second with a checksum.
    const cut = Buffer.byteLength(text) - 5;
    const frames = Buffer.concat([zstd(Buffer.from(text).subarray(0, cut), "--no-check"), zstd(Buffer.from(text).subarray(cut), "--check", "-19")]);
    expect((await read(tmp.write("frames.jsonl.zst", frames))).rows).toEqual(expected);
    expect((await read(tmp.write("empty.jsonl.zst", zstd("")))).rows).toEqual([]);
  });

  it("reads a .zst file written a frame per line, with skippable frames between", async () => {
    // From a file, so the frame records its size and needs no window: 17 bytes.
    const frame = readFileSync(zstdFile(tmp.write("line.jsonl", '{"a":1}\n'), "--no-check"));
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);
    const path = tmp.write("lines.jsonl.zst", Buffer.concat(Array.from({ length: 60_000 }, (_, i) => (i % 3 === 2 ? skippable : frame))));
    const { rows } = await read(path);
    expect(rows.length).toBe(40_000);
    expect(rows[39_999]).toEqual([39_999, { a: 1 }]);
  });

  it("streams a large .zst file in bounded chunks, reporting the bytes on disk as it goes", async () => {
    // Random text compresses about 2x: several 1 MiB reads of the file, and more of its blocks.
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, t: randomText(i, 2000) }));
    const text = lines.join("\n") + "\n";
    const path = zstdFile(tmp.write("big.jsonl", text), "-1");
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(2.5 * (1 << 20));
    const reads: number[] = [];
    const chunks = readFileChunks(path, (n) => reads.push(n));
    const out: Buffer[] = [];
    for await (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(1 << 20);
      out.push(chunk);
    }
    expect(Buffer.concat(out).toString("utf8")).toBe(text);
    expect(out.length).toBeGreaterThan(reads.length);
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(size);
    expect(chunks.digest).toEqual({ sha256: sha256(readFileSync(path)), bytes: size });
    const { rows } = await read(path);
    expect(rows.length).toBe(3000);
    expect(rows[2999]).toEqual([2999, JSON.parse(lines[2999]!)]);
  });

  it("keeps multi-byte characters split across chunks whole", async () => {
    const line = JSON.stringify({ t: "漢".repeat(700_000) });
    const path = tmp.write("big.jsonl", line + "\n" + line + "\n");
    const { rows } = await read(path);
    expect(rows.map(([, v]) => (v as { t: string }).t.length)).toEqual([700_000, 700_000]);
    expect((rows[0]![1] as { t: string }).t).not.toContain("\uFFFD");
  });

  it("stops at the limit", async () => {
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
    const gzPath = tmp.write("x.jsonl.gz", '{"a":1}\n');
    const gz = await failure(read(gzPath));
    expect(gz.code).toBe("INTERN_DATA_UNREADABLE");
    expect(gz.message).toContain(`${gzPath}: cannot decompress it as gzip (`);
    expect(gz.hint).toMatch(/^a \.gz file must hold gzip-compressed JSON Lines/);
    if (process.getuid?.() !== 0) {
      const locked = tmp.write("locked.jsonl", "{}\n");
      chmodSync(locked, 0o000);
      expect(await failure(read(locked))).toMatchObject({ code: "INTERN_DATA_UNREADABLE", message: expect.stringMatching(/EACCES/) });
    }
  });

  it("refuses a .zst file that is not zstd, is damaged or is cut short, naming the file and the compression", async () => {
    const good = zstd('{"a":1}\n'.repeat(1000) + JSON.stringify({ t: randomText(0, 5000) }) + "\n", "--check");
    const damaged = Buffer.from(good);
    damaged.fill(0xff, 20, 60);
    const cases: [string, Uint8Array, RegExp][] = [
      ["plain.jsonl.zst", Buffer.from('{"a":1}\n'), /invalid zstd data/],
      ["damaged.jsonl.zst", damaged, /./],
      ["short.jsonl.zst", good.subarray(0, good.length - 100), /unexpected EOF/],
    ];
    for (const [name, bytes, detail] of cases) {
      const path = tmp.write(name, bytes);
      const error = await failure(read(path));
      expect(error.code).toBe("INTERN_DATA_UNREADABLE");
      expect(error.message).toContain(`${path}: cannot decompress it as zstd (`);
      expect(error.message).toMatch(detail);
      expect(error.hint).toMatch(/^a \.zst or \.zstd file must hold zstd-compressed JSON Lines/);
    }
  });
});

describe("readBenchmark", () => {
  it("reads a .jsonl.zst benchmark like the plain file", async () => {
    const text = [{ question: "What is 2+2?", choices: ["3", 4] }, { question: "Why?", choices: null }].map((r) => JSON.stringify(r)).join("\n") + "\n";
    const plain = await readBenchmark({ path: tmp.write("bench.jsonl", text), key: "benchmark.data.path" });
    const zst = zstd(text);
    const compressed = await readBenchmark({ path: tmp.write("bench.jsonl.zst", zst), key: "benchmark.data.path" });
    expect(compressed.items).toEqual(plain.items);
    expect(compressed.items).toEqual([{ index: 0, text: "What is 2+2?\n3\n4" }, { index: 1, text: "Why?" }]);
    expect(compressed.digest).toEqual({ sha256: sha256(zst), bytes: zst.length });
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

  it("honours limit, across row groups", async () => {
    expect((await read(file, { columns: ["id"], limit: 3 })).rows).toEqual([[0, { id: 0n }], [1, { id: 1n }], [2, { id: 2n }]]);
    expect((await read(file, { columns: ["id"], limit: 5 })).rows.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
  });

  it("gives rows without the columns when none of them exist, so they are counted, not lost", async () => {
    expect((await read(file, { columns: ["text"], limit: 2 })).rows).toEqual([[0, {}], [1, {}]]);
  });

  it("reads pages compressed with zstd, lz4, gzip and brotli", async () => {
    const chat = (i: number) => ({ messages: [{ role: "user", content: `question ${i}` }, { role: "assistant", content: `answer ${i}` }] });
    for (const path of [join(FIXTURES, "data", "zstd.parquet"), join(FIXTURES, "data", "lz4.parquet"), join(ROOT, "test", "data", "fixtures", "gzip.parquet"), join(ROOT, "test", "data", "fixtures", "brotli.parquet")]) {
      const { rows, summary } = await read(path, { columns: ["messages"] });
      expect(rows).toEqual([0, 1, 2].map((i) => [i, chat(i)]));
      expect(summary).toEqual({ records: 3, bytes: statSync(path).size, sha256: sha256(readFileSync(path)) });
    }
  });

  it("says which page it cannot decompress, and that a damaged file fails like this", async () => {
    const path = tmp.write("damaged.parquet", damagedZstdParquet());
    const error = await failure(read(path, { columns: ["messages"] }));
    expect(error.code).toBe("INTERN_DATA_UNREADABLE");
    expect(error.message).toMatch(/^data\.datasets\[0\]\.path: cannot read .*damaged\.parquet as Parquet \(cannot decompress a ZSTD page: invalid zstd data\)$/);
    expect(error.hint).toMatch(/zstd/);
    expect(error.hint).toMatch(/damaged/);
    const cut = await failure(read(tmp.write("cut.parquet", readFileSync(file).subarray(0, 1000)), { columns: ["messages"] }));
    expect(cut.code).toBe("INTERN_DATA_UNREADABLE");
    expect(cut.message).toMatch(/cannot read .*cut\.parquet as Parquet \(/);
  });
});
