import type { StageKind } from "../graph/types.js";
import { needOfKind } from "../graph/needs.js";
import type { MixWeight } from "./decide.js";
import type { MixEntry } from "./hub-data.js";
import type { StageContext } from "./types.js";

/**
 * What each stage kind records as its outputs (the `outputs` of its `stage_done` event), as far as
 * other stages read them. Outputs come back from the event log, written by this or an older
 * intern: every field may be missing, so readers check a value before they use it.
 */
export interface StageOutputs {
  research: Record<string, unknown>;
  discover: { mix: MixEntry[] };
  synthesize: { file: string };
  prepare: Record<string, unknown>;
  train: { model: string };
  evaluate: { value: number };
  decide: { decision: "continue" | "stop"; reason: string; hyperparameters: Record<string, unknown>; mix: MixWeight[] | null };
  report: Record<string, unknown>;
  command: Record<string, unknown>;
}

/** Outputs of a kind as read back: the declared fields, each possibly missing, and whatever else the stage recorded. */
export type RecordedOutputs<K extends StageKind> = Partial<StageOutputs[K]> & Record<string, unknown>;

/** The outputs of the stage of `kind` that this stage needs; undefined when it needs none. */
export function needOutput<K extends StageKind>(ctx: StageContext, kind: K): RecordedOutputs<K> | undefined {
  const need = needOfKind(ctx.graph, ctx.stage, kind);
  return need === undefined ? undefined : (ctx.needOutputs.get(need.id) as RecordedOutputs<K> | undefined);
}
