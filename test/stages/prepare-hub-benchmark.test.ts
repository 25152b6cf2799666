import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrepareManifest } from "../../src/stages/prepare.js";
import { prepareRunner } from "../../src/stages/prepare-runner.js";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";
import { failure } from "../helpers/errors.js";
import { compileText, recipeYaml } from "../helpers/recipe.js";
import { agenticContext } from "./agentic-support.js";

let sources: SourceEmulators;
let project: string;
beforeAll(async () => {
  sources = await startSourceEmulators("injection");
});
afterAll(async () => {
  await sources.close();
});
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "intern-hub-bench-"));
});
afterEach(() => {
  rmSync(project, { recursive: true, force: true });
});

const GPQA_MAIN = "718293a4b5c6d7e8f90a1b2c3d4e5f6071829304";

/** Local training rows: one copies the benchmark's only item word for word (as a synthesize stage or a scraped dataset might). */
function writeTraining(): void {
  const rows = [
    { prompt: "What colour is the sky on a clear day?", completion: "Blue." },
    { prompt: "Example question from Idavidrein/gpqa?", completion: "Example answer." },
    { prompt: "Name a noble gas.", completion: "Neon." },
  ];
  writeFileSync(join(project, "train.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

function recipeWith(benchmarkData: Record<string, unknown>, decontaminate: Record<string, unknown> = {}) {
  return compileText(
    recipeYaml({
      benchmark: { data: benchmarkData },
      data: { datasets: [{ path: "train.jsonl", format: "prompt-completion", columns: { prompt: "prompt", completion: "completion" } }], decontaminate: { ngram: 3, ...decontaminate } },
    }),
  );
}

async function prepare(checked: ReturnType<typeof recipeWith>, env: Record<string, string> = {}) {
  const { ctx } = agenticContext(checked, "prepare", { runDir: join(project, ".intern", "runs", "r1"), projectDir: project, env: { ...sources.env, ...env } });
  await prepareRunner.run(ctx);
  return JSON.parse(readFileSync(join(ctx.dir, "manifest.json"), "utf8")) as PrepareManifest;
}

describe("decontamination against a Hub benchmark", () => {
  it("downloads the benchmark's split at its commit and removes the verbatim copy", async () => {
    writeTraining();
    const manifest = await prepare(recipeWith({ dataset: "Idavidrein/gpqa", split: "train" }));
    expect(manifest.decontamination).toMatchObject({
      benchmark: { path: `hf://datasets/Idavidrein/gpqa@${GPQA_MAIN}`, items: 1, files: [{ path: `hf://datasets/Idavidrein/gpqa@${GPQA_MAIN}/data/train.jsonl` }] },
      removed: [expect.objectContaining({ dataset: 0, row: 1, benchmarkItem: 0 })],
    });
    expect(manifest.totals.contaminatedRemoved).toBe(1);
    expect(readFileSync(join(project, ".intern", "runs", "r1", "stages", "prepare", "data", "train.jsonl"), "utf8")).not.toContain("Idavidrein/gpqa");
  });

  it("reads a benchmark whatever its license, since it never trains on it", async () => {
    writeTraining();
    const manifest = await prepare(recipeWith({ dataset: "corp/science-proprietary", split: "train" }));
    expect(manifest.decontamination).toMatchObject({ benchmark: { path: expect.stringMatching(/^hf:\/\/datasets\/corp\/science-proprietary@[0-9a-f]{40}$/) } });
  });

  it("a gated benchmark without HF_TOKEN fails the stage, saying how to go on", async () => {
    writeTraining();
    const err = await failure(prepare(recipeWith({ dataset: "gated-lab/science-restricted", split: "train" })));
    expect(err.code).toBe("INTERN_BENCHMARK_UNREADABLE");
    expect(err.message).toContain("cannot read the benchmark to decontaminate training data against it: benchmark.data: refused gated-lab/science-restricted: it is gated and HF_TOKEN is not set");
    expect(err.hint).toContain("data.decontaminate.enabled: false");
  });

  it("a missing benchmark split fails the stage too", async () => {
    writeTraining();
    const err = await failure(prepare(recipeWith({ dataset: "Idavidrein/gpqa", split: "diamond" })));
    expect(err.code).toBe("INTERN_BENCHMARK_UNREADABLE");
    expect(err.message).toContain("split diamond");
  });

  it("with decontamination turned off, the benchmark is not fetched and the manifest says so", async () => {
    writeTraining();
    const before = sources.hub.requests.length;
    const manifest = await prepare(recipeWith({ dataset: "gated-lab/science-restricted", split: "train" }, { enabled: false }));
    expect(manifest.decontamination).toEqual({ skipped: "data.decontaminate.enabled is false" });
    expect(manifest.totals.contaminatedRemoved).toBe(0);
    expect(sources.hub.requests.length).toBe(before);
  });
});

describe("a benchmark whose files are CSV", () => {
  let conversion: SourceEmulators;
  beforeAll(async () => {
    conversion = await startSourceEmulators("conversion");
  });
  afterAll(async () => {
    await conversion.close();
  });

  it("is read from the Hub's Parquet conversion, pinned at that branch's commit, and its copy removed", async () => {
    const rows = [
      { prompt: "Which particle carries the electromagnetic force between charged particles in the standard model of particle physics?", completion: "The photon." },
      { prompt: "What is the boiling point of water at sea level in degrees Celsius?", completion: "100." },
    ];
    writeFileSync(join(project, "train.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const checked = recipeWith({ dataset: "examcorp/physics-exam", split: "train" }, { ngram: 13 });
    const { ctx } = agenticContext(checked, "prepare", { runDir: join(project, ".intern", "runs", "r1"), projectDir: project, env: conversion.env });
    await prepareRunner.run(ctx);
    const manifest = JSON.parse(readFileSync(join(ctx.dir, "manifest.json"), "utf8")) as PrepareManifest;
    const converted = "9a8b7c6d5e4f30211203f4e5d6c7b8a990817263";
    expect(manifest.decontamination).toMatchObject({
      benchmark: { path: `hf://datasets/examcorp/physics-exam@${converted}`, items: 2, files: [{ path: `hf://datasets/examcorp/physics-exam@${converted}/default/train/0000.parquet` }] },
      removed: [expect.objectContaining({ row: 0, benchmarkItem: 1 })],
    });
    expect(manifest.totals.written).toBe(1);
  });
});
