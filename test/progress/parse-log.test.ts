import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProgress } from "../../src/progress/format-progress.js";
import { LogParser, parseBar, parseLogDict, type Observation } from "../../src/progress/parse-log.js";
import { mergePoints, type ProgressPoint } from "../../src/progress/point.js";
import { ProgressTracker } from "../../src/progress/track-progress.js";
import { FIXTURES } from "../helpers/recipe.js";

/**
 * Real job logs: `trl sft` (TRL 1.13, transformers 5.17) on the quickstart (360 steps, a logging
 * dict every 60), and the same with an evaluation every 10 of 30 steps (its nested bar, `s/it`).
 */
const QUICKSTART = readFileSync(join(FIXTURES, "progress", "trl-sft-quickstart.log"));
const WITH_EVAL = readFileSync(join(FIXTURES, "progress", "trl-sft-eval.log"));

/** Every point a log gives, read in pieces of the given sizes (cycled), on a clock that does not move. */
function pointsOf(log: Buffer, sizes: number[] = [log.length]): ProgressPoint[] {
  const parser = new LogParser();
  const tracker = new ProgressTracker(1, () => Date.parse("2026-01-05T10:00:00Z"));
  const points: ProgressPoint[] = [];
  for (let at = 0, i = 0; at < log.length; i++) {
    const n = sizes[i % sizes.length]!;
    points.push(...tracker.observe(parser.push(log.subarray(at, at + n))));
    at += n;
  }
  points.push(...tracker.flush(true));
  return points;
}

const without = (points: ProgressPoint[]) => points.map(({ at: _at, offset: _offset, ...p }) => p);

describe("reading a real `trl sft` log", () => {
  it("gives each logging dict with the step the bar was redrawn at, and the trainer's closing summary", () => {
    const points = pointsOf(QUICKSTART);
    const logs = points.filter((p) => p.kind === "log");
    expect(logs.map((p) => [p.step, p.total, p.loss])).toEqual([
      [60, 360, 2.25], [120, 360, 0.2379], [180, 360, 0.1181], [240, 360, 0.03379], [300, 360, 0.0062], [360, 360, 0.002471],
    ]);
    expect(logs[0]).toMatchObject({ kind: "log", attempt: 1, epoch: 3.333, lr: 0.004938, gradNorm: 0.5193, metrics: { entropy: 3.332, num_tokens: 96860, mean_token_accuracy: 0.6953 } });
    // Scientific notation, as transformers writes a small learning rate.
    expect(logs.at(-1)!.lr).toBe(1.175e-7);
    const summary = points.filter((p) => p.kind === "summary");
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ step: 360, total: 360, epoch: 20, metrics: { train_runtime: 19.74, train_loss: 0.4414, train_steps_per_second: 18.24 } });
    // Before the trainer's bar shows, the bars of loading and tokenizing say what the job does, by name;
    // once it shows, only its own steps count (not the evaluation's, not the saving's).
    const steps = points.filter((p) => p.kind === "step");
    const first = steps.findIndex((p) => p.bar === undefined);
    // (The clock stands still here: after the first, only a bar's last step is a point.)
    expect(steps.slice(0, first).map((p) => `${p.bar} ${p.step}/${p.total}`)).toEqual([
      "Loading weights 0/24", "Loading weights 24/24", "Tokenizing train dataset 576/576", "Building labels for train dataset 576/576",
      "Truncating train dataset 576/576", "Dropping fully masked examples from train dataset 576/576",
    ]);
    expect(steps.slice(first).every((p) => p.bar === undefined && p.total === 360)).toBe(true);
    expect(steps.at(-1)).toMatchObject({ step: 360, total: 360 });
    expect(steps.at(-1)!.etaSeconds).toBeUndefined();
    // Offsets grow, and each lies inside the log.
    const offsets = points.map((p) => p.offset!);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(QUICKSTART.length);
  });

  it("gives the same points whatever pieces the log arrives in (split lines, bars and characters)", () => {
    const whole = without(pointsOf(QUICKSTART));
    expect(without(pointsOf(QUICKSTART, [1, 7, 64, 3, 200, 13]))).toEqual(whole);
    expect(without(pointsOf(QUICKSTART, [4096]))).toEqual(whole);
    expect(without(pointsOf(WITH_EVAL, [5, 111, 2]))).toEqual(without(pointsOf(WITH_EVAL)));
  });

  it("reads evaluation dicts as eval points, and the evaluation bar nested in the trainer's does not move its step", () => {
    const points = pointsOf(WITH_EVAL);
    const evals = points.filter((p) => p.kind === "eval");
    expect(evals.map((p) => [p.step, p.total, p.metrics?.eval_loss])).toEqual([[10, 30, 2.771], [20, 30, 1.237], [30, 30, 1.03]]);
    expect(evals[0]!.metrics).toMatchObject({ eval_runtime: 0.9676, eval_mean_token_accuracy: 0.7505 });
    expect(evals[0]!.epoch).toBe(0.5556);
    expect(points.filter((p) => p.kind === "log").map((p) => [p.step, p.loss, p.lr])).toEqual([[10, 4.61, 0.004415], [20, expect.any(Number), expect.any(Number)], [30, 1.09, 1.69e-5]]);
    expect(points.filter((p) => p.bar === undefined).every((p) => p.total === undefined || p.total === 30)).toBe(true);
  });

  it("measures a slow bar's s/it as iterations a second", () => {
    const parser = new LogParser();
    const tracker = new ProgressTracker(1, () => 0);
    tracker.observe(parser.push(WITH_EVAL.subarray(0, WITH_EVAL.indexOf(" 10/30 [00:15<00:22,  1.14s/it]") + 33)));
    const now = tracker.current()!;
    expect(now).toMatchObject({ kind: "step", step: 10, total: 30, elapsedSeconds: 15, etaSeconds: 22 });
    expect(now.rate).toBeCloseTo(1 / 1.14, 6);
    expect(formatProgress(now)).toBe("step 10/30 · 1.1 s/it · ETA 22s");
  });
});

describe("a bar's redraw", () => {
  it("is read with or without a description, rate and postfix", () => {
    expect(parseBar(" 45%|████▌     | 9/20 [00:03<00:04,  2.61it/s]")).toEqual({ type: "bar", desc: "", n: 9, total: 20, elapsedSeconds: 3, etaSeconds: 4, rate: 2.61 });
    expect(parseBar("  0%|          | 0/360 [00:00<?, ?it/s]")).toEqual({ type: "bar", desc: "", n: 0, total: 360, elapsedSeconds: 0, etaSeconds: null, rate: null });
    expect(parseBar("Running loglikelihood requests:  31%|███       | 1240/4000 [1:02:03<2:18:04, 31.02it/s, loss=0.5]")).toEqual({
      type: "bar", desc: "Running loglikelihood requests", n: 1240, total: 4000, elapsedSeconds: 3723, etaSeconds: 8284, rate: 31.02,
    });
    expect(parseBar("Tokenizing train dataset: 100%|██████████| 576/576 [00:00<00:00, 4919.46 examples/s]")).toMatchObject({ desc: "Tokenizing train dataset", n: 576, rate: 4919.46 });
    expect(parseBar("Map: 100%|##########| 1.2k/1.2k [00:01<00:00, 1.10kit/s]")).toMatchObject({ desc: "Map", n: 1200, total: 1200, rate: 1100 });
  });

  it("is not read when cut short, without a total, or something else", () => {
    expect(parseBar(" 45%|████▌     | 9/2")).toBeNull();
    expect(parseBar(" 45%|████▌     | 9/20 [00:03<00:04,  2.6")).toBeNull();
    expect(parseBar("Generating train split: 576 examples [00:00, 66506.61 examples/s]")).toBeNull();
    expect(parseBar("step 3: loss 0.5 (45%|done)")).toBeNull();
    expect(parseBar("")).toBeNull();
  });
});

describe("a logging dict", () => {
  it("is read as transformers 5 writes it (strings) and as earlier versions did (floats), in Python's repr or JSON", () => {
    expect(parseLogDict("{'loss': '2.25', 'grad_norm': '0.5193', 'learning_rate': '0.004938', 'num_tokens': '9.686e+04', 'epoch': '3.333'}")?.values).toEqual({
      loss: 2.25, grad_norm: 0.5193, learning_rate: 0.004938, num_tokens: 96860, epoch: 3.333,
    });
    expect(parseLogDict("{'loss': 0.84, 'grad_norm': 1.2, 'learning_rate': 2e-05, 'epoch': 0.5}")?.values).toEqual({ loss: 0.84, grad_norm: 1.2, learning_rate: 2e-5, epoch: 0.5 });
    expect(parseLogDict('{"eval_loss": 0.91, "eval_runtime": 1.5, "epoch": 1.0, "step": 40}')?.values).toEqual({ eval_loss: 0.91, eval_runtime: 1.5, epoch: 1, step: 40 });
  });

  it("keeps the numbers and leaves out what is not one (nan, text, booleans)", () => {
    const d = parseLogDict("{'loss': 'nan', 'grad_norm': 'inf', 'learning_rate': '1e-05', 'note': '[String too long to display, length: 120 > 100. Consider increasing `max_str_len` if needed.]', 'flag': True, 'epoch': '1'}");
    expect(d?.values).toEqual({ learning_rate: 1e-5, epoch: 1 });
  });

  it("is not any dict a job prints: the builtin evaluator's result line is not one", () => {
    expect(parseLogDict('{"metric": "acc", "value": 0.25, "stderr": 0.06, "n": 48}')).toBeNull();
    expect(parseLogDict("{'loss': '0.5'")).toBeNull();
    expect(parseLogDict("loss: 0.5")).toBeNull();
  });
});

describe("a log read as it grows", () => {
  it("reads a dict only once its line is whole, and a bar redrawn last once", () => {
    const parser = new LogParser();
    const seen: Observation[] = [];
    const push = (text: string) => seen.push(...parser.push(Buffer.from(text)));
    push("\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]");
    push("\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]\r    \r{'loss': '0.9', 'learning_rate': '1e-3'");
    expect(seen.map((o) => (o.type === "bar" ? o.n : "dict"))).toEqual([1, 2]);
    push(", 'epoch': '0.2'}\n\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]");
    expect(seen.map((o) => (o.type === "bar" ? o.n : "dict"))).toEqual([1, 2, "dict", 2]);
    expect(seen[2]).toMatchObject({ type: "dict", values: { loss: 0.9, learning_rate: 1e-3, epoch: 0.2 } });
    // The partial bar, now followed by a carriage return, is not reported again.
    push("\r");
    expect(seen).toHaveLength(4);
    expect(parser.offset).toBe(Buffer.byteLength("\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]\r    \r{'loss': '0.9', 'learning_rate': '1e-3', 'epoch': '0.2'}\n\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]\r"));
  });

  it("stores a dict with the trainer's step once the bar is redrawn, and at the end without one", () => {
    const tracker = new ProgressTracker(2, () => 0);
    const parser = new LogParser();
    const points = [
      ...tracker.observe(parser.push(Buffer.from("\r  0%|          | 0/4 [00:00<?, ?it/s]\r 50%|█████     | 2/4 [00:01<00:01,  2.00it/s]\r{'loss': 0.5, 'learning_rate': 2e-05}\n"))),
      ...tracker.flush(),
    ];
    expect(points.map((p) => [p.kind, p.step, p.loss])).toEqual([["step", 0, undefined], ["log", 2, 0.5]]);
    expect(points.every((p) => p.attempt === 2)).toBe(true);
  });

  it("follows an evaluation's bar by its description when no trainer's bar shows", () => {
    const tracker = new ProgressTracker(1, () => 0);
    const parser = new LogParser();
    tracker.observe(parser.push(Buffer.from("\rLoading weights: 100%|██████████| 24/24 [00:00<00:00, 4368.12it/s]\nRunning loglikelihood requests:  30%|███       | 120/400 [00:04<00:09, 31.02it/s]")));
    expect(formatProgress(tracker.current()!)).toBe("Running loglikelihood requests 120/400 · 31.0 it/s · ETA 9s");
  });
});

describe("a progress line", () => {
  it("says step, loss, learning rate, speed and what is left", () => {
    expect(formatProgress({ at: "", kind: "step", attempt: 1, step: 1240, total: 4000, loss: 0.84, lr: 2e-5, rate: 3.1, etaSeconds: 840 })).toBe("step 1,240/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 14m");
    expect(formatProgress({ at: "", kind: "eval", attempt: 1, step: 20, total: 30, loss: 0.002471, metrics: { eval_loss: 1.237 }, lr: 0.005, rate: 240.4 })).toBe("step 20/30 · loss 0.00247 · eval loss 1.24 · lr 5.0e-3 · 240 it/s");
    expect(formatProgress({ at: "", kind: "step", attempt: 1, step: 360, total: 360, rate: 18.24, etaSeconds: 0 })).toBe("step 360/360 · 18.2 it/s");
    expect(formatProgress({ at: "", kind: "summary", attempt: 1, metrics: { train_runtime: 19.7 } })).toBeNull();
  });

  it("merges points: a step point keeps the last loss, and replaces the bar's fields as a whole", () => {
    const merged = mergePoints([
      { at: "a", kind: "step", attempt: 1, step: 10, total: 20, rate: 2, etaSeconds: 5 },
      { at: "b", kind: "log", attempt: 1, step: 10, total: 20, loss: 0.5, lr: 1e-4, metrics: { entropy: 1 } },
      { at: "c", kind: "eval", attempt: 1, step: 10, total: 20, metrics: { eval_loss: 0.7 } },
      { at: "d", kind: "step", attempt: 1, step: 20, total: 20, rate: 3 },
    ]);
    expect(merged).toEqual({ at: "d", kind: "step", attempt: 1, step: 20, total: 20, rate: 3, loss: 0.5, lr: 1e-4, metrics: { entropy: 1, eval_loss: 0.7 } });
    // Another attempt starts afresh.
    expect(mergePoints([{ at: "a", kind: "log", attempt: 1, loss: 0.5 }, { at: "b", kind: "step", attempt: 2, step: 1, total: 9 }])).toEqual({ at: "b", kind: "step", attempt: 2, step: 1, total: 9 });
  });
});
