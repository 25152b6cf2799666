import { fstatSync, writeSync } from "node:fs";

/** Where a command's text goes: a stream, as `process.stdout` is, or anything with a write. */
export interface Sink {
  write(chunk: string | Uint8Array): unknown;
  /** The descriptor under a stdio stream (`process.stdout.fd`). */
  fd?: number;
  /** What the stream holds that is not written yet. */
  writableLength?: number;
}

/**
 * How text reaches the sink. A stdio stream on a regular file or a character device (a terminal,
 * which Node makes blocking, or /dev/null) with nothing queued is written with `fs.writeSync` on
 * its descriptor: through the stream, each piece of megabytes of JSON would become a Buffer of its
 * own and cost more than the writing (a 9.5 MB plan into a file: 84 against 116-164 ms). A pipe or
 * a socket may refuse a write when full, so it, any other sink, and whatever follows a write that
 * failed or fell short go through the stream, which queues and reports its errors (EPIPE) as ever.
 * The descriptor is looked at on the first write.
 */
export function textWriter(sink: Sink): (text: string) => void {
  let fd: number | null | undefined;
  return (text) => {
    if (fd === undefined) fd = directFd(sink);
    if (fd !== null) {
      try {
        const written = writeSync(fd, text);
        if (written === Buffer.byteLength(text)) return;
        fd = null;
        sink.write(Buffer.from(text).subarray(written));
        return;
      } catch {
        fd = null;
      }
    }
    sink.write(text);
  };
}

function directFd(sink: Sink): number | null {
  if (typeof sink.fd !== "number" || sink.writableLength !== 0) return null;
  try {
    const stat = fstatSync(sink.fd);
    return stat.isFile() || stat.isCharacterDevice() ? sink.fd : null;
  } catch {
    return null;
  }
}

/**
 * stdout or stderr (descriptor `fd`) for a command that only writes text, with the stream made
 * by `open` only when a write needs it. Node builds `process.stdout` on first touch, and for a
 * file, a terminal or /dev/null that loads its stream modules: about 4 ms of the 40 that
 * `intern validate` adds to Node's own start. Text to a regular file or a character device is
 * written as `textWriter` writes it; a pipe or a socket, a short or failed write, and any bytes
 * go through the stream, as they always did.
 */
export function lazyStdio(fd: number, open: () => Sink): Sink & { readonly isTTY: boolean | undefined } {
  let stream: Sink | null = null;
  const opened = (): Sink => (stream ??= open());
  const write = textWriter({ fd, writableLength: 0, write: (chunk) => opened().write(chunk) });
  return {
    fd,
    get writableLength() {
      return stream?.writableLength ?? 0;
    },
    get isTTY() {
      return (opened() as { isTTY?: boolean }).isTTY;
    },
    write(chunk) {
      if (typeof chunk === "string") write(chunk);
      else opened().write(chunk);
      return true;
    },
  };
}
