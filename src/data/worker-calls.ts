import { Worker } from "node:worker_threads";

/**
 * Calls to worker threads that answer each message by its id, `{ id, answer }` or `{ id, error }`
 * (row-worker.ts, spill-worker.ts): the first failure of any worker, or one stopping with calls
 * unanswered, rejects every call waiting and every call after.
 */
export class WorkerCalls<A> {
  private readonly waiting = new Map<number, { resolve: (answer: A) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | null = null;

  /** `name` says which worker in the error when one stops: "a data preparation worker". */
  constructor(private readonly name: string) {}

  /** Starts a worker on `url`; `answered` is told of each of its answers. */
  start(url: URL, workerData: unknown, answered?: () => void): Worker {
    // --input-type applies to `node -e` only, and a worker refuses it.
    const worker = new Worker(url, { workerData, execArgv: process.execArgv.filter((a) => !a.startsWith("--input-type")) });
    worker.on("message", (message: { id: number; answer?: A; error?: string }) => {
      answered?.();
      const w = this.waiting.get(message.id);
      if (w === undefined) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) w.reject(new Error(message.error));
      else w.resolve(message.answer!);
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => {
      if (this.waiting.size > 0) this.fail(new Error(`${this.name} stopped (exit code ${code})`));
    });
    return worker;
  }

  /** Sends `message` with an id to `worker`, moving `transfer`, and resolves with its answer. */
  call(worker: Worker, message: object, transfer: ArrayBuffer[] = []): Promise<A> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<A>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}
