import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JobProgress } from "../../src/engine/job-progress.js";

const LIVE_LOG_MS = 10_000;
import type { ProgressPoint } from "../../src/progress/point.js";
import { latestProgress, lastPoints } from "../../src/progress/progress-file.js";
import { STEP_POINT_MS } from "../../src/progress/track-progress.js";
import { FIXTURES } from "../helpers/recipe.js";

const QUICKSTART = readFileSync(join(FIXTURES, "progress", "trl-sft-quickstart.log"));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(options: { start?: "end" | "resume"; attempt?: number; refresh?: () => Promise<void> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "intern-job-progress-"));
  dirs.push(dir);
  const log = join(dir, "job.log");
  const clock = { t: Date.parse("2026-01-05T10:00:00Z") };
  const shown: { text: string; point: ProgressPoint }[] = [];
  const make = () =>
    new JobProgress({
      stage: "train", attempt: options.attempt ?? 1, dir, logPath: log, start: options.start ?? "end", now: () => clock.t,
      emit: (text, point) => shown.push({ text, point }), ...(options.refresh ? { refresh: options.refresh, refreshEveryMs: LIVE_LOG_MS } : {}),
    });
  return { dir, log, clock, shown, make };
}

/** The quickstart's log cut into `n` pieces at byte boundaries. */
function pieces(n: number): Buffer[] {
  const size = Math.ceil(QUICKSTART.length / n);
  return Array.from({ length: n }, (_, i) => QUICKSTART.subarray(i * size, (i + 1) * size));
}

describe("following a job's progress", () => {
  it("stores each logging dict and a step point every 10 s, and shows what is known at each tick that read something", () => {
    const t = setup();
    writeFileSync(t.log, "");
    const p = t.make();
    for (const piece of pieces(40)) {
      appendFileSync(t.log, piece);
      t.clock.t += 1_000;
      p.tick();
    }
    p.finish();
    const points = lastPoints(t.dir);
    expect(points.filter((x) => x.kind === "log").map((x) => x.loss)).toEqual([2.25, 0.2379, 0.1181, 0.03379, 0.0062, 0.002471]);
    expect(points.filter((x) => x.kind === "summary")).toHaveLength(1);
    const steps = points.filter((x) => x.kind === "step" && x.bar === undefined);
    for (let i = 1; i < steps.length - 1; i++) expect(Date.parse(steps[i]!.at) - Date.parse(steps[i - 1]!.at)).toBeGreaterThanOrEqual(STEP_POINT_MS);
    expect(steps.at(-1)).toMatchObject({ step: 360, total: 360 });
    // Shown once a tick at most, only while something new came, with the loss of the last dict.
    expect(t.shown.length).toBeGreaterThan(5);
    expect(t.shown.length).toBeLessThanOrEqual(40);
    const training = t.shown.filter((s) => s.text.startsWith("step "));
    expect(training.some((s) => /^step \d+\/360 · loss 2\.25 · lr 4\.9e-3 · [\d.]+ it\/s · ETA \d+s$/.test(s.text))).toBe(true);
    expect(training.every((s) => s.point.offset === undefined && s.point.total === 360)).toBe(true);
    expect(latestProgress(t.dir)).toMatchObject({ step: 360, total: 360, loss: 0.002471, metrics: { train_loss: 0.4414 } });
  });

  it("shows nothing more once finished, and a tick without new bytes shows nothing", () => {
    const t = setup();
    writeFileSync(t.log, "");
    const p = t.make();
    appendFileSync(t.log, "\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]");
    p.tick();
    p.tick();
    expect(t.shown.map((s) => s.text)).toEqual(["step 1/10 · 1.0 it/s · ETA 9s"]);
    p.finish();
    appendFileSync(t.log, "\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]");
    p.tick();
    expect(t.shown).toHaveLength(1);
  });

  it("starts a new attempt at the log's end, and a re-attached one after its last stored point", () => {
    const t = setup({ attempt: 2 });
    writeFileSync(t.log, "{'loss': '9.9', 'epoch': '1'}\n\r 50%|█████     | 5/10 [00:05<00:05,  1.00it/s]\n");
    const first = t.make();
    appendFileSync(t.log, "\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]\r{'loss': '0.7', 'learning_rate': '1e-4', 'epoch': '0.1'}\n\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]");
    first.tick();
    // intern stopped here; the job went on.
    appendFileSync(t.log, "\r{'loss': '0.6', 'learning_rate': '9e-5', 'epoch': '0.2'}\n\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]\n");
    const again = new JobProgress({ stage: "train", attempt: 2, dir: t.dir, logPath: t.log, start: "resume", now: () => t.clock.t, emit: () => {} });
    again.tick();
    again.finish();
    const logs = lastPoints(t.dir).filter((x) => x.kind === "log");
    expect(logs.map((x) => [x.attempt, x.step, x.loss])).toEqual([[2, 1, 0.7], [2, 2, 0.6]]);
  });

  it("asks a backend that keeps the log elsewhere for it at most as often as it is told, one request at a time", async () => {
    let calls = 0;
    let release = () => {};
    const t = setup({
      refresh: () => {
        calls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const p = t.make();
    p.tick();
    t.clock.t += LIVE_LOG_MS;
    p.tick();
    expect(calls).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 0));
    p.tick();
    expect(calls).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 0));
    t.clock.t += 1_000;
    p.tick();
    expect(calls).toBe(2);
    p.finish();
    t.clock.t += LIVE_LOG_MS;
    p.tick();
    expect(calls).toBe(2);
  });
});
