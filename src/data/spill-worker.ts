import { parentPort, workerData } from "node:worker_threads";
import { SpillFile, type RowChunk } from "./spill.js";

/** The spill reader's worker thread (spill-reader.ts): fills each chunk it is sent and sends it back. */
const file = new SpillFile((workerData as { path: string }).path);
const port = parentPort!;

port.on("message", (message: { id: number; chunk: RowChunk }) => {
  try {
    // Structured cloning leaves a Buffer a plain Uint8Array.
    const c = message.chunk;
    c.buffer = Buffer.from(c.buffer.buffer, c.buffer.byteOffset, c.buffer.byteLength);
    file.read(c);
    port.postMessage({ id: message.id, answer: c }, [c.buffer.buffer, c.offsets.buffer, c.lengths.buffer] as ArrayBuffer[]);
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
