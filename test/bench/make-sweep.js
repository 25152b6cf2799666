// Writes a sweep recipe with `trials` matrix trials. The matrix axis is `data.seed`, so every
// trial prepares its own data and gets its own prepare -> train -> evaluate chain; only the
// baseline and the report are shared: 3 * trials + 2 stages.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function sweepRecipe(trials) {
  const seeds = Array.from({ length: trials }, (_, i) => i + 1).join(", ");
  return `apiVersion: intern/v1
kind: Recipe
name: bench-sweep-${trials}
goal: Find a data seed that trains well; a benchmark of planning a large sweep.

base_model:
  id: HuggingFaceTB/SmolLM2-135M-Instruct
  revision: main

benchmark:
  name: local-mc
  harness: builtin
  metric: acc
  target: 0.7
  time_limit: 10m
  data:
    path: ./bench.jsonl

budget:
  gpu_hours: 1000000
  wall_clock: 100000h
  iterations: 1

data:
  datasets:
    - path: ./train.jsonl
      license: cc-by-4.0

training:
  hyperparameters:
    num_train_epochs: 1
    learning_rate: 2.0e-5
  time_limit: 30m

compute:
  backend: local
  gpus: 1

matrix:
  data.seed: [${seeds}]
`;
}

/** Writes the recipe and the (empty) local files it names into `dir`; returns the recipe path. */
export function writeSweep(dir, trials) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "train.jsonl"), "");
  writeFileSync(join(dir, "bench.jsonl"), "");
  const file = join(dir, `sweep-${trials}.yaml`);
  writeFileSync(file, sweepRecipe(trials));
  return file;
}

/**
 * The same shape for Snakemake: per trial prep -> train -> eval with a wildcard, a shared
 * baseline, and a final `all` rule that asks for every evaluation (3 * trials + 2 jobs).
 */
export function snakefile(trials) {
  return `TRIALS = range(1, ${trials} + 1)

rule all:
    input:
        "baseline/results.json",
        expand("evaluate/t{t}/results.json", t=TRIALS)

rule baseline:
    output: "baseline/results.json"
    shell: "echo baseline > {output}"

rule prepare:
    output: "prepare/t{t}/train.jsonl"
    shell: "echo seed {wildcards.t} > {output}"

rule train:
    input: "prepare/t{t}/train.jsonl"
    output: "train/t{t}/model.bin"
    shell: "cp {input} {output}"

rule evaluate:
    input: "train/t{t}/model.bin"
    output: "evaluate/t{t}/results.json"
    shell: "cp {input} {output}"
`;
}
