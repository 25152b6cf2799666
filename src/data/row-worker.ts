import { parentPort, workerData } from "node:worker_threads";
import { runTask, TaskScratch, type RowTask, type TaskContext, type TaskResult } from "./row-task.js";

/**
 * A worker thread of the prepare pool (row-pool.ts): runs each task it is sent with the
 * context it was started with, and answers with the result, its buffers transferred.
 */
const context = workerData as TaskContext;
const port = parentPort!;
const scratch = new TaskScratch();

port.on("message", (message: { id: number; task: RowTask }) => {
  runTask(message.task, context, scratch, true).then(
    (result: TaskResult) => port.postMessage({ id: message.id, answer: result }, [result.bytes.buffer, result.fit.buffer, result.lengths.buffer, result.keys.buffer] as ArrayBuffer[]),
    (error: unknown) => port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
