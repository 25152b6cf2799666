import type { PythonEnvironment } from "../environments/ensure-environment.js";
import type { Executor, JobSpec } from "../executors/types.js";
import type { Stage, StageGraph } from "../graph/types.js";
import type { Renderer } from "../render/environment.js";
import type { RunLocation } from "../render/context.js";
import type { Recipe } from "../recipe/types.js";
import type { RunState } from "../run/run-state.js";
import type { LockedDataset } from "../sources/pinned-dataset.js";

/** What a stage sees while it runs. */
export interface StageContext {
  stage: Stage;
  /** The recipe of the stage's trial (matrix values applied). */
  recipe: Recipe;
  graph: StageGraph;
  loc: RunLocation;
  /** This stage's folder. */
  dir: string;
  recipeDir: string;
  projectDir: string;
  renderer: Renderer;
  executor: Executor;
  pythonEnv: PythonEnvironment | null;
  /** Outputs recorded by the stages this one needs (done or cached). */
  needOutputs: ReadonlyMap<string, Record<string, unknown>>;
  /** The run as its events say, for the report. */
  state: () => RunState;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  /** Records an LLM charge of this stage (a `budget_charged` event); set by the scheduler. */
  charge?: (llmTokens: number, llmUsd: number) => void;
  /**
   * Records an LLM call served from a recorded transcript: nothing spent, the budget not charged
   * (a `budget_charged` event of 0 with the recorded figures as `replayed`); set by the scheduler.
   */
  chargeReplayed?: (recordedTokens: number, recordedUsd: number) => void;
  /** Says something worth keeping about the stage (a `message` event of the stage, shown and in events.jsonl). */
  note?: (text: string) => void;
  /**
   * Says how far the stage has got, in one short line (`reading 412,000 rows · ...`), for the
   * screen only: never an event, so call it as often as is useful (the reporters throttle it).
   * Set by the scheduler while the stage runs; a call after the stage ended is dropped.
   */
  progress?: (text: string) => void;
  /** `apply --replay RUN`: agentic stages are served from that run's transcripts, without network. */
  replay?: { runId: string; runDir: string } | null;
  /**
   * `apply --locked`: the datasets the lock records. A recipe-pinned Hub dataset is read at the
   * commit and files the lock names, from the download cache, instead of being resolved again.
   */
  lockedDatasets?: readonly LockedDataset[] | null;
}

/** A stage that runs inside the intern process. */
export interface ControlPlaneRunner {
  placement: "control-plane";
  run(ctx: StageContext): Promise<Record<string, unknown>>;
}

/** A stage that runs as a job: render its files, then read what it left. */
export interface JobRunner {
  placement: "job";
  prepare(ctx: StageContext, timeLimitSeconds: number): Promise<JobSpec>;
  collect(ctx: StageContext): Promise<Record<string, unknown>>;
}

export type StageRunner = ControlPlaneRunner | JobRunner;
