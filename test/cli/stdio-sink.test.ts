import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StdioSink, type Stream } from "../../src/cli/stdio-sink.js";
import { tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TEXTS = ["{\n", "  \"a\": \"\u00e9\u202e\ud83d\ude00\",\n", "x".repeat(200_000), "\n}\n"];

/**
 * Writes TEXTS through a sink on `fd` (closed afterwards), with a stream that records what it is
 * given: how often the stream was made, and the text it got.
 */
function writeThrough(fd: number): { opened: number; streamed: string } {
  const chunks: string[] = [];
  let opened = 0;
  const open = (): Stream => {
    opened++;
    return { write: (c: string | Uint8Array) => chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("utf8")) };
  };
  try {
    const sink = new StdioSink(fd, open);
    for (const t of TEXTS) sink.write(t);
  } finally {
    closeSync(fd);
  }
  return { opened, streamed: chunks.join("") };
}

describe("StdioSink", () => {
  it("writes a regular file straight to its descriptor, never making the stream", () => {
    const file = join(tmp.dir, "out.json");
    expect(writeThrough(openSync(file, "w"))).toEqual({ opened: 0, streamed: "" });
    expect(readFileSync(file, "utf8")).toBe(TEXTS.join(""));
  });

  it("writes a character device (/dev/null) straight, never making the stream", () => {
    expect(writeThrough(openSync("/dev/null", "w"))).toEqual({ opened: 0, streamed: "" });
  });

  it("sends a pipe through the stream, made once", () => {
    const fifo = join(tmp.dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // Read and write, so that opening does not wait for a reader.
    expect(writeThrough(openSync(fifo, constants.O_RDWR))).toEqual({ opened: 1, streamed: TEXTS.join("") });
  });

  it("hands the stream everything from the first write that fails, in order", () => {
    // /dev/full is a character device whose every write fails (ENOSPC).
    if (!existsSync("/dev/full")) return;
    expect(writeThrough(openSync("/dev/full", "w"))).toEqual({ opened: 1, streamed: TEXTS.join("") });
  });

  it("sends a file it cannot write (opened read-only) through the stream, losing nothing", () => {
    // fstat says a file, so the sink tries it; the write fails (EBADF) and the stream takes over.
    const file = join(tmp.dir, "read-only");
    writeFileSync(file, "");
    expect(writeThrough(openSync(file, "r"))).toEqual({ opened: 1, streamed: TEXTS.join("") });
    expect(readFileSync(file, "utf8")).toBe("");
  });
});
