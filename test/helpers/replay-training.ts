import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENGINE_FIXTURE, type Project } from "./engine.js";
import { FIXTURES } from "./recipe.js";

/** A real `trl sft` log of the quickstart (TRL 1.13, transformers 5.17: 360 steps, a logging dict every 60). */
export const REAL_TRAINING_LOG = join(FIXTURES, "progress", "trl-sft-quickstart.log");

/**
 * Makes the project's stand-in training job (the engine fixture's) write a training log into its
 * job.log first, a twentieth at a time, `delaySeconds` apart, as a real training job does, after
 * a line with the HF_TOKEN it was given (which no reader may see). The log and the delay travel
 * in INTERN_TEST_DIR (the records folder), which jobs get on every backend.
 */
export function replayTraining(project: Project, options: { log?: Buffer; delaySeconds?: number } = {}): void {
  const standIn = readFileSync(join(ENGINE_FIXTURE, "templates", "jobs", "train.sh.hbs"), "utf8");
  const replay = [
    'if [ -f "$INTERN_TEST_DIR/replay.log" ]; then',
    '  echo "logging in with ${HF_TOKEN:-no token}"',
    '  log="$INTERN_TEST_DIR/replay.log"; size=$(wc -c < "$log"); piece=$(( (size + 19) / 20 ))',
    '  for i in $(seq 0 19); do dd if="$log" bs="$piece" skip="$i" count=1 status=none; sleep "$(cat "$INTERN_TEST_DIR/replay.delay")"; done',
    "fi",
    "",
  ].join("\n");
  const at = standIn.indexOf("mkdir -p");
  writeFileSync(join(project.dir, "templates", "jobs", "train.sh.hbs"), standIn.slice(0, at) + replay + standIn.slice(at));
  writeFileSync(join(project.records, "replay.log"), options.log ?? readFileSync(REAL_TRAINING_LOG));
  writeFileSync(join(project.records, "replay.delay"), String(options.delaySeconds ?? 0.25));
}
