import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/project/load.js";
import { applyRecipe } from "../../src/engine/apply.js";
import type { RunEvent } from "../../src/run/events.js";
import { runDir } from "../../src/run/run-store.js";
import { LocalExecutor } from "../../src/executors/local/local-executor.js";
import { ROOT } from "../helpers/recipe.js";
import { apply, cleanupEngineTests, makeProject, provision, runs } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

/** Enough rows that reading them takes about a second: progress more than once. */
const EXTRA_ROWS = 100_000;

const READING = /^reading [\d,]+ rows · [\d.,]+\/[\d.,]+ MB · [\d.,]+ MB\/s · ETA (--|\w+)$/;

describe("a stage's progress", () => {
  it("reaches apply's onProgress while data preparation runs, and never the event log", async () => {
    const project = makeProject({ extraRows: EXTRA_ROWS });
    const progress: { stage: string; text: string; afterEvent: string }[] = [];
    let lastEvent = "";
    const result = await applyRecipe({
      projectDir: project.dir, recipeFile: "recipe.yaml", loaded: loadRecipe(project.dir, "recipe.yaml"), executor: new LocalExecutor(),
      forceNew: false, failFast: false, jobs: 1, pollIntervalMs: 50,
      env: project.env, signal: new AbortController().signal, pythonDir: join(ROOT, "python"), internVersion: "test",
      onEvent: (e: RunEvent) => (lastEvent = `${e.type}${"stage" in e && e.stage ? ` ${e.stage}` : ""}`),
      onProgress: (stage, text) => progress.push({ stage, text, afterEvent: lastEvent }),
    });
    expect(result.status).toBe("succeeded");
    expect(progress.length).toBeGreaterThan(1);
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(["prepare"]));
    // Only while the stage runs: after its stage_started, before its stage_done.
    expect(progress.every((p) => p.afterEvent !== "stage_done prepare")).toBe(true);
    const reads = progress.filter((p) => p.text.startsWith("reading "));
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) expect(r.text).toMatch(READING);
    const dir = runDir(project.dir, result.runId);
    const manifest = JSON.parse(readFileSync(join(dir, "stages", "prepare", "manifest.json"), "utf8")) as { mix: { taken: number } };
    const taken = manifest.mix.taken.toLocaleString("en-US");
    expect(progress.at(-1)!.text).toBe(`writing the mix ${taken}/${taken} rows`);
    const log = readFileSync(join(dir, "events.jsonl"), "utf8");
    for (const p of progress) expect(log).not.toContain(p.text);
    expect(log).not.toMatch(/MB\/s|writing the mix|"progress"/);
  }, 120_000);

  it("is a line of `intern apply`'s output, and not in events.jsonl", async () => {
    const project = makeProject({ extraRows: EXTRA_ROWS });
    const r = await apply(project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    // The stage's first progress at once (the next ones at most every 10 s: the reporter's tests say that).
    const shown = lines.filter((l) => /^\d\d:\d\d:\d\d prepare: (reading|writing the mix) /.test(l)).map((l) => l.slice("00:00:00 prepare: ".length));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]).toMatch(READING);
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(at("prepare: reading")).toBeGreaterThan(at("prepare: started"));
    expect(at("prepare: reading")).toBeLessThan(at("prepare: done"));
    const log = readFileSync(join(runDir(project.dir, runs(project).at(-1)!), "events.jsonl"), "utf8");
    for (const text of shown) expect(log).not.toContain(text);
    expect(log).not.toMatch(/MB\/s|writing the mix/);
  }, 120_000);
});
