import type { Problem } from "../recipe/rules/problem.js";

export type StageKind = "research" | "discover" | "synthesize" | "prepare" | "train" | "evaluate" | "decide" | "report" | "command";
export type StageMode = "agentic" | "deterministic";
export type Placement = "control-plane" | "job";

export interface JobResources {
  nodes: number;
  gpus: number;
  gpusPerNode: number;
  timeLimitSeconds: number;
}

/** A node of the compiled DAG. Immutable once compiled. */
export interface Stage {
  /** Unique in the graph: `train`, `train.p2`, `train.t3.p1`, `export.p1`. Safe in paths and job names. */
  id: string;
  /** The stage's name in the recipe: a built-in (`train`, `baseline`) or a user stage's name. */
  name: string;
  kind: StageKind;
  mode: StageMode;
  placement: Placement;
  /** Ids of the stages this one runs after. */
  needs: string[];
  /** 1-based trials this stage serves; empty when it serves every trial (the matrix does not change it). */
  trials: number[];
  /** 1-based training pass, or null for stages outside the pass loop. */
  pass: number | null;
  /** True when the stage runs only if an earlier decide stage chooses another pass. */
  conditional: boolean;
  /** Everything the stage reads from the recipe; part of its content key. */
  params: Record<string, unknown>;
  /** Resources of a job; null for control-plane stages. */
  resources: JobResources | null;
  /** Templates the stage renders (names relative to the template folder). */
  templates: string[];
  /** What the stage leaves in its folder for others to read. */
  outputs: string[];
  /** sha256 of kind, params, needs' keys, template digests and intern's version. */
  key: string;
  /** The key's ingredients, one digest each by a name people read ("template jobs/train.sh.hbs", "stage prepare"). */
  inputs?: Record<string, string>;
  /** One line for tables: what this stage does. */
  description: string;
}

export interface TrialInfo {
  /** 1-based. */
  index: number;
  label: string;
}

/** The compiled recipe: stages in a topological order. */
export interface StageGraph {
  recipe: string;
  stages: Stage[];
  trials: TrialInfo[];
}

export interface CompileResult {
  graph: StageGraph | null;
  /** Unknown needs, cycles: problems at recipe paths, located by the caller. */
  problems: Problem[];
}
