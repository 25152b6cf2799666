import { Listr, type ListrTaskWrapper } from "listr2";
import type { RunEvent } from "../../engine/events.js";
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
        const w = waiters.get(e.stage);
        const kind = stages.find((s) => s.id === e.stage)?.kind ?? "";
        if (w?.task) w.task.title = `${e.stage} (${kind})${e.attempt > 1 ? `, attempt ${e.attempt}` : ""}`;
      } else if ((e.type === "job_submitted" || e.type === "message") && "stage" in e && e.stage) {
        const w = waiters.get(e.stage);
        if (w?.task) w.task.output = line.slice(e.stage.length + 2);
      }
    },
    close() {
      for (const s of stages) if (!done.has(s.id)) finish(s.id, "not run");
      void running;
    },
  };
}
