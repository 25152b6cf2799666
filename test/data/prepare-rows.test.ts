import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildNgramIndex } from "../../src/data/decontaminate.js";
import { planMix } from "../../src/data/mix.js";
import { prepareRows, type PrepareProgress, type PrepareRowsInput } from "../../src/data/prepare-rows.js";
import { createPool, defaultThreads, INLINE_BYTES } from "../../src/data/row-pool.js";
import { readBenchmark } from "../../src/data/read-benchmark.js";
import { ruleContext } from "../../src/project/load.js";
import { parseRecipe } from "../../src/recipe/parse.js";
import type { PinnedDataset } from "../../src/recipe/types.js";
import { validateRecipe } from "../../src/recipe/validate.js";
import { prepareData, preparationThreads } from "../../src/stages/prepare.js";
import { damagedZstdParquet, randomText, zstd, zstdFile } from "../helpers/compressed.js";
import { FIXTURES, recipeYaml, ROOT, tempDir } from "../helpers/recipe.js";
import { failure } from "../helpers/errors.js";

const QUICKSTART = join(ROOT, "recipes", "quickstart");
/** The compiled worker: the global setup builds dist/ before the tests. */
const WORKER = pathToFileURL(join(ROOT, "dist", "data", "row-worker.js"));
/** The spill reader's worker: given, the write phase reads on it whatever the spill's size. */
const READER = pathToFileURL(join(ROOT, "dist", "data", "spill-worker.js"));

const columns = { messages: "messages", prompt: null, completion: null, system: null };
function dataset(path: string, changes: Partial<PinnedDataset> = {}): PinnedDataset {
  return { source: { kind: "local", path }, split: "train", license: null, format: "conversational", columns, fraction: 1, maxRows: null, ...changes };
}
const quickstartRecipe = () =>
  validateRecipe(parseRecipe("recipe.yaml", Buffer.from(recipeYaml({ benchmark: { harness: "builtin", task: undefined, data: { path: "benchmark.jsonl" } }, data: { datasets: [{ path: "train.jsonl" }] } }))), ruleContext).recipe;
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const chat = (user: string, assistant: string) => ({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

async function quickstartBenchmark() {
  const { items } = await readBenchmark({ path: join(QUICKSTART, "benchmark.jsonl"), key: "benchmark.data.path" });
  return { index: buildNgramIndex(items, 13), threshold: 1 };
}

/** `path`: one file; `paths`: a dataset of several files, read in that order. */
function input(datasets: ({ dataset: PinnedDataset; path: string } | { dataset: PinnedDataset; paths: string[] })[], out: string, changes: Partial<PrepareRowsInput> = {}): PrepareRowsInput {
  return {
    datasets: datasets.map((d, i) => ({ dataset: d.dataset, sources: ("paths" in d ? d.paths : [d.path]).map((path) => ({ path, key: `data.datasets[${i}]` })) })),
    plan: (scans) => planMix(scans.map((s, i) => ({ available: s.fitting.length, fraction: datasets[i]!.dataset.fraction })), null),
    seed: 0,
    dedupe: true,
    benchmark: null,
    outputPath: join(tmp.dir, out),
    ...changes,
  };
}

describe("prepareRows", () => {
  it("removes the quickstart's 6 duplicates and 5 contaminated rows, on the calling thread and on workers alike", async () => {
    const benchmark = await quickstartBenchmark();
    const ds = [{ dataset: dataset("train.jsonl"), path: join(QUICKSTART, "train.jsonl") }];
    const inline = await prepareRows(input(ds, "inline.jsonl", { benchmark, pool: { threads: 0 } }));
    expect(inline.duplicatesRemoved).toBe(6);
    expect(inline.removed.length).toBe(5);
    expect(inline.output.rows).toBe(587 - 11);
    expect(inline.output.sha256).toBe(sha(join(tmp.dir, "inline.jsonl")));
    expect(inline.scans[0]!.sha256).toBe(sha(join(QUICKSTART, "train.jsonl")));
    const workers = await prepareRows(input(ds, "workers.jsonl", { benchmark, pool: { threads: 2, workerUrl: WORKER, readerUrl: READER } }));
    expect(readFileSync(join(tmp.dir, "workers.jsonl")).equals(readFileSync(join(tmp.dir, "inline.jsonl")))).toBe(true);
    expect(workers.removed).toEqual(inline.removed);
    expect({ ...workers.scans[0], fitting: [...workers.scans[0]!.fitting] }).toEqual({ ...inline.scans[0], fitting: [...inline.scans[0]!.fitting] });
    // The bytes prepareData writes for the quickstart.
    const reference = join(tmp.dir, "reference");
    await prepareData({ recipe: quickstartRecipe(), recipeDir: QUICKSTART, dir: reference });
    expect(readFileSync(join(reference, "data", "train.jsonl")).equals(readFileSync(join(tmp.dir, "inline.jsonl")))).toBe(true);
    rmSync(reference, { recursive: true });
    // Nothing is left beside the output but the output.
    expect(readdirSync(tmp.dir).sort()).toEqual(["inline.jsonl", "workers.jsonl"]);
  });

  it("dedupes on normalised text: case, punctuation, spacing and Unicode forms make no new row; words, roles and turn boundaries do", async () => {
    const same = [chat("What colour is the Dadaju?", "Red."), chat("what  colour is the dadaju", "\uff52\uff45\uff44"), chat("WHAT colour, is the dadaju!", "red")];
    const apart = [
      chat("What colour is the dadaju?", "blue"),
      { messages: [{ role: "system", content: "What colour is the dadaju?" }, { role: "assistant", content: "red" }] },
      chat("What colour is the", "dadaju red"),
      { text: "What colour is the dadaju? red" },
    ];
    const path = tmp.write("variants.jsonl", jsonl([...same, ...apart]));
    for (const [out, pool] of [["inline.jsonl", { threads: 0 }], ["workers.jsonl", { threads: 2, workerUrl: WORKER, readerUrl: READER }]] as const) {
      const textColumns = { ...columns, text: "text" };
      const both = [{ dataset: dataset("variants.jsonl"), path }, { dataset: dataset("variants.jsonl", { format: "text", columns: textColumns }), path }];
      const r = await prepareRows(input(both, out, { pool }));
      // The conversations dataset fits all rows but the last, the text dataset only the last.
      expect(r.scans.map((s) => s.fitting.length)).toEqual([same.length + apart.length - 1, 1]);
      expect(r.duplicatesRemoved).toBe(same.length - 1);
      const lines = readFileSync(join(tmp.dir, out), "utf8").split("\n").filter((l) => l !== "");
      expect(lines.length).toBe(1 + apart.length);
      expect(lines.filter((l) => same.some((row) => JSON.stringify(row) === l)).length).toBe(1);
      for (const row of apart) expect(lines).toContain(JSON.stringify(row));
    }
  });

  it("mixes by fraction, counts misfits across batches and keeps the first samples, with the same bytes on workers", async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => (i % 1000 === 7 ? { text: `no messages ${i}` } : chat(`question ${i % 20_000} ${"x ".repeat(i % 50)}`, `answer ${i % 20_000}`)));
    const a = tmp.write("a.jsonl", jsonl(rows));
    const b = tmp.write("b.parquet", readFileSync(join(FIXTURES, "data", "conversations.parquet")));
    const ds = [
      { dataset: dataset("a.jsonl", { fraction: 0.9 }), path: a },
      { dataset: dataset("b.parquet", { fraction: 0.1 }), path: b },
    ];
    const plan: PrepareRowsInput["plan"] = (scans) => planMix(scans.map((s, i) => ({ available: s.fitting.length, fraction: ds[i]!.dataset.fraction })), 10_000);
    const progress: PrepareProgress[] = [];
    const inline = await prepareRows(input(ds, "inline.jsonl", { plan, batchBytes: 100_000, pool: { threads: 0 }, onProgress: (p) => progress.push(p), progressIntervalMs: 0 }));
    const workers = await prepareRows(input(ds, "workers.jsonl", { plan, batchBytes: 100_000, chunkBytes: 5_000, pool: { threads: 2, workerUrl: WORKER, readerUrl: READER } }));
    expect(readFileSync(join(tmp.dir, "workers.jsonl")).equals(readFileSync(join(tmp.dir, "inline.jsonl")))).toBe(true);
    const scan = inline.scans[0]!;
    expect(scan.records).toBe(30_000);
    expect(scan.byReason).toEqual({ "missing-column": 30 });
    expect(scan.samples.map((s) => s.row)).toEqual([7, 1007, 2007, 3007, 4007]);
    expect(workers.scans[0]!.samples).toEqual(scan.samples);
    expect(inline.plan.shares.map((s) => s.taken)).toEqual([9000, 9]);
    expect(inline.duplicatesRemoved).toBe(workers.duplicatesRemoved);
    expect(inline.output.rows).toBe(9009 - inline.duplicatesRemoved);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ phase: "write", rows: 9009, totalRows: 9009 });
    expect(progress.filter((p) => p.phase === "read").every((p) => p.totalRows === null)).toBe(true);
    expect(progress.some((p) => p.phase === "read" && p.rows === 30_000 + 10 && p.bytes === p.totalBytes)).toBe(true);
  });

  it("fails on a line that is not JSON, naming file and line, from a worker too", async () => {
    const bad = tmp.write("bad.jsonl", jsonl([chat("q", "a")]) + "{oops\n");
    for (const threads of [0, 1]) {
      const error = await failure(prepareRows(input([{ dataset: dataset("bad.jsonl"), path: bad }], "out.jsonl", { pool: { threads, workerUrl: WORKER } })));
      expect(error.code).toBe("INTERN_DATA_INVALID_JSON");
      expect(error.message).toMatch(new RegExp(`^${bad}:2: not valid JSON`));
    }
    expect(existsSync(join(tmp.dir, "out.jsonl"))).toBe(false);
    expect(existsSync(join(tmp.dir, "out.jsonl.rows.partial"))).toBe(false);
  });

  it("prepares .jsonl.zst and .jsonl.gz to the same bytes as the plain file, across read chunks, frames and batches", async () => {
    // About 7 MB of JSON Lines that zstd shrinks only about 2x: several 1 MiB reads of the .zst,
    // many 256 KB batches; duplicates, misfits, blank lines and CRLF along the way.
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++) {
      if (i % 500 === 7) lines.push(JSON.stringify({ text: `no messages ${i}` }));
      else if (i % 100 === 3) lines.push(JSON.stringify(chat("a question asked often", "and its answer")), "");
      else lines.push(JSON.stringify(chat(`question ${i} ${randomText(i, 600)}`, `answer ${randomText(-i, 500)}`)) + (i % 10 === 0 ? "\r" : ""));
    }
    const text = "\uFEFF" + lines.join("\n") + "\n";
    const plain = tmp.write("train.jsonl", text);
    const zst = zstdFile(plain);
    expect(statSync(zst).size).toBeGreaterThan(3 << 20);
    const gz = tmp.write("train.jsonl.gz", gzipSync(text));
    // `cat a.zst b.zst`: two frames, the first ending inside a line, the second smaller and at zstd's highest level.
    const cut = Buffer.byteLength(text) - 100_000;
    const frames = tmp.write("frames.jsonl.zstd", Buffer.concat([zstd(Buffer.from(text).subarray(0, cut)), zstd(Buffer.from(text).subarray(cut), "-19")]));
    const benchmark = { index: buildNgramIndex([{ index: 0, text: `question 1234 ${randomText(1234, 600)}` }], 13), threshold: 1 };
    const prepared = async (path: string, threads: number) => {
      const out = `${basename(path)}-${threads}.out`;
      const result = await prepareRows(input([{ dataset: dataset(basename(path)), path }], out, { benchmark, batchBytes: 256 << 10, pool: { threads, workerUrl: WORKER } }));
      return { result, bytes: readFileSync(join(tmp.dir, out)) };
    };
    const reference = await prepared(plain, 0);
    expect(reference.result.scans[0]!.records).toBe(6000);
    expect(reference.result.scans[0]!.byReason).toEqual({ "missing-column": 12 });
    expect(reference.result.duplicatesRemoved).toBe(59);
    expect(reference.result.removed.length).toBe(1);
    for (const [path, threads] of [[zst, 0], [zst, 1], [gz, 0], [frames, 0]] as const) {
      const { result, bytes } = await prepared(path, threads);
      expect(bytes.equals(reference.bytes)).toBe(true);
      expect(result.removed).toEqual(reference.result.removed);
      const { sha256, bytes: size, files, ...scan } = result.scans[0]!;
      const { sha256: _s, bytes: _b, files: _f, ...expected } = reference.result.scans[0]!;
      expect({ ...scan, fitting: [...scan.fitting] }).toEqual({ ...expected, fitting: [...expected.fitting] });
      expect({ sha256, size }).toEqual({ sha256: sha(path), size: statSync(path).size });
      expect(files).toEqual([{ sha256, bytes: size, records: 6000 }]);
    }
  });


  it("writes the same bytes whatever the batch size, with lines longer than a batch and its read between short ones, or than a chunk of the output", async () => {
    // The reader reuses one buffer for every batch and grows it for a line it cannot hold: a
    // 3 MB line is longer than a 1,000-byte batch and a 1 MiB read together.
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const long = i === 150 || i === 151 || i === 390;
      lines.push(JSON.stringify(chat(`question ${i} ${randomText(i, long ? 3_000_000 : 200)}`, `answer ${i % 350}`)));
    }
    const path = tmp.write("long.jsonl", lines.join("\n") + "\n");
    const prepared = async (batchBytes: number, threads: number) => {
      const out = `${batchBytes}-${threads}.out`;
      // Threads or not, the output is read back in chunks shorter than the long lines: on the spill reader's worker, or here.
      const pool = threads > 0 ? { threads, workerUrl: WORKER, readerUrl: READER } : { threads };
      const result = await prepareRows(input([{ dataset: dataset("long.jsonl"), path }], out, { batchBytes, chunkBytes: batchBytes === 64 << 20 ? undefined : 100_000, pool }));
      return { result, bytes: readFileSync(join(tmp.dir, out)) };
    };
    const whole = await prepared(64 << 20, 0);
    expect(whole.result.scans[0]!.records).toBe(400);
    expect(whole.bytes.toString("utf8").split("\n").filter((l) => l !== "").length).toBe(400);
    for (const [batchBytes, threads] of [[1000, 0], [1000, 2], [300_000, 0]] as const) {
      const { result, bytes } = await prepared(batchBytes, threads);
      expect(bytes.equals(whole.bytes), `batches of ${batchBytes} bytes, ${threads} threads`).toBe(true);
      expect(result.scans[0]!.records).toBe(400);
      expect(result.scans[0]!.sha256).toBe(sha(path));
    }
  });
  it("stops a .jsonl.zst at max_rows as it stops the plain file, and still hashes all of it", async () => {
    const text = jsonl(Array.from({ length: 3000 }, (_, i) => chat(`question ${i} ${randomText(i, 300)}`, `answer ${i}`)));
    const plain = tmp.write("train.jsonl", text);
    const zst = zstdFile(plain);
    const limited = (path: string, out: string) => prepareRows(input([{ dataset: dataset(basename(path), { maxRows: 1234 }), path }], out, { batchBytes: 64 << 10 }));
    const a = await limited(plain, "a.jsonl");
    const b = await limited(zst, "b.jsonl");
    expect(b.output.rows).toBe(1234);
    expect(readFileSync(join(tmp.dir, "b.jsonl")).equals(readFileSync(join(tmp.dir, "a.jsonl")))).toBe(true);
    expect(b.scans[0]).toMatchObject({ records: 1234, sha256: sha(zst), bytes: statSync(zst).size });
  });

  it("fails on a damaged .jsonl.zst with the file and the compression", async () => {
    const good = zstd(jsonl(Array.from({ length: 2000 }, (_, i) => chat(`q ${i} ${randomText(i, 200)}`, "a"))));
    const path = tmp.write("train.jsonl.zst", good.subarray(0, good.length - 1000));
    const error = await failure(prepareRows(input([{ dataset: dataset("train.jsonl.zst"), path }], "out.jsonl")));
    expect(error.code).toBe("INTERN_DATA_UNREADABLE");
    expect(error.message).toBe(`${path}: cannot decompress it as zstd (unexpected EOF)`);
    expect(error.hint).toMatch(/zstd -t/);
    expect(existsSync(join(tmp.dir, "out.jsonl"))).toBe(false);
    expect(existsSync(join(tmp.dir, "out.jsonl.rows.partial"))).toBe(false);
  });

  it("reads Parquet pages compressed with zstd, lz4, gzip or brotli, on the calling thread and on workers", async () => {
    const files = [join(FIXTURES, "data", "zstd.parquet"), join(FIXTURES, "data", "lz4.parquet"), join(ROOT, "test", "data", "fixtures", "gzip.parquet"), join(ROOT, "test", "data", "fixtures", "brotli.parquet")];
    for (const path of files) {
      for (const threads of [0, 1]) {
        const out = `${basename(path)}-${threads}.jsonl`;
        const result = await prepareRows(input([{ dataset: dataset(basename(path)), path }], out, { pool: { threads, workerUrl: WORKER } }));
        const lines = readFileSync(join(tmp.dir, out), "utf8").split("\n").filter((l) => l !== "");
        expect(lines.sort()).toEqual([0, 1, 2].map((i) => JSON.stringify(chat(`question ${i}`, `answer ${i}`))));
        expect(result.scans[0]!.records).toBe(3);
      }
    }
  });

  it("reports a Parquet file it cannot decode, from a worker too", async () => {
    const path = tmp.write("damaged.parquet", damagedZstdParquet());
    for (const threads of [0, 1]) {
      const error = await failure(prepareRows(input([{ dataset: dataset("damaged.parquet"), path }], "out.jsonl", { pool: { threads, workerUrl: WORKER } })));
      expect(error.code).toBe("INTERN_DATA_UNREADABLE");
      expect(error.message).toBe(`data.datasets[0]: cannot read ${path} as Parquet (cannot decompress a ZSTD page: invalid zstd data)`);
      expect(error.hint).toMatch(/damaged/);
    }
    expect(existsSync(join(tmp.dir, "out.jsonl"))).toBe(false);
  });
});

describe("prepareRows on a dataset of several files", () => {
  const shards = ["shard-train-0.parquet", "shard-train-1.parquet"].map((f) => join(FIXTURES, "data", f));

  it("writes the same bytes as the files joined into one, with record indices numbered on across them", async () => {
    // The quickstart's lines cut in three files (one of them gzip): the same rows, the same indices.
    const train = readFileSync(join(QUICKSTART, "train.jsonl"), "utf8").split("\n").filter((l) => l !== "");
    const parts = [train.slice(0, 70), train.slice(70, 150), train.slice(150)].map((p) => p.join("\n") + "\n");
    const paths = [tmp.write("part-0.jsonl", parts[0]!), tmp.write("part-1.jsonl.gz", gzipSync(parts[1]!)), tmp.write("part-2.jsonl", parts[2]!)];
    const benchmark = await quickstartBenchmark();
    const whole = await prepareRows(input([{ dataset: dataset("train.jsonl"), path: join(QUICKSTART, "train.jsonl") }], "whole.jsonl", { benchmark }));
    const split = await prepareRows(input([{ dataset: dataset("parts"), paths }], "split.jsonl", { benchmark }));
    expect(readFileSync(join(tmp.dir, "split.jsonl")).equals(readFileSync(join(tmp.dir, "whole.jsonl")))).toBe(true);
    expect(split.removed).toEqual(whole.removed);
    expect(split.removed.some((r) => r.row >= 150)).toBe(true);
    expect([...split.scans[0]!.fitting]).toEqual([...whole.scans[0]!.fitting]);
    const scan = split.scans[0]!;
    expect(scan.files).toEqual(paths.map((p, i) => ({ sha256: sha(p), bytes: readFileSync(p).length, records: [70, 80, train.length - 150][i] })));
    expect(scan.records).toBe(train.length);
    expect(scan.bytes).toBe(paths.reduce((a, p) => a + readFileSync(p).length, 0));
    expect(scan.sha256).toBe(createHash("sha256").update(paths.map((p) => `${sha(p)}\n`).join("")).digest("hex"));
  });

  it("numbers blank lines and Parquet rows on across files, on workers as on the calling thread", async () => {
    // 4 lines (one blank, one a misfit), then 6 + 5 Parquet rows (rows 2 and 1 misfits), then 2 lines (the first a misfit).
    const a = tmp.write("a.jsonl", `${JSON.stringify(chat("a0", "x"))}\n\n{"text":"a2"}\n${JSON.stringify(chat("a3", "x"))}\n`);
    const c = tmp.write("c.jsonl", `{"text":"c0"}\n${JSON.stringify(chat("c1", "x"))}\n`);
    const paths = [a, ...shards, c];
    const ds = [{ dataset: dataset("several"), paths }];
    const inline = await prepareRows(input(ds, "inline.jsonl", { pool: { threads: 0 } }));
    const workers = await prepareRows(input(ds, "workers.jsonl", { pool: { threads: 1, workerUrl: WORKER } }));
    expect(readFileSync(join(tmp.dir, "workers.jsonl")).equals(readFileSync(join(tmp.dir, "inline.jsonl")))).toBe(true);
    const scan = inline.scans[0]!;
    expect({ ...workers.scans[0], fitting: [...workers.scans[0]!.fitting] }).toEqual({ ...scan, fitting: [...scan.fitting] });
    expect(scan.samples.map((s) => s.row)).toEqual([2, 4 + 2, 4 + 6 + 1, 4 + 11 + 0]);
    expect([...scan.fitting]).toEqual([0, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 16]);
    expect(scan.files.map((f) => f.records)).toEqual([3, 6, 5, 2]);
    expect(scan.records).toBe(16);
  });

  it("counts max_rows over the dataset: the files after the limit are read for their digests only", async () => {
    const result = await prepareRows(input([{ dataset: dataset("shards", { maxRows: 8 }), paths: shards }], "out.jsonl"));
    const scan = result.scans[0]!;
    expect(scan.files.map((f) => f.records)).toEqual([6, 2]);
    expect(scan.files.map((f) => f.sha256)).toEqual(shards.map(sha));
    expect([...scan.fitting]).toEqual([0, 1, 3, 4, 5, 6]);
  });
});

describe("defaultThreads", () => {
  it("runs small inputs and one-core machines on the calling thread, else one worker a core but one, at least two", () => {
    expect(defaultThreads(INLINE_BYTES - 1, 16)).toBe(0);
    expect(defaultThreads(1e9, 1)).toBe(0);
    expect(defaultThreads(1e9, 2)).toBe(2);
    expect(defaultThreads(1e9, 3)).toBe(2);
    expect(defaultThreads(1e9, 8)).toBe(7);
  });

  it("refuses threads asked for when the worker module is missing, rather than running without", () => {
    const missing = pathToFileURL(join(tmp.dir, "row-worker.js"));
    const context = { dedupe: true, index: null, threshold: 1 };
    expect(() => createPool(context, { threads: 1, workerUrl: missing, totalBytes: 1 })).toThrow(/row worker .* is missing; rebuild intern/);
    expect(createPool(context, { workerUrl: missing, totalBytes: 1e9 }).width).toBe(1);
  });

  it("ships the worker beside the bundle chunk that starts it", () => {
    const bundle = join(ROOT, "dist", "bundle");
    const starters = readdirSync(bundle).filter((f) => f.endsWith(".js") && readFileSync(join(bundle, f), "utf8").includes('new URL("./row-worker.js", import.meta.url)'));
    expect(starters.length).toBe(1);
    expect(existsSync(join(bundle, "row-worker.js"))).toBe(true);
  });

  it("takes INTERN_PREPARE_THREADS, and says what is wrong with a bad value", async () => {
    expect(preparationThreads({})).toBeUndefined();
    expect(preparationThreads({ INTERN_PREPARE_THREADS: "0" })).toBe(0);
    expect(preparationThreads({ INTERN_PREPARE_THREADS: "6" })).toBe(6);
    const error = await failure((async () => preparationThreads({ INTERN_PREPARE_THREADS: "many" }))());
    expect(error.code).toBe("INTERN_USAGE");
    expect(error.message).toBe('INTERN_PREPARE_THREADS is "many", not a number of threads');
  });
});
