import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileCacheIndex } from "../../src/engine/cache-index.js";
import { schedule, type InitialStage, type SchedulerInput } from "../../src/engine/scheduler.js";
import type { Executor, JobSpec, JobStatus } from "../../src/executors/types.js";
import type { Stage } from "../../src/graph/types.js";
import type { Recipe, RetryKind } from "../../src/recipe/types.js";
import type { RunEvent } from "../../src/run/events.js";
import type { StageContext, StageRunner } from "../../src/stages/types.js";

/**
 * The scheduler alone, with an executor that runs nothing: each job "runs" for a number of polls
 * and then ends as the test says. No process, no file but the cache index and stage folders.
 */

interface FakeJob {
  stageId: string;
  polls: number;
  /** Polls until the job ends. */
  duration: number;
  outcome: JobStatus;
  over: boolean;
}

class FakeExecutor implements Executor {
  readonly name = "local";
  readonly submitted: JobSpec[] = [];
  readonly cancelled: string[] = [];
  readonly jobs = new Map<string, FakeJob>();
  /** The most jobs running at once. */
  maxConcurrent = 0;
  /** Called at every poll (advance a clock, abort a signal). */
  onPoll: (count: number) => void = () => {};
  private pollCount = 0;
  /** Per stage, the outcome of each attempt in turn (the last repeats); default: succeeds after 2 polls. */
  constructor(private readonly plans: Record<string, { duration?: number; outcomes?: JobStatus[] }> = {}) {}

  private live(): number {
    return [...this.jobs.values()].filter((j) => !j.over).length;
  }

  async submit(job: JobSpec): Promise<string> {
    const n = this.submitted.filter((j) => j.stageId === job.stageId).length;
    this.submitted.push(job);
    const plan = this.plans[job.stageId] ?? {};
    const outcomes = plan.outcomes ?? [ok];
    const ref = `${job.stageId}#${n + 1}`;
    this.jobs.set(ref, { stageId: job.stageId, polls: 0, duration: plan.duration ?? 2, outcome: outcomes[Math.min(n, outcomes.length - 1)]!, over: false });
    this.maxConcurrent = Math.max(this.maxConcurrent, this.live());
    return ref;
  }

  async find(job: JobSpec): Promise<string | null> {
    return [...this.jobs].find(([, j]) => j.stageId === job.stageId && !j.over)?.[0] ?? null;
  }

  async poll(refs: readonly string[]): Promise<Map<string, JobStatus>> {
    this.onPoll(++this.pollCount);
    const out = new Map<string, JobStatus>();
    for (const ref of refs) {
      const job = this.jobs.get(ref);
      if (!job || job.over) continue;
      job.polls++;
      if (job.polls < job.duration) {
        out.set(ref, { state: "running", exitCode: null, reason: null });
        continue;
      }
      job.over = true;
      out.set(ref, job.outcome);
    }
    return out;
  }

  async cancel(ref: string): Promise<void> {
    this.cancelled.push(ref);
    const job = this.jobs.get(ref);
    if (job) job.over = true;
  }

  logPath(job: Pick<JobSpec, "dir">): string {
    return join(job.dir, "job.log");
  }

  describe(job: JobSpec): string {
    return `fake job ${job.stageId}`;
  }

  label(ref: string): string {
    return `job ${ref}`;
  }
}

const ok: JobStatus = { state: "succeeded", exitCode: 0, reason: null };
const failed = (failure?: RetryKind): JobStatus => ({ state: "failed", exitCode: 1, reason: "exit code 1", ...(failure ? { failure } : {}) });

function stage(id: string, needs: string[] = [], placement: "job" | "control-plane" = "job"): Stage {
  return {
    id, name: id, kind: "command", mode: "deterministic", placement, needs, trials: [], pass: null, conditional: false, params: {},
    resources: placement === "job" ? { nodes: 1, gpus: 0, gpusPerNode: 0, timeLimitSeconds: 600 } : null,
    templates: [], outputs: [], key: `key-${id}`, description: id,
  };
}

/** A job runner whose outputs name the stage and the needs' outputs it was given. */
const jobRunner: StageRunner = {
  placement: "job",
  prepare: async (ctx, limit) => ({ stageId: ctx.stage.id, dir: ctx.dir, script: "run.sh", env: {}, timeLimitSeconds: limit, gpus: 0 }),
  collect: async (ctx) => ({ stage: ctx.stage.id, needs: Object.fromEntries(ctx.needOutputs) }),
};

const controlRunner: StageRunner = {
  placement: "control-plane",
  run: async (ctx) => ({ stage: ctx.stage.id, needs: Object.fromEntries(ctx.needOutputs) }),
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  stages: Stage[];
  executor: FakeExecutor;
  jobs?: number;
  failFast?: boolean;
  retry?: { maxAttempts: number; on: RetryKind[] };
  wallClockSeconds?: number | null;
  initial?: Map<string, InitialStage>;
  controller?: AbortController;
  now?: () => number;
}

async function run(setup: Setup) {
  const project = mkdtempSync(join(tmpdir(), "intern-scheduler-"));
  dirs.push(project);
  const events: RunEvent[] = [];
  const controller = setup.controller ?? new AbortController();
  const recipe = { compute: { retry: setup.retry ?? { maxAttempts: 1, on: [] } }, training: { method: "sft" }, benchmark: { metric: "acc" } } as unknown as Recipe;
  const input: SchedulerInput = {
    runId: "run-1", recipe: "fake", stages: setup.stages, initial: setup.initial ?? new Map(),
    runners: (s) => (s.placement === "job" ? jobRunner : controlRunner),
    context: (s, needOutputs) => ({ stage: s, recipe, dir: join(project, "stages", s.id), needOutputs, env: {}, signal: controller.signal, replay: null }) as unknown as StageContext,
    executor: setup.executor, cache: new FileCacheIndex(project),
    limits: { gpuHours: null, wallClockSeconds: setup.wallClockSeconds ?? null, llmTokens: null, llmUsd: null },
    spentBefore: { gpuHours: 0, wallSeconds: 0, llmTokens: 0, llmUsd: 0 },
    startedMs: 0, jobs: setup.jobs ?? 4, failFast: setup.failFast ?? false, pollIntervalMs: 1,
    append: (e) => events.push(e), signal: controller.signal, now: setup.now ?? (() => 0),
  };
  const status = await schedule(input);
  const at = (type: RunEvent["type"], id: string) => events.findIndex((e) => e.type === type && "stage" in e && e.stage === id);
  const of = <T extends RunEvent["type"]>(type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  return { status, events, at, of };
}

describe("schedule() with a fake executor", () => {
  it("starts a stage only once its needs are done, and hands it their outputs", async () => {
    // plan (control-plane) -> a -> b, and c on its own.
    const executor = new FakeExecutor({ a: { duration: 3 } });
    const r = await run({ stages: [stage("plan", [], "control-plane"), stage("a", ["plan"]), stage("b", ["a"]), stage("c")], executor });
    expect(r.status).toBe("succeeded");
    expect(r.at("stage_started", "a")).toBeGreaterThan(r.at("stage_done", "plan"));
    expect(r.at("stage_started", "b")).toBeGreaterThan(r.at("stage_done", "a"));
    // c needs nothing: it starts in the first pass, before a is done.
    expect(r.at("stage_started", "c")).toBeLessThan(r.at("stage_done", "a"));
    const b = r.of("stage_done").find((e) => e.stage === "b")!;
    expect(b.outputs).toEqual({ stage: "b", needs: { a: { stage: "a", needs: { plan: { stage: "plan", needs: {} } } } } });
    expect(executor.submitted.map((j) => j.stageId).sort()).toEqual(["a", "b", "c"]);
  });

  it("runs at most `jobs` jobs at once", async () => {
    const stages = ["a", "b", "c", "d", "e"].map((id) => stage(id));
    const two = new FakeExecutor(Object.fromEntries(stages.map((s) => [s.id, { duration: 3 }])));
    expect((await run({ stages, executor: two, jobs: 2 })).status).toBe("succeeded");
    expect(two.maxConcurrent).toBe(2);
    expect(two.submitted).toHaveLength(5);
    const all = new FakeExecutor(Object.fromEntries(stages.map((s) => [s.id, { duration: 3 }])));
    expect((await run({ stages, executor: all, jobs: 5 })).status).toBe("succeeded");
    expect(all.maxConcurrent).toBe(5);
  });

  it("goes on with independent stages after a failure, and skips the failed stage's dependents", async () => {
    const executor = new FakeExecutor({ a: { duration: 1, outcomes: [failed()] }, b: { duration: 4 } });
    const r = await run({ stages: [stage("a"), stage("b"), stage("c", ["a"])], executor });
    expect(r.status).toBe("failed");
    expect(r.of("stage_failed").map((e) => [e.stage, e.code])).toEqual([["a", "INTERN_JOB_FAILED"]]);
    expect(r.of("stage_done").map((e) => e.stage)).toEqual(["b"]);
    expect(r.of("stage_skipped")).toEqual([expect.objectContaining({ stage: "c", reason: "needs a, which failed" })]);
    expect(executor.cancelled).toEqual([]);
  });

  it("with --fail-fast, cancels the running stages after a failure and starts nothing more", async () => {
    const executor = new FakeExecutor({ a: { duration: 1, outcomes: [failed()] }, b: { duration: 50 } });
    const r = await run({ stages: [stage("a"), stage("b"), stage("c", ["b"])], executor, failFast: true });
    expect(r.status).toBe("failed");
    expect(executor.cancelled).toEqual(["b#1"]);
    expect(r.of("stage_failed").map((e) => [e.stage, e.code])).toEqual([["a", "INTERN_JOB_FAILED"], ["b", "INTERN_CANCELLED"]]);
    expect(r.of("stage_skipped")).toEqual([expect.objectContaining({ stage: "c", reason: "stopped after a failure (--fail-fast)" })]);
    expect(r.of("stage_done")).toEqual([]);
  });

  it("retries a job whose failure kind the retry policy names, and the next attempt succeeds", async () => {
    const executor = new FakeExecutor({ a: { duration: 1, outcomes: [failed("preempted"), ok] } });
    const r = await run({ stages: [stage("a"), stage("b", ["a"])], executor, retry: { maxAttempts: 3, on: ["preempted"] } });
    expect(r.status).toBe("succeeded");
    expect(r.of("job_retrying")).toEqual([expect.objectContaining({ stage: "a", attempt: 1, maxAttempts: 3, failure: "preempted" })]);
    expect(r.of("stage_started").filter((e) => e.stage === "a").map((e) => e.attempt)).toEqual([1, 2]);
    expect(r.of("stage_failed")).toEqual([]);
    expect(r.of("stage_done").map((e) => e.stage)).toEqual(["a", "b"]);
  });

  it("does not retry a failure kind the policy leaves out", async () => {
    const executor = new FakeExecutor({ a: { duration: 1, outcomes: [failed("out_of_memory"), ok] } });
    const r = await run({ stages: [stage("a")], executor, retry: { maxAttempts: 3, on: ["preempted"] } });
    expect(r.status).toBe("failed");
    expect(r.of("job_retrying")).toEqual([]);
    expect(executor.submitted).toHaveLength(1);
  });

  it("stops on the budget: cuts the job's limit, cancels it when the wall clock runs out, skips the rest", async () => {
    let clock = 0;
    const executor = new FakeExecutor({ a: { duration: 100 } });
    // Every poll is a minute of wall clock; the budget is five.
    executor.onPoll = () => (clock += 60_000);
    const r = await run({ stages: [stage("a"), stage("b", ["a"])], executor, wallClockSeconds: 300, now: () => clock });
    expect(r.status).toBe("budget_exhausted");
    expect(executor.submitted[0]!.timeLimitSeconds).toBe(300);
    expect(r.of("budget_exhausted")).toEqual([expect.objectContaining({ resource: "wall_clock", limit: 300 })]);
    expect(executor.cancelled).toEqual(["a#1"]);
    expect(r.of("stage_failed").map((e) => [e.stage, e.code])).toEqual([["a", "INTERN_BUDGET_EXHAUSTED"]]);
    expect(r.of("stage_skipped")).toEqual([expect.objectContaining({ stage: "b", reason: "the budget ran out" })]);
  });

  it("re-attaches to a stage that starts running, without submitting it again", async () => {
    const executor = new FakeExecutor();
    executor.jobs.set("a#old", { stageId: "a", polls: 0, duration: 2, outcome: ok, over: false });
    const initial = new Map<string, InitialStage>([["a", { status: "running", outputs: {}, dir: "", ref: "a#old", attempt: 1, submittedAt: new Date(0).toISOString() }]]);
    const r = await run({ stages: [stage("a"), stage("b", ["a"])], executor, initial });
    expect(r.status).toBe("succeeded");
    expect(r.events[0]).toEqual(expect.objectContaining({ type: "message", stage: "a", text: "re-attached to the job that was running (job a#old)" }));
    expect(executor.submitted.map((j) => j.stageId)).toEqual(["b"]);
    expect(r.of("stage_started").map((e) => e.stage)).toEqual(["b"]);
    expect(r.of("stage_done").map((e) => e.stage)).toEqual(["a", "b"]);
  });

  it("stops at an interrupt: cancels the running job, records it cancelled, and starts nothing more", async () => {
    const controller = new AbortController();
    const executor = new FakeExecutor({ a: { duration: 100 } });
    executor.onPoll = (n) => {
      if (n === 3) controller.abort("SIGINT");
    };
    const r = await run({ stages: [stage("a"), stage("b", ["a"])], executor, controller });
    expect(r.status).toBe("interrupted");
    expect(executor.cancelled).toEqual(["a#1"]);
    expect(r.of("stage_failed")).toEqual([expect.objectContaining({ stage: "a", code: "INTERN_CANCELLED", error: "cancelled by the user (interrupt)" })]);
    expect(r.of("stage_started").map((e) => e.stage)).toEqual(["a"]);
  });
});
