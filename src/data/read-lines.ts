import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

/** What a streamed file was, byte for byte: its sha256 (hex) and size, of the bytes on disk. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** How a data file is compressed, by its name: `.gz` gzip, `.zst` or `.zstd` zstd, else not at all. */
export type Compression = "gzip" | "zstd" | null;

export function compressionOf(path: string): Compression {
  const lower = path.toLowerCase();
  return lower.endsWith(".gz") ? "gzip" : lower.endsWith(".zst") || lower.endsWith(".zstd") ? "zstd" : null;
}

/** A file whose name says it is compressed holds something else, or is damaged or cut short. */
export class DecompressError extends Error {
  constructor(
    readonly compression: "gzip" | "zstd",
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "DecompressError";
  }
}

/**
 * A file's contents, decompressed, chunk by chunk; `digest` is complete once the iteration has
 * ended. A chunk is valid only until the iteration goes on: an uncompressed file is read into one
 * buffer, again and again.
 */
export interface FileChunks extends AsyncIterable<Buffer> {
  readonly digest: FileDigest;
}

/** On-disk bytes read at a time. */
const READ_BYTES = 1 << 20;

/**
 * Streams a data file, decompressed by its name (see compressionOf), in chunks of at most about
 * 1 MiB, so memory does not grow with the file. On the way it hashes the bytes on disk (so a
 * compressed file's digest is the compressed file's) and calls `onBytes` with each on-disk
 * chunk's size. File errors reach the caller as they are (ENOENT, EACCES, ...); a file that
 * cannot be decompressed as its name says, as a DecompressError. zstd is fzstd's decoder (pure
 * JavaScript: Node 20's zlib has no zstd); it takes files of several frames, as `cat a.zst b.zst`.
 */
export function readFileChunks(path: string, onBytes?: (bytes: number) => void): FileChunks {
  const digest: FileDigest = { sha256: "", bytes: 0 };
  const compression = compressionOf(path);
  return {
    digest,
    async *[Symbol.asyncIterator]() {
      const hash = createHash("sha256");
      let bytes = 0;
      const seen = (chunk: Buffer): Buffer => {
        hash.update(chunk);
        bytes += chunk.length;
        onBytes?.(chunk.length);
        return chunk;
      };
      if (compression === null) {
        // Two buffers for every read, taken in turn: the next read runs while the caller works
        // on the chunk just read (else the thread waited for each read, a second in 30 at 1M
        // rows). A buffer a read, dropped after use, outlived the young generation while the
        // stream held it and waited for a full collection.
        const file = await open(path, "r");
        const buffers = [Buffer.allocUnsafeSlow(READ_BYTES), Buffer.allocUnsafeSlow(READ_BYTES)];
        let next = 0;
        let pending: Promise<{ bytesRead: number }> | null = file.read(buffers[0]!, 0, READ_BYTES, null);
        try {
          for (;;) {
            const n = (await pending).bytesRead;
            pending = null;
            if (n === 0) break;
            const chunk = buffers[next]!.subarray(0, n);
            next ^= 1;
            pending = file.read(buffers[next]!, 0, READ_BYTES, null);
            yield seen(chunk);
          }
        } finally {
          // A caller that stops early leaves a read running: it ends before the file closes.
          await pending?.catch(() => undefined);
          await file.close();
        }
      } else {
        // The decompressors hold on to what they are given: a buffer a read.
        const file = createReadStream(path, { highWaterMark: READ_BYTES });
        const raw = async function* (): AsyncGenerator<Buffer> {
          for await (const chunk of file as AsyncIterable<Buffer>) yield seen(chunk);
        };
        try {
          yield* compression === "gzip" ? gunzip(raw()) : unzstd(raw());
        } finally {
          // Also when the caller stops early or fails.
          file.destroy();
        }
      }
      digest.sha256 = hash.digest("hex");
      digest.bytes = bytes;
    },
  };
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // pipeline destroys every stream with the first error, so the loop below rejects with it.
  const output: AsyncIterable<Buffer> = pipeline(source, createGunzip(), () => {});
  try {
    yield* output;
  } catch (error) {
    // zlib's errors carry a Z_ code (Z_DATA_ERROR, Z_BUF_ERROR for a file cut short); the file's own, an E one.
    const code = (error as NodeJS.ErrnoException).code;
    throw typeof code === "string" && code.startsWith("Z_") ? new DecompressError("gzip", error) : error;
  }
}

const ZSTD_PIECE = 16 << 10;

async function* unzstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const ready: Uint8Array[] = [];
  // Each block arrives in memory of its own (at most 128 KiB), so it can be held without a copy.
  const decoder = new Decompress((data) => {
    if (data.length > 0) ready.push(data);
  });
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decoder.push(chunk, final);
    } catch (error) {
      throw new DecompressError("zstd", error);
    }
  };
  const drain = function* (): Generator<Buffer> {
    for (const data of ready.splice(0)) yield Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  };
  for await (const chunk of source) {
    // fzstd goes one call deeper for each frame that ends within a push: pieces of 16 KiB hold
    // at most about 2,000 of the smallest frames, well within the stack, where a 1 MiB chunk
    // of a file written a frame per line could overflow it. A block that spans pieces is joined
    // once, when it is whole.
    for (let at = 0; at < chunk.length; at += ZSTD_PIECE) push(chunk.subarray(at, at + ZSTD_PIECE), false);
    yield* drain();
  }
  // Fails with "unexpected EOF" when the last frame is cut short.
  push(new Uint8Array(0), true);
  yield* drain();
}

/**
 * Streams a text file (decompressed by its name, see readFileChunks) and calls `visit` with each
 * line, without its line break, and its 0-based line number. Memory stays at one chunk plus the
 * longest line. A chunk loop rather than node:readline: errors of the file or of the
 * decompression reach the caller as a rejection, and there is no event per line.
 */
export async function forEachLine(path: string, visit: (line: string, lineIndex: number) => void): Promise<FileDigest> {
  const chunks = readFileChunks(path);
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lineIndex = 0;
  const emit = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    // A byte-order mark at the start of the file is not part of the first record.
    if (lineIndex === 0 && text.charCodeAt(start) === 0xfeff) start++;
    visit(text.slice(start, end), lineIndex++);
  };
  for await (const chunk of chunks) {
    const text = carry + decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf("\n", start)) !== -1) {
      emit(text, start, nl);
      start = nl + 1;
    }
    carry = start === 0 ? text : text.slice(start);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) emit(rest, 0, rest.length);
  return { ...chunks.digest };
}
