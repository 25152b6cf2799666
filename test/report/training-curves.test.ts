import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { runTimes } from "../../src/report/stage-times.js";
import { readTrainingCurve } from "../../src/report/training-curves.js";
import { FIXTURES } from "../helpers/recipe.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stageDir(): string {
  const d = mkdtempSync(join(tmpdir(), "intern-curve-"));
  dirs.push(d);
  return d;
}
const lines = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

describe("a training pass's loss curve", () => {
  it("reads progress.jsonl first: loss and eval loss by step, the total, a torn last line skipped", () => {
    const dir = stageDir();
    writeFileSync(join(dir, "progress.jsonl"), `${lines([{ step: 10, total: 40, loss: 2.5, lr: 0.001, t: 1 }, { step: 20, total: 40, loss: 1.5, learning_rate: 0.0009 }, { step: 20, eval_loss: 1.7 }, { step: 30, total: 40 }])}{"step": 40, "lo`);
    mkdirSync(join(dir, "model"));
    writeFileSync(join(dir, "model", "trainer_state.json"), JSON.stringify({ log_history: [{ step: 1, loss: 9 }] }));
    expect(readTrainingCurve("train", dir)).toEqual({ stage: "train", source: "progress.jsonl", xLabel: "step", loss: [{ x: 10, y: 2.5 }, { x: 20, y: 1.5 }], evalLoss: [{ x: 20, y: 1.7 }], total: 40 });
  });

  it("reads intern's own progress points: the last attempt's logging dicts, evaluation loss under metrics", () => {
    const dir = stageDir();
    const at = "2026-12-05T10:00:00.000Z";
    writeFileSync(join(dir, "progress.jsonl"), lines([
      { at, kind: "log", attempt: 1, step: 60, total: 360, epoch: 3.3, loss: 9 },
      { at, kind: "step", attempt: 2, step: 30, total: 360, rate: 18 },
      { at, kind: "log", attempt: 2, step: 60, total: 360, epoch: 3.333, loss: 2.25, lr: 0.0049, gradNorm: 0.52, metrics: { mean_token_accuracy: 0.69 } },
      { at, kind: "eval", attempt: 2, step: 60, epoch: 3.333, metrics: { eval_loss: 2.4 } },
      { at, kind: "log", attempt: 2, step: 120, total: 360, epoch: 6.667, loss: 0.2379 },
      { at, kind: "summary", attempt: 2, step: 360, total: 360, metrics: { train_loss: 0.44 } },
    ]));
    expect(readTrainingCurve("train", dir)).toEqual({ stage: "train", source: "progress.jsonl", xLabel: "step", loss: [{ x: 60, y: 2.25 }, { x: 120, y: 0.2379 }], evalLoss: [{ x: 60, y: 2.4 }], total: 360 });
  });

  it("else TRL's trainer_state.json, in the model folder or its last checkpoint", () => {
    const dir = stageDir();
    for (const [n, loss] of [[10, 3], [20, 2]] as const) {
      mkdirSync(join(dir, "out", `checkpoint-${n}`), { recursive: true });
      writeFileSync(join(dir, "out", `checkpoint-${n}`, "trainer_state.json"), JSON.stringify({ max_steps: 20, log_history: [{ step: 5, epoch: 0.5, loss: 4 }, { step: n, epoch: 1, loss, grad_norm: 0.3 }, { step: n, eval_loss: loss + 0.5 }, { step: n, train_runtime: 9 }] }));
    }
    expect(readTrainingCurve("train", dir, join(dir, "out"))).toEqual({ stage: "train", source: "trainer_state.json", xLabel: "step", loss: [{ x: 5, y: 4 }, { x: 20, y: 2 }], evalLoss: [{ x: 20, y: 2.5 }], total: 20 });
  });

  it("else the lines transformers logged in job.log (the quickstart saves no checkpoint): loss by epoch", () => {
    const curve = readTrainingCurve("train", join(FIXTURES, "report", "quickstart", "run", "stages", "train"), "/nowhere");
    expect(curve?.source).toBe("job.log");
    expect(curve?.xLabel).toBe("epoch");
    expect(curve?.loss).toEqual([{ x: 3.333, y: 2.25 }, { x: 6.667, y: 0.2379 }, { x: 10, y: 0.1181 }, { x: 13.33, y: 0.03379 }, { x: 16.67, y: 0.0062 }, { x: 20, y: 0.002471 }]);
  });

  it("is null when nothing logged a loss, or a file cannot be read", () => {
    const dir = stageDir();
    expect(readTrainingCurve("train", dir)).toBeNull();
    writeFileSync(join(dir, "job.log"), "Training...\n{'train_runtime': '19.74', 'epoch': '20'}\n");
    mkdirSync(join(dir, "model"));
    writeFileSync(join(dir, "model", "trainer_state.json"), "{not json");
    expect(readTrainingCurve("train", dir)).toBeNull();
  });
});

describe("the stages' times", () => {
  it("start, end, where each ran, attempts, the cache, and the run's pauses", () => {
    const stages = ["a", "b", "c"].map((id) => ({ id, key: "k", kind: "train", placement: id === "a" ? "control-plane" : "job", needs: [], gpus: 0 }));
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const events: RunEvent[] = [
      { type: "run_started", at: t(0), run: "r", recipe: "x", recipeDigest: "d", name: "n", backend: "slurm", stages, budget: { gpuHours: null, wallClockSeconds: null, llmTokens: null, llmUsd: null }, intern: "0.1.0", pid: 1 },
      { type: "env_ready", at: t(0), env: "abc", python: "/p", created: true },
      { type: "stage_cached", at: t(1), stage: "a", key: "k", fromRun: "r0", dir: "/d", outputs: {} },
      { type: "stage_started", at: t(2), stage: "b", key: "k", attempt: 1 },
      { type: "job_submitted", at: t(2), stage: "b", ref: "7", job: "Slurm job 7", gpus: 1, timeLimitSeconds: 60, attempt: 1 },
      { type: "run_interrupted", at: t(5), signal: "SIGINT" },
      { type: "run_resumed", at: t(9), pid: 2 },
      { type: "stage_started", at: t(9), stage: "b", key: "k", attempt: 2 },
      { type: "job_submitted", at: t(9), stage: "b", ref: "8", job: "Slurm job 8", gpus: 1, timeLimitSeconds: 60, attempt: 2 },
      { type: "stage_done", at: t(20), stage: "b", key: "k", seconds: 11, gpuHours: 0.01, outputs: {} },
    ];
    const times = runTimes(events)!;
    const ms = (s: number) => Date.parse(t(s));
    expect(times).toEqual({
      start: ms(0), end: ms(20), pauses: [{ from: ms(5), to: ms(9) }], environment: { id: "abc", created: true }, intern: "0.1.0",
      stages: [
        { id: "a", start: ms(1), end: ms(1), where: "intern", attempts: 0, cachedFrom: "r0" },
        { id: "b", start: ms(2), end: ms(20), where: "Slurm job 8", attempts: 2, cachedFrom: null },
        { id: "c", start: null, end: null, where: "job", attempts: 0, cachedFrom: null },
      ],
    });
  });
});
