import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ruleContext } from "../../src/project/load.js";
import { parseRecipe } from "../../src/recipe/parse.js";
import type { Recipe } from "../../src/recipe/types.js";
import { validateRecipe } from "../../src/recipe/validate.js";
import { prepareData, type PrepareManifest } from "../../src/stages/prepare.js";
import { failure } from "../helpers/errors.js";
import { FIXTURES, recipeYaml, ROOT, tempDir } from "../helpers/recipe.js";
import { zstd } from "../helpers/compressed.js";
import { failure } from "../helpers/errors.js";

const QUICKSTART = join(ROOT, "recipes", "quickstart");

/** test/fixtures/recipes/minimal.yaml with `changes`, through parse, validate and normalize. */
function recipe(changes: Record<string, unknown>): Recipe {
  return validateRecipe(parseRecipe("recipe.yaml", Buffer.from(recipeYaml(changes))), ruleContext).recipe;
}

const localBenchmark = { benchmark: { harness: "builtin", task: undefined, data: { path: "benchmark.jsonl" } } };
const quickstart = (data: Record<string, unknown> = {}) => recipe({ ...localBenchmark, data: { datasets: [{ path: "train.jsonl" }], ...data } });

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const chat = (user: string, assistant: string) => ({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

async function prepare(r: Recipe, recipeDir: string, name = "out"): Promise<{ manifest: PrepareManifest; dir: string; rows: string[] }> {
  const dir = join(tmp.dir, name);
  const manifest = await prepareData({ recipe: r, recipeDir, dir });
  return { manifest, dir, rows: lines(join(dir, "data", "train.jsonl")) };
}

describe("prepareData on the quickstart", () => {
  const train = lines(join(QUICKSTART, "train.jsonl"));
  const questions = lines(join(QUICKSTART, "benchmark.jsonl")).map((l) => (JSON.parse(l) as { question: string }).question);

  it("removes exactly the benchmark questions copied into training, matched to their items", async () => {
    // Rows whose user turn is a benchmark question verbatim: the contamination made on purpose.
    const expected = train.flatMap((line, row) => {
      const item = questions.indexOf((JSON.parse(line) as { messages: { content: string }[] }).messages[0]!.content);
      return item === -1 ? [] : [{ row, item }];
    });
    expect(expected.length).toBe(5);
    const { manifest, rows } = await prepare(quickstart(), QUICKSTART);
    if (!("removed" in manifest.decontamination)) throw new Error("decontamination was skipped");
    expect(manifest.decontamination.removed.map((r) => ({ row: r.row, item: r.benchmarkItem }))).toEqual(expected);
    for (const r of manifest.decontamination.removed) {
      expect(r.dataset).toBe(0);
      expect(r.sharedNgrams).toBeGreaterThanOrEqual(1);
      expect(r.ngram.split(" ").length).toBe(13);
      expect(questions[r.benchmarkItem]!.toLowerCase()).toContain(r.ngram.split(" ").slice(-4).join(" "));
    }
    expect(manifest.decontamination.benchmark).toMatchObject({ path: "benchmark.jsonl", items: 48, itemsWithoutNgrams: 0 });
    expect(rows.some((l) => questions.some((q) => l.includes(q)))).toBe(false);
    // No clean row is removed: everything else is written, less the exact duplicates.
    const distinct = new Set(train).size;
    expect(manifest.totals).toEqual({ afterMix: 587, duplicatesRemoved: 587 - distinct, contaminatedRemoved: 5, written: distinct - 5 });
    expect(new Set(rows)).toEqual(new Set(train.filter((_, row) => !expected.some((e) => e.row === row))));
  });

  it("writes the same bytes for the same seed, another order for another seed", async () => {
    const a = await prepare(quickstart({ seed: 3 }), QUICKSTART, "a");
    const b = await prepare(quickstart({ seed: 3 }), QUICKSTART, "b");
    const c = await prepare(quickstart({ seed: 4 }), QUICKSTART, "c");
    const bytes = (dir: string, file: string) => readFileSync(join(dir, file));
    expect(bytes(a.dir, "data/train.jsonl").equals(bytes(b.dir, "data/train.jsonl"))).toBe(true);
    expect(bytes(a.dir, "manifest.json").equals(bytes(b.dir, "manifest.json"))).toBe(true);
    expect(c.rows).not.toEqual(a.rows);
    expect([...c.rows].sort()).toEqual([...a.rows].sort());
    expect(a.rows).not.toEqual(train.filter((l) => a.rows.includes(l)));
  });

  it("returns the manifest it writes, with the digests of input and output", async () => {
    const { manifest, dir } = await prepare(quickstart(), QUICKSTART);
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))).toEqual(manifest);
    const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
    expect(manifest.datasets[0]!.sha256).toBe(sha(join(QUICKSTART, "train.jsonl")));
    expect(manifest.output).toEqual({ path: "data/train.jsonl", rows: manifest.totals.written, bytes: readFileSync(join(dir, "data/train.jsonl")).length, sha256: sha(join(dir, "data/train.jsonl")) });
    expect(manifest.seed).toBe(0);
    expect(manifest.datasets[0]!.rows).toEqual({ read: 587, mapped: 587, notFitting: 0, wanted: 587, taken: 587 });
  });

  it("keeps duplicates when dedupe is off and contaminated rows when decontamination is off", async () => {
    const { manifest } = await prepare(quickstart({ dedupe: false, decontaminate: { enabled: false } }), QUICKSTART);
    expect(manifest.totals).toEqual({ afterMix: 587, duplicatesRemoved: 0, contaminatedRemoved: 0, written: 587 });
    expect(manifest.decontamination).toEqual({ skipped: "data.decontaminate.enabled is false" });
  });

  it("refuses a Hub benchmark it was not given the files of; skips, saying why, a benchmark inside the harness", async () => {
    const hub = recipe({ benchmark: { data: { dataset: "Idavidrein/gpqa", revision: "main" } }, data: { datasets: [{ path: "train.jsonl" }] } });
    const err = await failure(prepare(hub, QUICKSTART, "hub"));
    expect(err.code).toBe("INTERN_BENCHMARK_UNREADABLE");
    expect(err.hint).toContain("data.decontaminate.enabled: false");
    const harness = recipe({ data: { datasets: [{ path: "train.jsonl" }] } });
    const { manifest: m2 } = await prepare(harness, QUICKSTART, "harness");
    expect(m2.decontamination).toEqual({ skipped: expect.stringMatching(/inside lm-eval task gpqa_diamond_zeroshot.*benchmark\.data\.path/) });
    expect(m2.totals.contaminatedRemoved).toBe(0);
  });
});

describe("prepareData: mixing", () => {
  beforeEach(() => {
    tmp.write("a.jsonl", jsonl(Array.from({ length: 100 }, (_, i) => chat(`a question ${i}`, `a answer ${i}`))));
    tmp.write("b.jsonl", jsonl(Array.from({ length: 300 }, (_, i) => chat(`b question ${i}`, `b answer ${i}`))));
  });
  const from = (rows: string[], prefix: string) => rows.filter((l) => l.includes(`"${prefix} question`)).length;

  it("gives each dataset round(fraction x max_rows) rows", async () => {
    const r = recipe({ data: { datasets: [{ path: "a.jsonl", fraction: 0.25 }, { path: "b.jsonl", fraction: 0.75 }], max_rows: 200 } });
    const { manifest, rows } = await prepare(r, tmp.dir);
    expect(from(rows, "a")).toBe(50);
    expect(from(rows, "b")).toBe(150);
    expect(manifest.mix).toEqual({ maxRows: 200, available: 400, target: 200, taken: 200 });
    expect(manifest.datasets.map((d) => [d.rows.wanted, d.rows.taken, d.short])).toEqual([[50, 50, null], [150, 150, null]]);
    // The datasets are interleaved, not one after the other.
    expect(rows.slice(0, 50).some((l) => l.includes('"a question')) && rows.slice(0, 50).some((l) => l.includes('"b question'))).toBe(true);
  });

  it("says when a dataset is shorter than its fraction, and does not fill the gap", async () => {
    const r = recipe({ data: { datasets: [{ path: "a.jsonl" }, { path: "b.jsonl" }] } });
    const { manifest, rows } = await prepare(r, tmp.dir);
    expect([from(rows, "a"), from(rows, "b")]).toEqual([100, 200]);
    expect(manifest.datasets[0]!.short).toBe("its fraction asks for 200 rows but only 100 fit; the mix has 100 fewer");
    expect(manifest.datasets[1]!.short).toBeNull();
  });

  it("takes a dataset's rows as a seeded sample and gives what is left of max_rows to the fractions", async () => {
    const r = (seed: number) => recipe({ data: { datasets: [{ path: "a.jsonl", rows: 30 }, { path: "b.jsonl" }], max_rows: 100, seed } });
    const { manifest, rows } = await prepare(r(0), tmp.dir, "zero");
    expect([from(rows, "a"), from(rows, "b")]).toEqual([30, 70]);
    expect(manifest.datasets.map((d) => [d.fraction, d.requestedRows, d.rows.wanted, d.rows.taken])).toEqual([[null, 30, 30, 30], [1, null, 70, 70]]);
    expect(manifest.mix).toEqual({ maxRows: 100, available: 400, target: 100, taken: 100 });
    const other = await prepare(r(1), tmp.dir, "one");
    const picked = (rs: string[]) => new Set(rs.filter((l) => l.includes('"a question')));
    expect(picked(other.rows)).not.toEqual(picked(rows));
    const short = await prepare(recipe({ data: { datasets: [{ path: "a.jsonl", rows: 150 }, { path: "b.jsonl", rows: 10 }] } }), tmp.dir, "short");
    expect([from(short.rows, "a"), from(short.rows, "b")]).toEqual([100, 10]);
    expect(short.manifest.datasets[0]!.short).toBe("`rows` asks for 150 rows but only 100 fit; the mix has 50 fewer");
  });

  it("applies a dataset's max_rows first: it reads only that many rows", async () => {
    const r = recipe({ data: { datasets: [{ path: "a.jsonl", max_rows: 10, fraction: 0.5 }, { path: "b.jsonl", fraction: 0.5 }] } });
    const { manifest, rows } = await prepare(r, tmp.dir);
    expect(manifest.datasets[0]!.rows).toMatchObject({ read: 10, mapped: 10, taken: 10 });
    expect(rows.filter((l) => l.includes('"a question')).every((l) => /"a question \d"/.test(l))).toBe(true);
    expect(manifest.mix.available).toBe(310);
  });

  it("samples different rows with different seeds", async () => {
    const r = (seed: number) => recipe({ data: { datasets: [{ path: "b.jsonl" }], max_rows: 20, seed } });
    const one = await prepare(r(1), tmp.dir, "one");
    const two = await prepare(r(2), tmp.dir, "two");
    expect(one.rows.length).toBe(20);
    expect(new Set(one.rows)).not.toEqual(new Set(two.rows));
  });
});

describe("prepareData: inputs", () => {
  it("counts and samples rows that do not fit, per reason, and writes the rest", async () => {
    const rows = [
      ...Array.from({ length: 7 }, (_, i) => ({ text: `no messages ${i}` })),
      { messages: [{ role: "user", content: "only a question" }] },
      { messages: "a string" },
      chat("good", "row"),
    ];
    tmp.write("mixed.jsonl", jsonl(rows));
    const { manifest, rows: written } = await prepare(recipe({ data: { datasets: [{ path: "mixed.jsonl" }] } }), tmp.dir);
    const d = manifest.datasets[0]!;
    expect(d.rows).toMatchObject({ read: 10, mapped: 1, notFitting: 9 });
    expect(d.notFitting.byReason).toEqual({ "missing-column": 7, "wrong-type": 1, "no-assistant-turn": 1 });
    expect(d.notFitting.samples.length).toBe(5);
    expect(d.notFitting.samples[0]).toEqual({ row: 0, reason: "missing-column", detail: 'no column "messages"', preview: '{"text":"no messages 0"}' });
    expect(written).toEqual([JSON.stringify(chat("good", "row"))]);
  });

  it("maps prompt-completion rows with a system column, through the recipe's columns", async () => {
    tmp.write("pc.jsonl", jsonl([{ q: "2+2?", a: "4", sys: "Be exact." }]));
    const r = recipe({ data: { datasets: [{ path: "pc.jsonl", format: "prompt-completion", columns: { prompt: "q", completion: "a", system: "sys" } }] } });
    const { rows } = await prepare(r, tmp.dir);
    expect(rows).toEqual(['{"messages":[{"role":"system","content":"Be exact."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}']);
  });

  it("joins instruction and input into the prompt of Alpaca-shaped rows", async () => {
    tmp.write("alpaca.jsonl", jsonl([{ instruction: "Add.", input: "2 and 3", output: "5" }, { instruction: "Say hi.", input: "", output: "Hi" }]));
    const r = recipe({ data: { datasets: [{ path: "alpaca.jsonl", format: "prompt-completion", columns: { prompt: ["instruction", "input"], completion: "output" } }] } });
    const { rows } = await prepare(r, tmp.dir);
    expect(rows.sort()).toEqual([JSON.stringify(chat("Add.\n\n2 and 3", "5")), JSON.stringify(chat("Say hi.", "Hi"))].sort());
  });

  it("writes TRL's text format for text datasets, deduplicated and decontaminated like conversations", async () => {
    const question = (JSON.parse(lines(join(QUICKSTART, "benchmark.jsonl"))[0]!) as { question: string }).question;
    tmp.write("benchmark.jsonl", readFileSync(join(QUICKSTART, "benchmark.jsonl")));
    tmp.write("a.jsonl", jsonl([{ body: "The first document." }, { body: "the  FIRST document." }, { body: `Notes: ${question}` }, { body: 7 }]));
    tmp.write("b.jsonl", jsonl([{ text: "Another document." }]));
    const r = recipe({ ...localBenchmark, data: { datasets: [{ path: "a.jsonl", format: "text", columns: { text: "body" }, fraction: 0.75 }, { path: "b.jsonl", format: "text", fraction: 0.25 }] } });
    const { manifest, rows } = await prepare(r, tmp.dir);
    expect(rows.sort()).toEqual(['{"text":"Another document."}', '{"text":"The first document."}']);
    expect(manifest.totals).toEqual({ afterMix: 4, duplicatesRemoved: 1, contaminatedRemoved: 1, written: 2 });
    expect(manifest.datasets[0]!.notFitting.byReason).toEqual({ "wrong-type": 1 });
    expect(manifest.datasets[0]!.columns).toMatchObject({ text: "body", messages: null });
  });

  it("reads .jsonl.gz and .jsonl.zst, and a .jsonl.zst benchmark, like the plain files", async () => {
    const train = readFileSync(join(QUICKSTART, "train.jsonl"));
    tmp.write("train.jsonl.gz", gzipSync(train));
    tmp.write("train.jsonl.zst", zstd(train));
    tmp.write("benchmark.jsonl", readFileSync(join(QUICKSTART, "benchmark.jsonl")));
    tmp.write("benchmark.jsonl.zst", zstd(readFileSync(join(QUICKSTART, "benchmark.jsonl"))));
    const plain = await prepare(quickstart(), QUICKSTART, "plain");
    for (const [name, data, bench] of [["gz", "train.jsonl.gz", "benchmark.jsonl"], ["zst", "train.jsonl.zst", "benchmark.jsonl.zst"]] as const) {
      const compressed = await prepare(recipe({ benchmark: { ...localBenchmark.benchmark, data: { path: bench } }, data: { datasets: [{ path: data }] } }), tmp.dir, name);
      expect(compressed.rows).toEqual(plain.rows);
      expect(compressed.manifest.totals).toEqual(plain.manifest.totals);
      expect(compressed.manifest.totals.contaminatedRemoved).toBeGreaterThan(0);
    }
  });

  it("reads Parquet", async () => {
    const r = recipe({ data: { datasets: [{ path: "data/conversations.parquet" }] } });
    const { manifest, rows } = await prepare(r, FIXTURES);
    expect(manifest.datasets[0]!.rows).toMatchObject({ read: 10, mapped: 9, notFitting: 1 });
    expect(manifest.datasets[0]!.notFitting.byReason).toEqual({ "missing-column": 1 });
    expect(rows).toContain(JSON.stringify(chat("question 3", "answer 3")));
  });

  it("fails with the recipe key and resolved path of a missing file", async () => {
    const error = await failure(prepareData({ recipe: recipe({ data: { datasets: [{ path: "train.jsonl" }, { path: "missing.jsonl" }] } }), recipeDir: QUICKSTART, dir: tmp.dir }));
    expect(error.code).toBe("INTERN_DATA_NOT_FOUND");
    expect(error.message).toBe(`data.datasets[1].path: no such file ${join(QUICKSTART, "missing.jsonl")}`);
  });

  it("fails on a line that is not JSON, naming file and line", async () => {
    tmp.write("bad.jsonl", jsonl([chat("q", "a")]) + "{oops\n");
    const error = await failure(prepareData({ recipe: recipe({ data: { datasets: [{ path: "bad.jsonl" }] } }), recipeDir: tmp.dir, dir: join(tmp.dir, "out") }));
    expect(error.code).toBe("INTERN_DATA_INVALID_JSON");
    expect(error.message).toMatch(new RegExp(`^${join(tmp.dir, "bad.jsonl")}:2: not valid JSON`));
  });

  it("reads a Hub dataset only once the stage has downloaded it, before reading anything", async () => {
    // The prepare stage downloads the recipe's Hub datasets (test/stages/prepare-hub.test.ts); prepareData alone reads files.
    const error = await failure(prepareData({ recipe: recipe({}), recipeDir: tmp.dir, dir: join(tmp.dir, "out") }));
    expect(error.code).toBe("INTERN_DATA_NOT_PINNED");
    expect(error.message).toBe("data.datasets[0]: the Hub dataset open-r1/OpenThoughts-114k-math was not downloaded before data preparation");
    expect(error.hint).toMatch(/run the prepare stage/);
  });

  it("fails when nothing is left to train on, after writing the manifest that says why", async () => {
    tmp.write("empty.jsonl", jsonl([{ text: "x" }]));
    const dir = join(tmp.dir, "out");
    const error = await failure(prepareData({ recipe: recipe({ data: { datasets: [{ path: "empty.jsonl" }] } }), recipeDir: tmp.dir, dir }));
    expect(error.code).toBe("INTERN_DATA_EMPTY");
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).datasets[0].notFitting.byReason).toEqual({ "missing-column": 1 });
  });
});

describe("prepareData when cancelled", () => {
  it("stops before writing anything once its signal is aborted", async () => {
    const { existsSync: exists, writeFileSync: write } = await import("node:fs");
    const recipeDir = join(tmp.dir, "r");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(recipeDir, { recursive: true });
    write(join(recipeDir, "train.jsonl"), jsonl([chat("a", "b"), chat("c", "d")]));
    write(join(recipeDir, "benchmark.jsonl"), jsonl([{ question: "q", choices: ["x", "y"], answer: 0 }]));
    const controller = new AbortController();
    controller.abort();
    const error = await failure(prepareData({ recipe: quickstart(), recipeDir, dir: join(tmp.dir, "out"), signal: controller.signal }));
    expect(error.code).toBe("INTERN_CANCELLED");
    expect(error.message).toBe("data preparation was cancelled");
    expect(exists(join(tmp.dir, "out", "data", "train.jsonl"))).toBe(false);
  });
});
