import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StdioSink, type Stream } from "../../src/cli/stdio-sink.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), "intern-stdio-sink-"));
  dirs.push(d);
  return d;
}

/** A stream that records what it is given, and how often it was made. */
function recorder(): { open: () => Stream; chunks: string[]; opened: () => number } {
  const chunks: string[] = [];
  let opened = 0;
  return {
    open: () => {
      opened++;
      return { write: (c: string | Uint8Array) => chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("utf8")) };
    },
    chunks,
    opened: () => opened,
  };
}

const TEXTS = ["{\n", "  \"a\": \"\u00e9\u202e\ud83d\ude00\",\n", "x".repeat(200_000), "\n}\n"];

describe("StdioSink", () => {
  it("writes a regular file straight to its descriptor, never making the stream", () => {
    const file = join(folder(), "out.json");
    const fd = openSync(file, "w");
    const r = recorder();
    try {
      const sink = new StdioSink(fd, r.open);
      for (const t of TEXTS) sink.write(t);
    } finally {
      closeSync(fd);
    }
    expect(r.opened()).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(TEXTS.join(""));
  });

  it("writes a character device (/dev/null) straight, never making the stream", () => {
    const fd = openSync("/dev/null", "w");
    const r = recorder();
    try {
      const sink = new StdioSink(fd, r.open);
      for (const t of TEXTS) sink.write(t);
    } finally {
      closeSync(fd);
    }
    expect(r.opened()).toBe(0);
  });

  it("sends a pipe through the stream, made once", () => {
    const fifo = join(folder(), "fifo");
    execFileSync("mkfifo", [fifo]);
    // Read and write, so that opening does not wait for a reader.
    const fd = openSync(fifo, constants.O_RDWR);
    const r = recorder();
    try {
      const sink = new StdioSink(fd, r.open);
      for (const t of TEXTS) sink.write(t);
    } finally {
      closeSync(fd);
    }
    expect(r.opened()).toBe(1);
    expect(r.chunks.join("")).toBe(TEXTS.join(""));
  });

  it("hands the stream everything from the first write that fails, in order", () => {
    // /dev/full is a character device whose every write fails (ENOSPC).
    if (!existsSync("/dev/full")) return;
    const fd = openSync("/dev/full", "w");
    const r = recorder();
    try {
      const sink = new StdioSink(fd, r.open);
      for (const t of TEXTS) sink.write(t);
    } finally {
      closeSync(fd);
    }
    expect(r.opened()).toBe(1);
    expect(r.chunks.join("")).toBe(TEXTS.join(""));
  });

  it("sends a file it cannot write (opened read-only) through the stream, losing nothing", () => {
    // fstat says a file, so the sink tries it; the write fails (EBADF) and the stream takes over.
    const file = join(folder(), "read-only");
    writeFileSync(file, "");
    const fd = openSync(file, "r");
    const r = recorder();
    try {
      const sink = new StdioSink(fd, r.open);
      for (const t of TEXTS) sink.write(t);
    } finally {
      closeSync(fd);
    }
    expect(r.opened()).toBe(1);
    expect(r.chunks.join("")).toBe(TEXTS.join(""));
    expect(readFileSync(file, "utf8")).toBe("");
  });
});
