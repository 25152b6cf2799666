import type { Stage, StageKind } from "../graph/types.js";
import { controlCommandRunner, jobCommandRunner } from "./command.js";
import { decideRunner } from "./decide.js";
import { discoverRunner } from "./discover.js";
import { evaluateRunner } from "./evaluate.js";
import { prepareRunner } from "./prepare-runner.js";
import { reportRunner } from "./report.js";
import { researchRunner } from "./research.js";
import { synthesizeRunner } from "./synthesize.js";
import { trainRunner } from "./train.js";
import type { StageRunner } from "./types.js";

/**
 * The runner of each stage kind: a new kind is registered here, and the type makes every kind
 * name one. A user stage (`command`) runs in this process or as a job, as its placement says.
 */
const RUNNERS: { [K in StageKind]: (stage: Stage) => StageRunner } = {
  prepare: () => prepareRunner,
  train: () => trainRunner,
  evaluate: () => evaluateRunner,
  report: () => reportRunner,
  research: () => researchRunner,
  discover: () => discoverRunner,
  synthesize: () => synthesizeRunner,
  decide: () => decideRunner,
  command: (stage) => (stage.placement === "job" ? jobCommandRunner : controlCommandRunner),
};

/** The runner of a stage. */
export function runnerFor(stage: Stage): StageRunner {
  return RUNNERS[stage.kind](stage);
}
