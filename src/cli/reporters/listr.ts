import { Listr, type ListrTaskWrapper } from "listr2";
import type { RunEvent } from "../../run/events.js";
import { describeEvent } from "./describe-event.js";
import type { Reporter } from "./types.js";

type Waiter = { resolve: () => void; reject: (e: Error) => void; task?: ListrTaskWrapper<unknown, never, never> };

/**
 * A live task list on a terminal: one row per stage, its state as the engine reports it.
 * Each row is a listr2 task that waits for its stage's final event.
 */
export function listrReporter(stages: { id: string; kind: string }[], out: NodeJS.WriteStream): Reporter {
  const waiters = new Map<string, Waiter>();
  const done = new Map<string, string | Error>();
  /** What a row is to show that came before listr started its task (a stage that starts at once). */
  const early = new Map<string, { title?: string; output?: string }>();
  const show = (id: string, what: { title?: string; output?: string }) => {
    const task = waiters.get(id)?.task;
    if (!task) {
      early.set(id, { ...early.get(id), ...what });
      return;
    }
    if (what.title !== undefined) task.title = what.title;
    if (what.output !== undefined) task.output = what.output;
  };
  const list = new Listr(
    stages.map((s) => ({
      title: `${s.id} (${s.kind}): waiting`,
      task: (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
        new Promise<void>((resolve, reject) => {
          const finished = done.get(s.id);
          if (finished instanceof Error) return reject(finished);
          if (finished !== undefined) {
            task.title = `${s.id}: ${finished}`;
            return resolve();
          }
          waiters.set(s.id, { resolve, reject, task });
          const before = early.get(s.id);
          early.delete(s.id);
          if (before) show(s.id, before);
        }),
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false }, renderer: "default", rendererFallback: () => false, registerSignalListeners: false } as never,
  );
  void out;
  const running = list.run().catch(() => undefined);
  const finish = (id: string, result: string | Error) => {
    done.set(id, result);
    const w = waiters.get(id);
    if (!w) return;
    if (result instanceof Error) w.reject(result);
    else {
      if (w.task) w.task.title = `${id}: ${result}`;
      w.resolve();
    }
  };
  return {
    event(e: RunEvent) {
      const line = describeEvent(e) ?? "";
      if (e.type === "stage_done" || e.type === "stage_cached") finish(e.stage, line.slice(e.stage.length + 2));
      else if (e.type === "stage_failed") finish(e.stage, new Error(line.slice(e.stage.length + 2)));
      else if (e.type === "stage_skipped") finish(e.stage, line.slice(e.stage.length + 2));
      else if (e.type === "stage_started") {
        const kind = stages.find((s) => s.id === e.stage)?.kind ?? "";
        show(e.stage, { title: `${e.stage} (${kind})${e.attempt > 1 ? `, attempt ${e.attempt}` : ""}` });
      } else if ((e.type === "job_submitted" || e.type === "message") && "stage" in e && e.stage) {
        show(e.stage, { output: line.slice(e.stage.length + 2) });
      }
    },
    // The stage's row shows its latest progress under it, as it shows a message.
    progress(stage: string, text: string) {
      if (!done.has(stage)) show(stage, { output: text });
    },
    close() {
      for (const s of stages) if (!done.has(s.id)) finish(s.id, "not run");
      void running;
    },
  };
}
