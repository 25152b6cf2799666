import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { jsonReporter, plainReporter } from "../../src/cli/reporters/plain.js";
import type { ProgressPoint } from "../../src/progress/point.js";

/** A clock the test moves, from 03:04:05 UTC. */
function clock() {
  const c = { t: Date.parse("2025-01-02T03:04:05.000Z"), now: () => c.t, iso: () => new Date(c.t).toISOString() };
  return c;
}

function sink() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

describe("the plain reporter", () => {
  it("prints a stage's progress at most once every 10 s, and every event in between", () => {
    const c = clock();
    const out = sink();
    const r = plainReporter(out, { now: c.now });
    r.progress("prepare", "reading 1,000 rows");
    c.t += 3_000;
    r.progress("prepare", "reading 2,000 rows");
    r.event({ type: "message", at: c.iso(), stage: "prepare", text: "something worth a line" } satisfies RunEvent);
    r.progress("prepare", "reading 2,500 rows");
    c.t += 11_000;
    r.progress("prepare", "writing the mix 10/20 rows");
    expect(out.lines).toEqual(["03:04:05 prepare: reading 1,000 rows\n", "03:04:08 prepare: something worth a line\n", "03:04:19 prepare: writing the mix 10/20 rows\n"]);
  });

  it("throttles each stage on its own", () => {
    const c = clock();
    const out = sink();
    const r = plainReporter(out, { now: c.now });
    r.progress("prepare-a", "reading 1 rows");
    c.t += 1_000;
    r.progress("prepare-b", "reading 2 rows");
    r.progress("prepare-a", "reading 3 rows");
    expect(out.lines).toEqual(["03:04:05 prepare-a: reading 1 rows\n", "03:04:06 prepare-b: reading 2 rows\n"]);
  });
});

describe("a training job's progress", () => {
  const point: ProgressPoint = { at: "2025-01-02T03:04:05.000Z", kind: "step", attempt: 1, step: 1240, total: 4000, loss: 0.84, lr: 2e-5, rate: 3.1, etaSeconds: 840 };
  const text = "step 1,240/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 14m";

  it("is a timestamped line under the stage's name in plain output, at most every 10 s", () => {
    const c = clock();
    const out = sink();
    const r = plainReporter(out, { now: c.now });
    r.progress("train", text, point);
    c.t += 5_000;
    r.progress("train", "step 1,255/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 13m", { ...point, step: 1255 });
    c.t += 6_000;
    r.progress("train", "step 1,274/4,000 · loss 0.83 · lr 2.0e-5 · 3.1 it/s · ETA 13m", { ...point, step: 1274, loss: 0.83 });
    expect(out.lines).toEqual([`03:04:05 train: ${text}\n`, "03:04:16 train: step 1,274/4,000 · loss 0.83 · lr 2.0e-5 · 3.1 it/s · ETA 13m\n"]);
  });

  it("carries its point in --output json", () => {
    const c = clock();
    const out = sink();
    jsonReporter(out, { now: c.now }).progress("train", text, point);
    expect(out.lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ type: "progress", at: "2025-01-02T03:04:05.000Z", stage: "train", text, point }]);
  });
});

describe("the JSON reporter", () => {
  it("prints progress as its own kind of line, at most once a second per stage, between the events", () => {
    const c = clock();
    const out = sink();
    const r = jsonReporter(out, { now: c.now });
    const started: RunEvent = { type: "stage_started", at: c.iso(), stage: "prepare", key: "k", attempt: 1 };
    r.event(started);
    r.progress("prepare", "reading 1,000 rows");
    c.t += 500;
    r.progress("prepare", "reading 1,500 rows");
    c.t += 600;
    r.progress("prepare", "reading 2,000 rows");
    expect(out.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      started,
      { type: "progress", at: "2025-01-02T03:04:05.000Z", stage: "prepare", text: "reading 1,000 rows" },
      { type: "progress", at: "2025-01-02T03:04:06.100Z", stage: "prepare", text: "reading 2,000 rows" },
    ]);
    expect(out.lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
  });
});
