import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunState } from "../../src/run/run-state.js";
import { buildLock } from "../../src/lock/build-lock.js";
import type { PrepareManifest } from "../../src/data/manifest.js";
import { lockedHubData, type PinnedHubData } from "../../src/stages/hub-data.js";
import { prepareRunner } from "../../src/stages/prepare-runner.js";
import type { Emulator } from "../emulators/http.js";
import { startHubEmulator } from "../emulators/hub/server.js";
import { loadScenario } from "../emulators/scenario.js";
import { failure } from "../helpers/errors.js";
import { compileText, FIXTURES, recipeYaml, tempDir, type Checked } from "../helpers/recipe.js";
import { lockSchemaErrors } from "../lock/lock-schema.js";
import { agenticContext } from "./agentic-support.js";

const COMMIT = "5368617264656420646174617365742076312121";
const CONFIGURED = "436f6e6669677572656420646174617365742121";
const RESTRICTED = "5265737472696374656420646174617365742121";
const shard = (name: string) => readFileSync(join(FIXTURES, "data", name));
const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const chat = (user: string, assistant: string) => ({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });

/** A Hub scenario in `dir`: a sharded dataset, one whose card declares configs, one under a license the recipe refuses. */
function writeScenario(dir: string): void {
  const repo = (id: string, refs: Record<string, string>, sha1: string, files: Record<string, string | Buffer>) => {
    const root = join(dir, "datasets", ...id.split("/"));
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "repo.yaml"), stringify({ refs }));
    for (const [path, content] of Object.entries(files)) {
      const file = join(root, "commits", sha1, path);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, content);
    }
  };
  repo("acme/sharded", { main: COMMIT, v1: COMMIT }, COMMIT, {
    "README.md": "---\nlicense: mit\n---\n# Sharded\n",
    "data/train-00000-of-00002.parquet": shard("shard-train-0.parquet"),
    "data/train-00001-of-00002.parquet": shard("shard-train-1.parquet"),
    "data/test-00000-of-00001.parquet": shard("shard-test-0.parquet"),
  });
  const card = [
    "---",
    "license: apache-2.0",
    "configs:",
    "- config_name: default",
    "  data_files:",
    "  - split: train",
    "    path: chosen/*.jsonl",
    "- config_name: other",
    "  data_files:",
    "  - split: train",
    "    path: alt/train.jsonl",
    "---",
    "# Configured",
  ].join("\n");
  repo("acme/configured", { main: CONFIGURED }, CONFIGURED, {
    "README.md": card,
    "chosen/b.jsonl": jsonl([chat("chosen b", "x")]),
    "chosen/a.jsonl": jsonl([chat("chosen a", "x")]),
    "alt/train.jsonl": jsonl([chat("alt", "x")]),
    "data/train.jsonl": jsonl([chat("by name only", "x")]),
  });
  repo("acme/restricted", { main: RESTRICTED }, RESTRICTED, {
    "README.md": "---\nlicense: cc-by-nc-4.0\n---\n",
    "train.jsonl": jsonl([chat("q", "a")]),
  });
}

let scenarioDir: ReturnType<typeof tempDir>;
let hub: Emulator;
beforeAll(async () => {
  scenarioDir = tempDir();
  writeScenario(scenarioDir.dir);
  hub = await startHubEmulator(loadScenario(scenarioDir.dir));
});
afterAll(async () => {
  await hub.close();
  scenarioDir.cleanup();
});

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function hubRecipe(dataset: Record<string, unknown>): Checked {
  return compileText(
    recipeYaml({
      data: { datasets: [{ license: undefined, ...dataset }] },
      sources: { datasets: { allow: ["acme/**"] }, licenses: ["mit", "apache-2.0"] },
    }),
  );
}

async function runPrepare(checked: Checked, name = "run", options: { env?: Record<string, string>; lockedDatasets?: ReturnType<typeof buildLock>["datasets"] } = {}) {
  const { ctx } = agenticContext(checked, "prepare", { runDir: join(tmp.dir, name), projectDir: tmp.dir, env: options.env ?? { HF_ENDPOINT: hub.url } });
  if (options.lockedDatasets) ctx.lockedDatasets = options.lockedDatasets;
  const progress: string[] = [];
  ctx.progress = (text) => progress.push(text);
  const out = await prepareRunner.run(ctx);
  const rows = readFileSync(join(ctx.dir, "data", "train.jsonl"), "utf8").split("\n").filter((l) => l !== "");
  return { out, ctx, manifest: out.manifest as PrepareManifest, hub: out.hub as PinnedHubData[], rows, progress };
}

const fetched = (from: number) => hub.requests.slice(from).filter((r) => /\/resolve\/|\/cdn\//.test(r.url) && !r.url.endsWith("README.md"));

describe("prepare with a pinned Hub dataset", () => {
  it("reads the train shards in order, rows numbered on across them, never the test shard; a second run downloads nothing", async () => {
    const checked = hubRecipe({ id: "acme/sharded", revision: "v1", split: "train" });
    const before = hub.requests.length;
    const { manifest, hub: pinned, rows, ctx, progress } = await runPrepare(checked);
    const train = ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"];
    const digests = ["shard-train-0.parquet", "shard-train-1.parquet"].map((f) => sha(shard(f)));
    expect(pinned).toEqual([
      {
        index: 0, id: "acme/sharded", revision: "v1", sha: COMMIT, config: null, split: "train", license: "mit", chosenBy: "file names",
        files: train.map((file, i) => ({ file, sha256: digests[i], bytes: shard(`shard-train-${i}.parquet`).length, cachePath: join(tmp.dir, ".intern", "cache", "hub", "blobs", "sha256", digests[i]!) })),
        fromCache: [],
      },
    ]);
    expect(fetched(before).map((r) => r.url).filter((u) => u.includes("/resolve/"))).toEqual(train.map((f) => `/datasets/acme/sharded/resolve/${COMMIT}/${f}`));
    const d = manifest.datasets[0]!;
    expect(d).toMatchObject({ source: "hub", path: `hf://datasets/acme/sharded@${COMMIT}?split=train`, bytes: shard("shard-train-0.parquet").length + shard("shard-train-1.parquet").length });
    expect(d.files).toEqual(train.map((file, i) => ({ path: `hf://datasets/acme/sharded@${COMMIT}/${file}`, sha256: digests[i], bytes: shard(`shard-train-${i}.parquet`).length, records: [6, 5][i] })));
    expect(d.sha256).toBe(createHash("sha256").update(digests.map((s) => `${s}\n`).join("")).digest("hex"));
    expect(d.rows).toMatchObject({ read: 11, mapped: 9, notFitting: 2 });
    // Row 2 of the first shard, row 1 of the second: dataset rows 2 and 6 + 1.
    expect(d.notFitting.samples.map((s) => s.row)).toEqual([2, 7]);
    expect(rows.filter((r) => r.includes("train-0 question")).length).toBe(5);
    expect(rows.filter((r) => r.includes("train-1 question")).length).toBe(4);
    expect(rows.some((r) => r.includes("test-0"))).toBe(false);
    // No machine path in the manifest.
    expect(readFileSync(join(ctx.dir, "manifest.json"), "utf8")).not.toContain(tmp.dir);

    // The download shows on screen before the reading, ending at the shards' total.
    const total = ((shard("shard-train-0.parquet").length + shard("shard-train-1.parquet").length) / 1e6).toFixed(1);
    const downloading = progress.filter((p) => p.startsWith("downloading acme/sharded: "));
    expect(downloading.at(-1)).toMatch(new RegExp(`^downloading acme/sharded: ${total}/${total} MB · [\\d.,]+ MB/s · ETA 0s \\(data/train-00001-of-00002\\.parquet\\)$`));
    expect(progress.indexOf(downloading.at(-1)!)).toBeLessThan(progress.findIndex((p) => p.startsWith("reading ")));

    const again = hub.requests.length;
    const second = await runPrepare(checked, "again");
    expect(second.hub[0]!.fromCache).toEqual(train);
    expect(second.progress.some((p) => p.startsWith("downloading"))).toBe(false);
    expect(fetched(again)).toEqual([]);
    expect(readFileSync(join(second.ctx.dir, "data", "train.jsonl")).equals(readFileSync(join(ctx.dir, "data", "train.jsonl")))).toBe(true);
  });

  it("takes the data_files of the card's default config, or of the config the recipe names", async () => {
    const byDefault = await runPrepare(hubRecipe({ id: "acme/configured", split: "train" }), "default");
    expect(byDefault.hub[0]!.files.map((f) => f.file)).toEqual(["chosen/a.jsonl", "chosen/b.jsonl"]);
    expect(byDefault.hub[0]!.chosenBy).toBe("config default, data_files chosen/*.jsonl");
    expect(byDefault.rows.map((r) => JSON.parse(r).messages[0].content).sort()).toEqual(["chosen a", "chosen b"]);
    const other = await runPrepare(hubRecipe({ id: "acme/configured", config: "other", split: "train" }), "other");
    expect(other.hub[0]).toMatchObject({ config: "other", files: [{ file: "alt/train.jsonl" }] });
    // One file: the manifest names the file itself.
    expect(other.manifest.datasets[0]!.path).toBe(`hf://datasets/acme/configured@${CONFIGURED}/alt/train.jsonl`);
    expect(other.rows.map((r) => JSON.parse(r).messages[0].content)).toEqual(["alt"]);
  });

  it("says which files the dataset has when none is the split's", async () => {
    const error = await failure(runPrepare(hubRecipe({ id: "acme/sharded", split: "validation" })));
    expect(error.code).toBe("INTERN_DATA_NOT_FOUND");
    expect(error.message).toBe(
      `data.datasets[0]: acme/sharded at ${COMMIT} has no data files for split validation: no Parquet or JSON Lines file is named for split validation, and the Hub has no Parquet conversion of that split; its files: README.md, data/test-00000-of-00001.parquet, data/train-00000-of-00002.parquet, data/train-00001-of-00002.parquet`,
    );
    expect(error.hint).toMatch(/data\.datasets\[0\]\.config or \.split/);
  });

  it("refuses a dataset the policy refuses, before downloading anything", async () => {
    const before = hub.requests.length;
    const error = await failure(runPrepare(hubRecipe({ id: "acme/restricted" })));
    expect(error.code).toBe("INTERN_SOURCE_REFUSED");
    expect(error.message).toBe("data.datasets[0]: refused acme/restricted: license cc-by-nc-4.0 is not in sources.licenses (mit, apache-2.0)");
    expect(error.hint).toMatch(/sources section/);
    expect(fetched(before)).toEqual([]);
  });

  it("says clearly when the revision does not exist", async () => {
    const error = await failure(runPrepare(hubRecipe({ id: "acme/sharded", revision: "no-such-tag" })));
    expect(error.message).toMatch(/^data\.datasets\[0\]: reading dataset acme\/sharded at no-such-tag: /);
    expect(error.message).toMatch(/Invalid rev id: no-such-tag/);
    expect(error.hint).toMatch(/data\.datasets\[0\]\.id and \.revision/);
  });
});

describe("the lock of a pinned Hub dataset", () => {
  it("records the commit and each file's sha256, and a locked run reads them again from the cache, offline", async () => {
    const checked = hubRecipe({ id: "acme/sharded", revision: "main", split: "train" });
    const { out } = await runPrepare(checked);
    const recipeBytes = Buffer.from("recipe");
    const state = (outputs: Record<string, unknown>) => ({ id: "r", stages: new Map([["prepare", { id: "prepare", kind: "prepare", status: "done", outputs }]]), spent: { gpuHours: 0, llmTokens: 0, llmUsd: 0, wallSeconds: 0 } }) as unknown as RunState;
    const src = { recipe: checked.validated.recipe, graph: checked.graph, recipeFile: "recipe.yaml", recipeBytes, recipeDir: tmp.dir, templateDigests: {}, internVersion: "0.0.0-test" };
    const lock = buildLock(src, state(out));
    const digests = ["shard-train-0.parquet", "shard-train-1.parquet"].map((f) => `sha256:${sha(shard(f))}`);
    expect(lock.datasets).toEqual(
      ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"].map((file, i) => ({ source: "hub", id: "acme/sharded", revision: "main", sha: COMMIT, file, sha256: digests[i], license: "mit", fraction: 1 })),
    );
    expect(lockSchemaErrors(JSON.parse(JSON.stringify(lock)))).toBe("");
    expect(JSON.stringify(lock)).not.toContain(tmp.dir);
    expect([...lockedHubData(checked.validated.recipe.data.datasets!, lock.datasets)]).toEqual([[0, { sha: COMMIT, files: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"], license: "mit" }]]);

    // Locked: the lock's commit and files, from the cache, with no Hub to ask.
    const offline = { HF_ENDPOINT: "http://127.0.0.1:9" };
    const locked = await runPrepare(checked, "locked", { env: offline, lockedDatasets: lock.datasets });
    expect(locked.hub[0]).toMatchObject({ sha: COMMIT, chosenBy: "the lock", fromCache: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"] });
    expect(buildLock(src, state(locked.out)).datasets).toEqual(lock.datasets);
    // Before anything is downloaded, a pinned Hub dataset is one entry without a commit.
    expect(buildLock(src, state({})).datasets).toEqual([{ source: "hub", id: "acme/sharded", revision: "main", sha: null, file: null, sha256: null, license: null, fraction: 1 }]);
  });
});
