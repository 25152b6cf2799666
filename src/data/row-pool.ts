import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import { closeParquetFiles, runTask, TaskScratch, type RowTask, type TaskContext, type TaskResult } from "./row-task.js";
import { WorkerCalls } from "./worker-calls.js";

/**
 * The compiled worker beside this module (dist/data/, or dist/bundle/ where the bundle has it as
 * an entry of its own); absent when the sources run untranspiled (tests).
 */
const WORKER_URL = new URL("./row-worker.js", import.meta.url);

export interface PoolOptions {
  /** Worker threads; 0 runs every task on the calling thread. Default: see defaultThreads. */
  threads?: number;
  /** The worker's module, for tests that run from the sources: the compiled dist/data/row-worker.js. */
  workerUrl?: URL;
  /**
   * The spill reader's worker module (spill-reader.ts), for tests that run from the sources: the
   * compiled dist/data/spill-worker.js. Given, the write phase reads on it whatever the spill's size.
   */
  readerUrl?: URL;
}

/**
 * Runs row tasks on worker threads, or inline; `run` resolves with each task's result. A task's
 * bytes are read when `run` is called (copied to a worker, or worked through on this thread), so
 * the caller may reuse them once it returns.
 */
export interface RowPool {
  /**
   * How many tasks may be in flight at once for the pool to stay busy. Inline it is 1: a result's
   * rows and keys are views of the pool's scratch, which the next task writes over, so each result
   * is consumed before the next task runs.
   */
  readonly width: number;
  run(task: RowTask): Promise<TaskResult>;
  close(): Promise<void>;
}

/** Inputs smaller than this run on the calling thread: starting workers would cost more than they save. */
export const INLINE_BYTES = 8 << 20;

/**
 * One worker a core but one, which reads, spills and writes, and never fewer than two: the
 * calling thread mostly waits on the workers, so on two cores two workers keep both busy (1M rows
 * on 2 cores, test/bench/prepare.js: two workers about 0.65x the time of none, one 0.85x). A
 * single core runs the work on the calling thread.
 */
export function defaultThreads(totalBytes: number, cores = availableParallelism()): number {
  return totalBytes < INLINE_BYTES || cores <= 1 ? 0 : Math.max(2, cores - 1);
}

/** `context`: what the tasks share (worker threads get a copy, its SharedArrayBuffers shared). */
export function createPool(context: TaskContext, options: PoolOptions & { totalBytes: number }): RowPool {
  const url = options.workerUrl ?? WORKER_URL;
  const threads = options.threads ?? defaultThreads(options.totalBytes);
  if (threads === 0) return inlinePool(context);
  if (!existsSync(fileURLToPath(url))) {
    // Threads asked for must not quietly become none; by default the sources run inline.
    if (options.threads !== undefined) throw new Error(`the row worker ${fileURLToPath(url)} is missing; rebuild intern (npm run build)`);
    return inlinePool(context);
  }
  return workerPool(context, url, threads);
}

function inlinePool(context: TaskContext): RowPool {
  const scratch = new TaskScratch();
  return {
    width: 1,
    run: (task) => runTask(task, context, scratch, false),
    close: async () => closeParquetFiles(),
  };
}

interface Slot {
  worker: Worker;
  busy: number;
}

function workerPool(context: TaskContext, url: URL, threads: number): RowPool {
  const calls = new WorkerCalls<TaskResult>("a data preparation worker");
  const slots: Slot[] = [];
  for (let i = 0; i < threads; i++) {
    const worker = calls.start(url, context, () => slots[i]!.busy--);
    slots.push({ worker, busy: 0 });
  }
  return {
    // Two tasks a worker: one running, one waiting, so no worker idles while the reader reads.
    width: threads * 2,
    run(task) {
      const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      slot.busy++;
      if (task.kind !== "lines") return calls.call(slot.worker, { task });
      // The lines are a view of the reader's buffer: one copy of them is transferred (not
      // Buffer's slice, which is a view).
      const bytes = new Uint8Array(task.bytes);
      return calls.call(slot.worker, { task: { ...task, bytes } }, [bytes.buffer]);
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
