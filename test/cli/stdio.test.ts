import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lazyStdio } from "../../src/cli/stdio.js";

const dir = mkdtempSync(join(tmpdir(), "intern-stdio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for process.stdout: what it was asked to write, and how often it was made. */
function stream() {
  const chunks: string[] = [];
  let made = 0;
  const open = () => {
    made += 1;
    return { writableLength: 0, isTTY: false, write: (c: string | Uint8Array) => chunks.push(typeof c === "string" ? c : `bytes:${Buffer.from(c).toString("utf8")}`) };
  };
  return { open, chunks, made: () => made };
}

describe("lazyStdio", () => {
  it("writes text to a file's descriptor and never makes the stream", () => {
    const file = join(dir, "out.txt");
    const fd = openSync(file, "w");
    const s = stream();
    try {
      const sink = lazyStdio(fd, s.open);
      sink.write("valid\n");
      sink.write("é and more\n");
      expect(sink.writableLength).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, "utf8")).toBe("valid\né and more\n");
    expect(s.made()).toBe(0);
  });

  it("makes the stream once, for a descriptor it cannot write to itself, and for bytes", () => {
    const s = stream();
    // -1 is no descriptor: as for a pipe, everything goes through the stream, in order.
    const sink = lazyStdio(-1, s.open);
    expect(s.made()).toBe(0);
    sink.write("a");
    sink.write(Buffer.from("b"));
    sink.write("c");
    expect(s.chunks).toEqual(["a", "bytes:b", "c"]);
    expect(s.made()).toBe(1);
    expect(sink.isTTY).toBe(false);
  });

  it("goes on through the stream after a write to the descriptor fails", () => {
    const file = join(dir, "read-only.txt");
    closeSync(openSync(file, "w"));
    const fd = openSync(file, "r");
    const s = stream();
    try {
      const sink = lazyStdio(fd, s.open);
      sink.write("first\n");
      sink.write("second\n");
    } finally {
      closeSync(fd);
    }
    expect(s.chunks).toEqual(["first\n", "second\n"]);
    expect(s.made()).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("");
  });
});
