import { fstatSync, writeSync } from "node:fs";

/** What a sink hands on to when it cannot write straight to its descriptor: process.stdout, say. */
export interface Stream {
  write(chunk: string | Uint8Array): unknown;
}

/**
 * stdout or stderr for the commands that print and exit (`validate`, `plan`, `graph`, `schema`),
 * without Node's stream where the descriptor does not need one. Making `process.stdout` loads
 * Node's stream modules, a few milliseconds of a start that is itself about 40; and each piece of
 * megabytes of JSON written through it becomes a Buffer of its own (a 9.5 MB plan into a file:
 * 84 against 116-164 ms).
 *
 * A regular file or a character device (a terminal, which blocks on write, or /dev/null) with
 * nothing written through the stream yet is written with `fs.writeSync`. A pipe or a socket may
 * refuse a write when full, so it, and whatever follows a write that failed or fell short, goes
 * through the stream `open()` makes on first need, which queues and reports its errors (EPIPE)
 * as ever. Output keeps its order: once the stream is in use, everything goes through it.
 */
export class StdioSink {
  /** Null until the first write decides. */
  private direct: boolean | null = null;
  private stream: Stream | null = null;

  constructor(
    readonly fd: number,
    private readonly open: () => Stream,
  ) {}

  write(text: string): boolean {
    if (this.stream === null && (this.direct ??= writesDirectly(this.fd))) {
      let written: number;
      try {
        written = writeSync(this.fd, text);
      } catch {
        // Nothing was written (EAGAIN from a descriptor someone made non-blocking, say).
        this.direct = false;
        this.toStream().write(text);
        return true;
      }
      if (written < Buffer.byteLength(text)) {
        this.direct = false;
        this.toStream().write(Buffer.from(text).subarray(written));
      }
      return true;
    }
    this.toStream().write(text);
    return true;
  }

  private toStream(): Stream {
    return (this.stream ??= this.open());
  }
}

function writesDirectly(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}
