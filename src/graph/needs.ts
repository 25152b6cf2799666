import type { Stage, StageGraph, StageKind } from "./types.js";

/** The first stage of `kind` that `stage` needs (other than `exclude`, by id); undefined when none. */
export function needOfKind(graph: StageGraph, stage: Stage, kind: StageKind, exclude?: string): Stage | undefined {
  const byId = new Map(graph.stages.map((s) => [s.id, s]));
  return stage.needs.map((n) => byId.get(n)).find((s) => s?.kind === kind && s.id !== exclude);
}
