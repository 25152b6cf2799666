import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileSha256 } from "../project/content-digest.js";
import type { RunState } from "../run/run-state.js";
import { readEvents } from "../run/run-store.js";
import type { RunFacts } from "./html/report-html.js";
import { runTimes } from "./stage-times.js";
import { readTrainingCurve } from "./training-curves.js";

/**
 * What the HTML report shows beyond the run's state, read from the run folder: the stages' times
 * from the event log, each training pass's loss from its stage folder (a cached pass's from the
 * run it came from), and the digest of `lock.yaml` once the run has written it.
 */
export function readRunFacts(runDir: string, state: RunState): RunFacts {
  const curves = [];
  for (const s of state.stages.values()) {
    if (s.kind !== "train" || s.status === "pending" || s.status === "skipped") continue;
    const dir = s.dir ?? join(runDir, "stages", s.id);
    const curve = readTrainingCurve(s.id, dir, typeof s.outputs.model === "string" ? s.outputs.model : null);
    if (curve) curves.push(curve);
  }
  const lockFile = join(runDir, "lock.yaml");
  const lock = existsSync(lockFile) ? { file: "lock.yaml", sha256: `sha256:${fileSha256(lockFile)}` } : null;
  return { times: runTimes(readEvents(runDir)), curves, lock };
}
