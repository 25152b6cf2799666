import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { SpillFile, type RowChunk } from "./spill.js";
import { WorkerCalls } from "./worker-calls.js";

/**
 * Reads chunks of spilled rows for the write phase of data preparation. The rows come in the
 * mixed order, one `pread` each (about 3 us a row on two cores of an AMD EPYC, a fifth of the
 * time of preparing a million rows); on a worker thread those reads run while this thread
 * writes and hashes the chunk before. Inline, a chunk is read when asked for.
 */
export interface RowReader {
  /** Fills `chunk.buffer` with its rows, one after another; resolves with the chunk, its buffers perhaps moved. */
  read(chunk: RowChunk): Promise<RowChunk>;
  close(): Promise<void>;
}

/** The compiled worker beside this module (dist/data/, or dist/bundle/ as an entry of its own); absent when the sources run untranspiled (tests). */
const WORKER_URL = new URL("./spill-worker.js", import.meta.url);

/** Spills smaller than this are read inline: a worker would cost more to start than it saves. */
export const WORKER_SPILL_BYTES = 64 << 20;

/**
 * A worker when the spill is large, there is more than one core and worker threads are not
 * turned off (`threads: 0`, INTERN_PREPARE_THREADS=0); else inline.
 */
export function createRowReader(path: string, spillBytes: number, options: { threads?: number | undefined; workerUrl?: URL | undefined; cores?: number } = {}): RowReader {
  if (options.threads === 0) return inlineReader(path);
  // A worker asked for by its module is used whatever the size (tests).
  if (options.workerUrl !== undefined) return workerReader(path, options.workerUrl);
  const useWorker = spillBytes >= WORKER_SPILL_BYTES && (options.cores ?? availableParallelism()) > 1 && existsSync(fileURLToPath(WORKER_URL));
  return useWorker ? workerReader(path, WORKER_URL) : inlineReader(path);
}

export function inlineReader(path: string): RowReader {
  const file = new SpillFile(path);
  return {
    read: (chunk) => {
      try {
        file.read(chunk);
        return Promise.resolve(chunk);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    close: async () => file.close(),
  };
}

export function workerReader(path: string, url: URL): RowReader {
  const calls = new WorkerCalls<RowChunk>("the spill reader");
  const worker = calls.start(url, { path });
  return {
    async read(chunk) {
      const c = await calls.call(worker, { chunk }, [chunk.buffer.buffer, chunk.offsets.buffer, chunk.lengths.buffer] as ArrayBuffer[]);
      // Structured cloning leaves a Buffer a plain Uint8Array.
      return { ...c, buffer: Buffer.from(c.buffer.buffer, c.buffer.byteOffset, c.buffer.byteLength) };
    },
    async close() {
      await worker.terminate();
    },
  };
}
