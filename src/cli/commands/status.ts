import type { Command } from "../command.js";
import { printable, printableJson } from "../../printable.js";
import { join } from "node:path";
import { formatProgress } from "../../progress/format-progress.js";
import type { ProgressPoint } from "../../progress/point.js";
import { latestProgress } from "../../progress/progress-file.js";
import { parseArgs } from "node:util";
import { foldEvents, type RunState } from "../../run/run-state.js";
import { lockHolder } from "../../run/run-lock.js";
import { listRuns, readEvents, runDir } from "../../run/run-store.js";
import { InternError } from "../../errors.js";
import { formatDuration } from "../../recipe/duration.js";
import type { CliIO } from "../io.js";
import { table } from "../table.js";

export const help = `intern status [RUN] [--output text|json]

Without RUN: every run in .intern/runs, newest first, with its state and what it spent.
With RUN: its stages, their state, time and GPU-hours, and the budget spent against its limits;
a running training or evaluation job's latest progress, as its log said it (step 1,240/4,000 ·
loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 14m, 3s ago). With --output json, each stage whose job
logged progress has "progress": its last point (the stage's progress.jsonl has them all).
`;

function spent(s: Pick<RunState, "spent" | "replayed">): string {
  const parts = [`${formatDuration(s.spent.wallSeconds)} wall`];
  if (s.spent.gpuHours > 0) parts.push(`${s.spent.gpuHours.toFixed(3)} GPU-h`);
  if (s.spent.llmTokens > 0) parts.push(`${s.spent.llmTokens} tokens`);
  // Calls served from recorded transcripts spent nothing: said apart, never added to the spend.
  if ((s.replayed?.llmTokens ?? 0) > 0) parts.push(`LLM replayed (recorded: ${s.replayed!.llmTokens} tokens)`);
  return parts.join(", ");
}

function counts(s: Pick<RunState, "stages">): string {
  const by = new Map<string, number>();
  for (const st of s.stages.values()) by.set(st.status, (by.get(st.status) ?? 0) + 1);
  return [...by].map(([k, v]) => `${v} ${k}`).join(", ");
}

/**
 * The events of a run that intern stopped working on without a word (killed, crashed) end as
 * if it were still running; no live `apply` holding the run's lock tells them apart.
 */
function withLiveness(s: RunState, dir: string): Omit<RunState, "status"> & { status: RunState["status"] | "stopped" } {
  return s.status === "running" && lockHolder(dir) === null ? { ...s, status: "stopped" } : s;
}

export function statusCommand(io: CliIO, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", default: "text" } } });
  const runs = listRuns(io.cwd);
  if (positionals[0] === undefined) {
    const states = runs
      .reverse()
      .map((id) => {
        const s = foldEvents(readEvents(runDir(io.cwd, id)));
        return s && withLiveness(s, runDir(io.cwd, id));
      })
      .filter((s) => s !== null);
    if (values.output === "json") {
      io.stdout.write(printableJson(states.map((s) => ({ ...s, stages: [...s.stages.values()] }))) + "\n");
      return 0;
    }
    if (states.length === 0) {
      io.stdout.write("no runs yet: `intern apply <recipe>` starts one\n");
      return 0;
    }
    io.stdout.write(table(["RUN", "RECIPE", "STATE", "STAGES", "SPENT"], states.map((s) => [s.id, s.recipe, s.status, counts(s), spent(s)])));
    return 0;
  }
  const id = positionals[0];
  if (!runs.includes(id)) throw new InternError("INTERN_RUN_NOT_FOUND", `no run ${id}`, { hint: "`intern status` lists the runs" });
  const folded = foldEvents(readEvents(runDir(io.cwd, id)));
  if (!folded) throw new InternError("INTERN_RUN_UNREADABLE", `run ${id} has no readable events`);
  const s = withLiveness(folded, runDir(io.cwd, id));
  const progress = new Map<string, ProgressPoint>();
  for (const st of s.stages.values()) {
    const p = st.placement === "job" && st.status !== "cached" ? latestProgress(st.dir ?? join(runDir(io.cwd, id), "stages", st.id)) : null;
    if (p !== null) progress.set(st.id, p);
  }
  if (values.output === "json") {
    io.stdout.write(printableJson({ ...s, stages: [...s.stages.values()].map((st) => (progress.has(st.id) ? { ...st, progress: progress.get(st.id) } : st)) }) + "\n");
    return 0;
  }
  const now = io.now ? io.now() : Date.now();
  /** A running job's latest progress, and how long ago intern read it. */
  const live = (id: string): string | null => {
    const p = progress.get(id);
    const text = p ? formatProgress(p) : null;
    if (!p || text === null) return null;
    const ago = Math.max(0, (now - Date.parse(p.at)) / 1000);
    return `${text}, ${formatDuration(ago)} ago`;
  };
  io.stdout.write(`run ${s.id} of ${s.recipe}: ${s.status}\n\n`);
  io.stdout.write(
    table(
      ["STAGE", "KIND", "STATE", "TIME", "GPU-H", "NOTE"],
      [...s.stages.values()].map((st) => [
        st.id, st.kind, st.status, st.seconds > 0 ? formatDuration(st.seconds) : "-", st.gpuHours > 0 ? st.gpuHours.toFixed(3) : "-",
        st.status === "cached" ? `from ${st.fromRun}` : st.status === "running" && live(st.id) !== null ? printable(live(st.id)!) : typeof st.outputs.value === "number" ? `${String(st.outputs.metric)} ${(st.outputs.value as number).toFixed(4)}` : (st.error ?? "").split("\n")[0]!.slice(0, 80),
      ]),
    ),
  );
  const b = s.budget;
  io.stdout.write(`\nspent: ${spent(s)}; limits: ${[b.wallClockSeconds !== null ? `${formatDuration(b.wallClockSeconds)} wall` : "", b.gpuHours !== null ? `${b.gpuHours} GPU-h` : "", b.llmTokens !== null ? `${b.llmTokens} tokens` : ""].filter(Boolean).join(", ") || "none"}\n`);
  return 0;
}

export const command: Command = { help, run: statusCommand };
