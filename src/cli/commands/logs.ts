import type { Command } from "../command.js";
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { redact, secretValues } from "../../process/redact.js";
import { readScrubbed } from "../../process/scrub-file.js";
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

/** The last `n` lines of a file, read from its end (a log may be gigabytes). */
function tailOf(path: string, n: number): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const parts: Buffer[] = [];
    let start = size;
    let newlines = 0;
    while (start > 0 && newlines <= n) {
      const len = Math.min(64 * 1024, start);
      start -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, start);
      parts.unshift(buf);
      for (const b of buf) if (b === 10) newlines++;
    }
    return Buffer.concat(parts).toString("utf8").split("\n").slice(-n - 1).join("\n");
  } finally {
    closeSync(fd);
  }
}

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
  if (!statSync(path).isFile()) throw new InternError("INTERN_LOG_INVALID", `${path} is not a regular file`, { hint: "a stage's log is a file the job writes; something else took its place" });
  // Secrets of this environment never print, even from a log a running job has not finished
  // (finished logs were scrubbed already); a log of any size streams.
  const secrets = secretValues(io.env);
  if (values.tail === undefined) {
    readScrubbed(path, secrets, (text) => io.stdout.write(text));
    return 0;
  }
  const lines = Number(values.tail);
  if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--tail ${values.tail}: a number of lines`, "intern logs RUN STAGE --tail 50");
  io.stdout.write(redact(tailOf(path, lines), secrets));
  return 0;
}

export const command: Command = { help, run: logsCommand };
