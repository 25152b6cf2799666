import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";

/** Bytes just before the position, compared at each read: they tell a file that grew from one rewritten. */
const ANCHOR = 64;
/** At most this much a read: a long log already there is read over several. */
const MAX_READ = 8 * 1024 * 1024;

export interface FollowedBytes {
  bytes: Buffer;
  /** The file was truncated or rewritten in place, or replaced by other content: reading began again at its start. */
  restarted: boolean;
  /**
   * With `replaced: "report"`: another file with other content took the path, and the one followed
   * was read to its end. Nothing more is read until `restart()` moves on to the new one.
   */
  replaced?: boolean;
}

/**
 * Follows a file that another process writes (a job's log), by position: each `read` returns the
 * bytes added since the last one. The file stays open, so one that is renamed over (a log scrubbed
 * of secrets at the end of its job, a Kubernetes log fetched anew) is read to its end first. A
 * replacement that begins with what was read is followed on from the same position; other content
 * (a new attempt's log) is read from its start, or reported. A file truncated or rewritten in
 * place (Slurm starting a new attempt's log) is read again from its start. A path that is not a
 * regular file is never opened (a FIFO would block).
 */
export class FileFollower {
  private pos: number;
  private anchor: Buffer | null = null;
  private fd: number | null = null;
  private id: string | null = null;
  private stopped = false;

  /** `from`: a byte position, or `end` to follow only what is written from now on. */
  constructor(
    readonly path: string,
    from: number | "end" = 0,
    private readonly options: { replaced?: "restart" | "report" } = {},
  ) {
    this.pos = from === "end" ? (this.regular()?.size ?? 0) : from;
  }

  get position(): number {
    return this.pos;
  }

  private regular(): { size: number; id: string } | null {
    try {
      const st = statSync(this.path);
      return st.isFile() ? { size: st.size, id: `${st.dev}:${st.ino}` } : null;
    } catch {
      return null;
    }
  }

  private open(): number | null {
    if (this.regular() === null) return null;
    try {
      const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
      const st = fstatSync(fd);
      if (!st.isFile()) {
        closeSync(fd);
        return null;
      }
      this.id = `${st.dev}:${st.ino}`;
      return fd;
    } catch {
      return null;
    }
  }

  /** The bytes before `pos` in `fd`, or null when the file is shorter. */
  private before(fd: number, pos: number): Buffer | null {
    const from = Math.max(0, pos - ANCHOR);
    const buf = Buffer.alloc(pos - from);
    return readSync(fd, buf, 0, buf.length, from) === buf.length ? buf : null;
  }

  /** What was added since the last read. */
  read(max = MAX_READ): FollowedBytes {
    if (this.stopped) return { bytes: Buffer.alloc(0), restarted: false, replaced: true };
    if (this.fd === null) this.fd = this.open();
    if (this.fd === null) return { bytes: Buffer.alloc(0), restarted: false };
    let restarted = false;
    if (this.pos > 0) {
      const before = fstatSync(this.fd).size >= this.pos ? this.before(this.fd, this.pos) : null;
      if (before === null || (this.anchor !== null && !before.equals(this.anchor))) {
        this.pos = 0;
        restarted = true;
      }
      this.anchor = before;
    }
    const len = Math.min(max, fstatSync(this.fd).size - this.pos);
    if (len > 0) {
      const bytes = Buffer.alloc(len);
      const n = readSync(this.fd, bytes, 0, len, this.pos);
      this.pos += n;
      this.anchor = this.pos > 0 ? this.before(this.fd, this.pos) : null;
      return { bytes: bytes.subarray(0, n), restarted };
    }
    // Read to its end: has another file taken its path?
    const now = this.regular();
    if (now === null || now.id === this.id) return { bytes: Buffer.alloc(0), restarted };
    const next = this.open();
    if (next === null) return { bytes: Buffer.alloc(0), restarted };
    const same = this.pos === 0 || (this.anchor !== null && this.before(next, this.pos)?.equals(this.anchor) === true);
    if (!same && this.options.replaced === "report") {
      closeSync(next);
      this.stopped = true;
      return { bytes: Buffer.alloc(0), restarted, replaced: true };
    }
    closeSync(this.fd);
    this.fd = next;
    if (!same) {
      this.pos = 0;
      this.anchor = null;
    }
    const more = this.read(max);
    return { ...more, restarted: restarted || !same || more.restarted };
  }

  /** After a reported replacement: follows the file now at the path, from its start. */
  restart(): void {
    this.close();
    this.stopped = false;
    this.pos = 0;
    this.anchor = null;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.id = null;
  }
}
