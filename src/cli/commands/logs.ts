import type { Command } from "../command.js";
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { redact, secretValues } from "../../process/redact.js";
import { readScrubbed } from "../../process/scrub-file.js";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { foldEvents } from "../../run/run-state.js";
import type { StageStatus } from "../../run/events.js";
import { lockHolder } from "../../run/run-lock.js";
import { FileFollower } from "../../process/follow-file.js";
import { StreamScrubber } from "../../process/scrub-stream.js";
import { listRuns, readEvents, runDir } from "../../run/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import type { CliIO } from "../io.js";

export const help = `intern logs <run> <stage> [--tail N] [--follow]

Prints a stage's log: the job's combined output for job stages, the command's output for
control-plane stages. A cached stage's log is the one of the run that computed it. Secret values
of this environment (HF_TOKEN, MISTRAL_API_KEY, ...) print as ***.

  --tail N     only its last N lines
  --follow, -f print the log, then what the job adds to it as it comes, until the stage ends
               (or the run is no longer being applied); Ctrl-C stops following (exit 130).
               A Kubernetes job's log reaches this machine while \`intern apply\` runs, every
               other poll (10 s by default).
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

export async function logsCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { tail: { type: "string" }, follow: { type: "boolean", short: "f", default: false } } });
  const [run, stage] = positionals;
  if (run === undefined || stage === undefined) throw new UsageError("intern logs needs a run and a stage", "intern logs <run> <stage>; `intern status` lists runs, `intern status <run>` their stages");
  if (!listRuns(io.cwd).includes(run)) throw new InternError("INTERN_RUN_NOT_FOUND", `no run ${run}`, { hint: "`intern status` lists the runs" });
  const state = foldEvents(readEvents(runDir(io.cwd, run)));
  const st = state?.stages.get(stage);
  if (!st) throw new InternError("INTERN_STAGE_NOT_FOUND", `run ${run} has no stage ${stage}`, { hint: `stages: ${[...(state?.stages.keys() ?? [])].join(", ")}` });
  const dir = st.dir ?? join(runDir(io.cwd, run), "stages", stage);
  const path = join(dir, "job.log");
  const lines = values.tail === undefined ? null : Number(values.tail);
  if (lines !== null && (!Number.isInteger(lines) || lines < 0)) throw new UsageError(`--tail ${values.tail}: a number of lines`, "intern logs RUN STAGE --tail 50");
  if (values.follow && !ended(st.status)) return followLog(io, { runDir: runDir(io.cwd, run), stage, path, tail: lines });
  if (!existsSync(path)) {
    io.stdout.write(`stage ${stage} (${st.status}) has no log${st.status === "pending" ? " yet" : ""}\n`);
    return 0;
  }
  if (!statSync(path).isFile()) throw new InternError("INTERN_LOG_INVALID", `${path} is not a regular file`, { hint: "a stage's log is a file the job writes; something else took its place" });
  // Secrets of this environment never print, even from a log a running job has not finished
  // (finished logs were scrubbed already); a log of any size streams.
  const secrets = secretValues(io.env);
  if (lines === null) {
    readScrubbed(path, secrets, (text) => io.stdout.write(text));
    return 0;
  }
  io.stdout.write(redact(tailOf(path, lines), secrets));
  return 0;
}

/** A stage in one of these states has a log that no longer grows. */
function ended(status: StageStatus): boolean {
  return status === "done" || status === "cached" || status === "failed" || status === "skipped" || status === "cancelled";
}

/** How often a followed log is read again. */
const FOLLOW_MS = 500;
/** How long a log renamed over may wait for its stage to end before the new file is taken for another log. */
const REPLACED_GRACE_MS = 5_000;

/**
 * Prints a log as it grows (its last `tail` lines first, or all of it), scrubbed of this
 * environment's secrets like the rest of `intern logs`, until the stage ends (its events say
 * so) or no `intern apply` holds the run any more; Ctrl-C (or SIGTERM) stops it with 130.
 */
async function followLog(io: CliIO, o: { runDir: string; stage: string; path: string; tail: number | null }): Promise<number> {
  const secrets = secretValues(io.env);
  let scrubber = new StreamScrubber(secrets);
  let start = 0;
  if (o.tail !== null && existsSync(o.path) && statSync(o.path).isFile()) {
    start = statSync(o.path).size;
    io.stdout.write(redact(tailOf(o.path, o.tail), secrets));
  }
  const follower = new FileFollower(o.path, start, { replaced: "report" });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const events = join(o.runDir, "events.jsonl");
  let eventsSize = -1;
  let status: StageStatus = "pending";
  /** The stage's state, read again only when the events grew. */
  const stageStatus = (): StageStatus => {
    const size = existsSync(events) ? statSync(events).size : 0;
    if (size !== eventsSize) {
      eventsSize = size;
      status = foldEvents(readEvents(o.runDir))?.stages.get(o.stage)?.status ?? status;
    }
    return status;
  };
  /** When another file took the log's place, since. */
  let replacedAt: number | null = null;
  /** Prints what is new; whether there was any. */
  const drain = (): boolean => {
    let any = false;
    for (;;) {
      const { bytes, restarted, replaced } = follower.read();
      if (restarted) {
        io.stdout.write(scrubber.end());
        scrubber = new StreamScrubber(secrets);
        io.stderr.write(`(the log of ${o.stage} was rewritten: printing it from its start)\n`);
      }
      if (replaced) replacedAt ??= Date.now();
      if (bytes.length === 0) return any;
      any = true;
      io.stdout.write(scrubber.push(bytes));
    }
  };
  try {
    for (;;) {
      if (drain()) continue;
      if (ended(stageStatus())) break;
      // The log was renamed over and read to its end: a stage that is ending has its log scrubbed
      // of secrets (already printed as ***), which ends the stage; anything else is a new log.
      if (replacedAt !== null && Date.now() - replacedAt > REPLACED_GRACE_MS) {
        replacedAt = null;
        follower.restart();
        io.stdout.write(scrubber.end());
        scrubber = new StreamScrubber(secrets);
        io.stderr.write(`(the log of ${o.stage} was replaced: printing the new one from its start)\n`);
        continue;
      }
      if (lockHolder(o.runDir) === null) {
        drain();
        io.stdout.write(scrubber.end());
        io.stderr.write(`stopped following: no \`intern apply\` is running this run, so stage ${o.stage} (${status}) will not move until one resumes it\n`);
        return 0;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_MS);
        controller.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (controller.signal.aborted) {
        drain();
        io.stdout.write(scrubber.end());
        return 130;
      }
    }
    drain();
    io.stdout.write(scrubber.end());
    return 0;
  } finally {
    follower.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export const command: Command = { help, run: logsCommand };
