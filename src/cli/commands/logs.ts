import type { Command } from "../command.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { foldEvents } from "../../engine/run-state.js";
import { listRuns, readEvents, runDir } from "../../engine/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import type { CliIO } from "../io.js";

export const help = `intern logs <run> <stage> [--tail N]

Prints a stage's log: the job's combined output for job stages, the command's output for
control-plane stages. A cached stage's log is the one of the run that computed it.
`;

export function logsCommand(io: CliIO, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { tail: { type: "string" } } });
  const [run, stage] = positionals;
  if (run === undefined || stage === undefined) throw new UsageError("intern logs needs a run and a stage", "intern logs <run> <stage>; `intern status` lists runs, `intern status <run>` their stages");
  if (!listRuns(io.cwd).includes(run)) throw new InternError("INTERN_RUN_NOT_FOUND", `no run ${run}`, { hint: "`intern status` lists the runs" });
  const state = foldEvents(readEvents(runDir(io.cwd, run)));
  const st = state?.stages.get(stage);
  if (!st) throw new InternError("INTERN_STAGE_NOT_FOUND", `run ${run} has no stage ${stage}`, { hint: `stages: ${[...(state?.stages.keys() ?? [])].join(", ")}` });
  const dir = st.dir ?? join(runDir(io.cwd, run), "stages", stage);
  const path = join(dir, "job.log");
  if (!existsSync(path)) {
    io.stdout.write(`stage ${stage} (${st.status}) has no log${st.status === "pending" ? " yet" : ""}\n`);
    return 0;
  }
  let text = readFileSync(path, "utf8");
  if (values.tail !== undefined) text = text.split("\n").slice(-Number(values.tail) - 1).join("\n");
  io.stdout.write(text);
  return 0;
}

export const command: Command = { help, run: logsCommand };
