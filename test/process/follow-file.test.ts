import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileFollower } from "../../src/process/follow-file.js";
import { StreamScrubber } from "../../src/process/scrub-stream.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "intern-follow-"));
  dirs.push(d);
  return d;
}

const text = (r: { bytes: Buffer }) => r.bytes.toString("utf8");

describe("following a file by position", () => {
  it("reads only what was added since the last read, and nothing before the file exists", () => {
    const path = join(temp(), "job.log");
    const f = new FileFollower(path);
    expect(f.read()).toEqual({ bytes: Buffer.alloc(0), restarted: false });
    writeFileSync(path, "one\r");
    expect(text(f.read())).toBe("one\r");
    appendFileSync(path, "two\n");
    appendFileSync(path, "thr");
    expect(text(f.read())).toBe("two\nthr");
    expect(text(f.read())).toBe("");
    expect(f.position).toBe(11);
  });

  it("from the end: only what is written from now on", () => {
    const path = join(temp(), "job.log");
    writeFileSync(path, "an earlier attempt's output\n");
    const f = new FileFollower(path, "end");
    appendFileSync(path, "this attempt\n");
    expect(text(f.read())).toBe("this attempt\n");
  });

  it("reads in pieces of at most `max` bytes", () => {
    const path = join(temp(), "job.log");
    writeFileSync(path, "abcdefghij");
    const f = new FileFollower(path);
    expect([text(f.read(4)), text(f.read(4)), text(f.read(4)), text(f.read(4))]).toEqual(["abcd", "efgh", "ij", ""]);
  });

  it("starts again from the beginning when the file was truncated or replaced by other content", () => {
    const dir = temp();
    const path = join(dir, "job.log");
    writeFileSync(path, "attempt 1: a long log\n");
    const f = new FileFollower(path);
    f.read();
    writeFileSync(path, "attempt 2\n");
    expect(f.read()).toEqual({ bytes: Buffer.from("attempt 2\n"), restarted: true });
    // Other content, longer than what was read: the bytes before the position differ.
    writeFileSync(join(dir, "new"), "a new log of another attempt, longer than the first\n");
    renameSync(join(dir, "new"), path);
    expect(f.read()).toEqual({ bytes: Buffer.from("a new log of another attempt, longer than the first\n"), restarted: true });
  });

  it("reads a file renamed over to its end first; a replacement with other content is reported when asked, then read from its start", () => {
    const dir = temp();
    const path = join(dir, "job.log");
    writeFileSync(path, "step 1\r");
    const f = new FileFollower(path, 0, { replaced: "report" });
    expect(text(f.read())).toBe("step 1\r");
    // The job writes its last bytes, then its log is scrubbed (a new file renamed over it).
    appendFileSync(path, "token hf_secret123\n");
    writeFileSync(join(dir, "new"), "step 1\rtoken ***\n");
    renameSync(join(dir, "new"), path);
    expect(f.read()).toEqual({ bytes: Buffer.from("token hf_secret123\n"), restarted: false });
    expect(f.read()).toEqual({ bytes: Buffer.alloc(0), restarted: false, replaced: true });
    expect(f.read().replaced).toBe(true);
    f.restart();
    expect(text(f.read())).toBe("step 1\rtoken ***\n");
    f.close();
  });

  it("reads on when the file was rewritten with the same beginning (a Kubernetes log fetched whole again)", () => {
    const dir = temp();
    const path = join(dir, "job.log");
    writeFileSync(path, "step 1\rstep 2\r");
    const f = new FileFollower(path);
    f.read();
    writeFileSync(join(dir, "new"), "step 1\rstep 2\rstep 3\nintern: Kubernetes Job ml/x failed\n");
    renameSync(join(dir, "new"), path);
    expect(f.read()).toEqual({ bytes: Buffer.from("step 3\nintern: Kubernetes Job ml/x failed\n"), restarted: false });
  });

  it("never opens what is not a regular file (a FIFO would block)", () => {
    const path = join(temp(), "job.log");
    execFileSync("mkfifo", [path]);
    const f = new FileFollower(path);
    expect(f.read()).toEqual({ bytes: Buffer.alloc(0), restarted: false });
  });
});

describe("scrubbing a stream", () => {
  it("replaces a secret split between pieces, and a UTF-8 character split between them", () => {
    const s = new StreamScrubber(["hf_abcdefghijklmnop"]);
    const pieces = [Buffer.from("token hf_abcdefg"), Buffer.from("hijklmnop done █"), Buffer.from([0xe2]), Buffer.from([0x96, 0x88, 0x0a])];
    const out = pieces.map((p) => s.push(p)).join("") + s.end();
    expect(out).toBe("token *** done ██\n");
  });

  it("hands everything over at once when there is no secret", () => {
    const s = new StreamScrubber([]);
    expect(s.push(Buffer.from("step 1\r"))).toBe("step 1\r");
    expect(s.end()).toBe("");
  });
});
