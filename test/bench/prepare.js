// Data preparation at scale: intern's prepare (map + exact dedupe + 13-gram decontamination,
// end to end, writing train.jsonl and manifest.json) against the straightforward Python way with
// the `datasets` library, on a generated ShareGPT-style conversational JSON Lines file and a
// generated benchmark. See README.md, "prepare.js".
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { isMain, machineNote, median, option, ROOT, table } from "./lib.js";
import { mulberry32 } from "../../scripts/mulberry32.js";

const WORDS = 6000;
const BENCHMARK_ITEMS = 10_000;

function vocabulary(next) {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const words = [];
  for (let i = 0; i < WORDS; i++) {
    let w = "";
    const len = 3 + Math.floor(next() * 7);
    for (let j = 0; j < len; j++) w += letters[Math.floor(next() * 26)];
    words.push(w);
  }
  return words;
}

function sentence(next, words, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(words[Math.floor(next() * words.length)]);
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return out.join(" ") + (next() < 0.5 ? "." : "?");
}

/**
 * `rows` conversations of about 1 KB each (`conversations` with `from`/`value`), of which 1% are
 * exact or case/punctuation duplicates of an earlier row and 0.5% quote a benchmark question,
 * and a benchmark of 10,000 items (question and four choices).
 */
export async function generate(dir, rows) {
  mkdirSync(dir, { recursive: true });
  const next = mulberry32(1234);
  const words = vocabulary(next);
  const bench = [];
  for (let i = 0; i < BENCHMARK_ITEMS; i++) {
    const choices = [0, 1, 2, 3].map(() => sentence(next, words, 4));
    bench.push({ question: sentence(next, words, 30), choices, answer: i % 4 });
  }
  writeFileSync(join(dir, "benchmark.jsonl"), bench.map((b) => JSON.stringify(b)).join("\n") + "\n");
  const out = createWriteStream(join(dir, "train.jsonl"));
  const recent = [];
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    let row;
    const r = next();
    if (r < 0.01 && recent.length > 0) {
      const prev = recent[Math.floor(next() * recent.length)];
      row = { id: i, conversations: prev.map((m) => ({ from: m.from, value: next() < 0.5 ? m.value.toUpperCase() : m.value + "!" })) };
    } else {
      let question = sentence(next, words, 20 + Math.floor(next() * 40));
      if (r > 0.995) question += " " + bench[Math.floor(next() * bench.length)].question;
      const conversations = [
        { from: "human", value: question },
        { from: "gpt", value: [0, 1, 2, 3, 4, 5].map(() => sentence(next, words, 10 + Math.floor(next() * 15))).join(" ") },
      ];
      row = { id: i, conversations };
      if (recent.length < 1000) recent.push(conversations);
      else if (next() < 0.01) recent[Math.floor(next() * recent.length)] = conversations;
    }
    chunk += JSON.stringify(row) + "\n";
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
      chunk = "";
    }
  }
  out.write(chunk);
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

/** The same rows as Parquet (snappy, row groups of 10,000 rows), written with pyarrow. */
function toParquet(python, dir) {
  const script = [
    "import sys, pyarrow.json as pj, pyarrow.parquet as pq",
    "t = pj.read_json(sys.argv[1], read_options=pj.ReadOptions(block_size=64 << 20))",
    "pq.write_table(t, sys.argv[2], row_group_size=10000, compression='snappy')",
  ].join("\n");
  run(python, ["-c", script, join(dir, "train.jsonl"), join(dir, "train.parquet")]);
}

/** File endings of the compressed copies `--compression` asks for. */
const COMPRESSED = { zstd: "jsonl.zst", gzip: "jsonl.gz" };

/** The same JSON Lines compressed: zstd by the zstd command at its default level (3), gzip by Node's zlib at its default level (6). */
async function compress(dir, compression) {
  const plain = join(dir, "train.jsonl");
  const out = join(dir, `train.${COMPRESSED[compression]}`);
  if (compression === "zstd") run("zstd", ["-q", "-f", plain, "-o", out]);
  else await pipeline(createReadStream(plain), createGzip(), createWriteStream(out));
}

/** The straightforward Python way: load_dataset("json"), .map to messages, .filter twice, to_json. */
const PYTHON_BASELINE = String.raw`
import hashlib, json, re, sys, unicodedata
from datasets import load_dataset, disable_progress_bars
disable_progress_bars()
data, bench_path, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
PUNCT = re.compile(r"[^\w\s]+")
def norm(t):
    return PUNCT.sub(" ", unicodedata.normalize("NFKC", t).lower()).split()
grams = set()
with open(bench_path) as f:
    for line in f:
        item = json.loads(line)
        w = norm("\n".join([item["question"]] + [str(c) for c in item.get("choices") or []]))
        grams.update(tuple(w[i:i + n]) for i in range(len(w) - n + 1))
roles = {"human": "user", "gpt": "assistant", "system": "system"}
ds = load_dataset("json", data_files=data, split="train")
ds = ds.map(lambda r: {"messages": [{"role": roles[m["from"]], "content": m["value"]} for m in r["conversations"]]}, remove_columns=ds.column_names)
seen = set()
def first(r):
    key = hashlib.sha256("\x01".join(m["role"] + "\x00" + " ".join(norm(m["content"])) for m in r["messages"]).encode()).digest()
    if key in seen:
        return False
    seen.add(key)
    return True
ds = ds.filter(first)
def clean(r):
    w = [x for m in r["messages"] for x in norm(m["content"])]
    return not any(tuple(w[i:i + n]) in grams for i in range(len(w) - n + 1))
ds = ds.filter(clean)
ds.to_json(out)
print(json.dumps({"rows": len(ds)}))
`;

/** Runs intern's prepareData from the built dist/ on one file, and prints the manifest's totals. */
const NODE_DRIVER = String.raw`
const [dist, recipeDir, file, out] = process.argv.slice(1);
const { prepareData, preparationThreads } = await import(dist + "/stages/prepare.js");
// INTERN_PREPARE_THREADS as intern apply reads it: unset, intern chooses.
const threads = preparationThreads?.(process.env);
const columns = { messages: "conversations", prompt: null, completion: null, system: null };
const recipe = {
  data: {
    datasets: [{ source: { kind: "local", path: file }, split: "train", license: null, format: "conversational", columns, fraction: 1, maxRows: null }],
    seed: 0, maxRows: null, dedupe: true, decontaminate: { enabled: true, ngram: 13, threshold: 1 },
  },
  benchmark: { data: { kind: "local", path: "benchmark.jsonl" }, task: null, harness: "builtin" },
};
const m = await prepareData({ recipe, recipeDir, dir: out, ...(threads === undefined ? {} : { threads }) });
console.log(JSON.stringify(m.totals));
`;

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${(r.stderr ?? "").slice(-3000)}`);
  return r;
}

/** Wall seconds, CPU seconds (user + system) and peak resident memory (MB) of a command, from GNU time. */
function measure(cmd, args, env) {
  const r = run("/usr/bin/time", ["-f", "TIME %e %M %U %S", cmd, ...args], env);
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing from ${cmd}: ${r.stderr.slice(-500)}`);
  return { seconds: Number(m[1]), mb: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]), stdout: r.stdout.trim().split("\n").pop() };
}

function findPython() {
  const given = option("python", null);
  if (given) return given;
  const envs = join(ROOT, "test", ".envs");
  for (const name of existsSync(envs) ? readdirSync(envs) : []) {
    const python = join(envs, name, "bin", "python");
    if (existsSync(python) && spawnSync(python, ["-c", "import datasets"]).status === 0) return python;
  }
  throw new Error("no Python with `datasets` under test/.envs/: run the e2e tests once, or pass --python PATH");
}

export async function main() {
  const sizes = String(option("rows", "100000")).split(",").map(Number);
  const runs = Number(option("runs", "3"));
  const dist = resolve(option("dist", join(ROOT, "dist")));
  const baseline = option("baseline", null);
  const baselineDist = baseline === null ? null : resolve(baseline);
  const work = option("work", join(tmpdir(), "intern-bench-prepare"));
  const skipPython = process.argv.includes("--no-python");
  // At 10M rows (10 GB) converting to Parquet takes long and is not what is measured.
  const skipParquet = process.argv.includes("--no-parquet");
  const compressions = String(option("compression", "")).split(",").filter((c) => c !== "");
  for (const c of compressions) {
    if (!(c in COMPRESSED)) {
      console.error(`--compression takes zstd, gzip or both (zstd,gzip), not ${c}`);
      process.exit(2);
    }
  }
  const compressedKinds = compressions.map((c) => COMPRESSED[c]);
  if (!existsSync(join(dist, "stages", "prepare.js"))) {
    console.error(`${dist}/stages/prepare.js is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  if (baselineDist !== null && !existsSync(join(baselineDist, "stages", "prepare.js"))) {
    console.error(`${baselineDist}/stages/prepare.js is missing: --baseline takes the dist/ folder of another built checkout`);
    process.exit(2);
  }
  // Python runs the baseline and converts the bench data to Parquet: not needed without either.
  const python = skipPython && skipParquet ? null : findPython();
  console.log(machineNote());
  const results = [];
  for (const rows of sizes) {
    const dir = join(work, String(rows));
    if (!existsSync(join(dir, "train.jsonl"))) {
      console.log(`generating ${rows} rows in ${dir} ...`);
      await generate(dir, rows);
    }
    if (!skipParquet && !existsSync(join(dir, "train.parquet"))) toParquet(python, dir);
    for (const c of compressions) if (!existsSync(join(dir, `train.${COMPRESSED[c]}`))) await compress(dir, c);
    const mb = statSync(join(dir, "train.jsonl")).size / 1e6;
    const samples = { jsonl: [], parquet: [], python: [], baseline: [], ...Object.fromEntries(compressedKinds.map((k) => [k, []])) };
    for (let i = 0; i < runs; i++) {
      for (const kind of ["jsonl", ...(baselineDist === null ? [] : ["baseline"]), ...(skipParquet ? [] : ["parquet"]), ...compressedKinds, ...(skipPython ? [] : ["python"])]) {
        const out = join(dir, `out-${kind}`);
        rmSync(out, { recursive: true, force: true });
        mkdirSync(out, { recursive: true });
        let result;
        if (kind === "python") {
          const env = { ...process.env, HF_DATASETS_CACHE: join(out, "cache"), HF_HUB_OFFLINE: "1" };
          result = measure(python, ["-c", PYTHON_BASELINE, join(dir, "train.jsonl"), join(dir, "benchmark.jsonl"), join(out, "train.jsonl"), "13"], env);
        } else if (kind === "baseline") {
          result = measure(process.execPath, ["--input-type=module", "-e", NODE_DRIVER, baselineDist, dir, "train.jsonl", out]);
        } else {
          result = measure(process.execPath, ["--input-type=module", "-e", NODE_DRIVER, dist, dir, `train.${kind}`, out]);
        }
        samples[kind].push(result);
        console.log(`  ${rows} rows, ${kind}, run ${i + 1}: ${result.seconds.toFixed(1)} s, ${result.cpu.toFixed(1)} s CPU, ${result.mb.toFixed(0)} MB peak, ${result.stdout}`);
        rmSync(out, { recursive: true, force: true });
      }
    }
    const sizes = Object.fromEntries(compressedKinds.map((k) => [k, statSync(join(dir, `train.${k}`)).size / 1e6]));
    const med = (kind, key) => (samples[kind].length ? median(samples[kind].map((s) => s[key])) : NaN);
    results.push({ rows, mb, med, sizes });
  }
  console.log();
  console.log(
    table(
      ["rows", "JSONL MB", "intern JSONL s", "intern Parquet s", "Python s", "JSONL MB/s", "speed-up vs Python", "Parquet/JSONL", "intern peak MB", "Parquet peak MB", "Python peak MB"],
      results.map(({ rows, mb, med }) => [
        rows,
        mb.toFixed(0),
        med("jsonl", "seconds").toFixed(1),
        med("parquet", "seconds").toFixed(1),
        med("python", "seconds").toFixed(1),
        (mb / med("jsonl", "seconds")).toFixed(0),
        (med("python", "seconds") / med("jsonl", "seconds")).toFixed(2) + "x",
        (med("parquet", "seconds") / med("jsonl", "seconds")).toFixed(2) + "x",
        med("jsonl", "mb").toFixed(0),
        med("parquet", "mb").toFixed(0),
        med("python", "mb").toFixed(0),
      ]),
    ),
  );
  if (baselineDist !== null) {
    console.log();
    console.log(`baseline: ${baselineDist}, the same JSON Lines file in the same rounds`);
    console.log(
      table(
        ["rows", "intern s", "baseline s", "intern / baseline", "intern CPU s", "baseline CPU s", "CPU ratio", "intern peak MB", "baseline peak MB"],
        results.map(({ rows, med }) => [
          rows,
          med("jsonl", "seconds").toFixed(1),
          med("baseline", "seconds").toFixed(1),
          (med("jsonl", "seconds") / med("baseline", "seconds")).toFixed(2) + "x",
          med("jsonl", "cpu").toFixed(1),
          med("baseline", "cpu").toFixed(1),
          (med("jsonl", "cpu") / med("baseline", "cpu")).toFixed(2) + "x",
          med("jsonl", "mb").toFixed(0),
          med("baseline", "mb").toFixed(0),
        ]),
      ),
    );
  }
  if (compressedKinds.length > 0) {
    console.log();
    console.log(
      table(
        ["rows", "file", "file MB", "intern s", "vs .jsonl", "intern peak MB"],
        results.flatMap(({ rows, mb, med, sizes }) =>
          ["jsonl", ...compressedKinds].map((kind) => [
            rows,
            `.${kind}`,
            (kind === "jsonl" ? mb : sizes[kind]).toFixed(0),
            med(kind, "seconds").toFixed(1),
            (med(kind, "seconds") / med("jsonl", "seconds")).toFixed(2) + "x",
            med(kind, "mb").toFixed(0),
          ]),
        ),
      ),
    );
  }
  const misses = [];
  for (const { rows, med } of results) {
    if (!skipPython && med("python", "seconds") / med("jsonl", "seconds") < 3) misses.push(`${rows} rows: under 3x the Python baseline's throughput`);
    const peak = Math.max(...["jsonl", ...(skipParquet ? [] : ["parquet"]), ...compressedKinds].map((kind) => med(kind, "mb")));
    if (peak > 400) misses.push(`${rows} rows: peak memory over 400 MB (${peak.toFixed(0)} MB)`);
    if (!skipParquet && med("parquet", "seconds") / med("jsonl", "seconds") > 1.5) misses.push(`${rows} rows: Parquet over 1.5x JSONL's time`);
  }
  for (const miss of misses) console.log(`MISSED: ${miss}`);
  return misses;
}

if (isMain(import.meta.url)) {
  const misses = await main();
  process.exitCode = misses.length > 0 ? 1 : 0;
}
