import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readScrubbed, scrubFile } from "../../src/process/scrub-file.js";

const dir = mkdtempSync(join(tmpdir(), "intern-scrub-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = "hf_SECRETtoken1234567890";

describe("scrubbing a log of secrets", () => {
  it("finds a secret that straddles two read chunks, and a longer one that contains a shorter", () => {
    const path = join(dir, "boundary.log");
    // The first secret starts 5 bytes before the 1 MiB chunk boundary; a multi-byte character sits on the next one.
    const pad = "x".repeat((1 << 20) - 5);
    writeFileSync(path, `${pad}${SECRET}\n${"é".repeat(600_000)}MISTRAL-abcdefgh and hf_SECRET\n`);
    scrubFile(path, [SECRET, "MISTRAL-abcdefgh", "hf_SECRET"]);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("SECRET");
    expect(text).not.toContain("MISTRAL-abcdefgh");
    expect(text.startsWith(`${pad}***\n`)).toBe(true);
    expect(text.endsWith(`${"é".repeat(600_000)}*** and ***\n`)).toBe(true);
  });

  it("scrubs a log over 256 MiB, which it once left as it was", () => {
    const path = join(dir, "big.log");
    const block = Buffer.from(`${"step 1 loss 0.5 ".repeat(65_535)}${SECRET}\n`);
    const fd = openSync(path, "w");
    let size = 0;
    while (size < 260 * 1024 * 1024) size += writeSync(fd, block);
    closeSync(fd);
    scrubFile(path, [SECRET]);
    expect(statSync(path).size).toBe(size - (Math.ceil((260 * 1024 * 1024) / block.length) * (SECRET.length - 3)));
    // grep -c counts lines that still hold it: none.
    expect(() => execFileSync("grep", ["-c", SECRET, path])).toThrow();
  }, 120_000);

  it("leaves a file without secrets untouched, and prints a scrubbed copy in pieces of whole characters", () => {
    const path = join(dir, "plain.log");
    writeFileSync(path, `héllo ${SECRET} wörld\n`);
    const before = statSync(path).mtimeMs;
    scrubFile(path, ["not-in-there"]);
    expect(statSync(path).mtimeMs).toBe(before);
    let out = "";
    readScrubbed(path, [SECRET], (t) => (out += t));
    expect(out).toBe("héllo *** wörld\n");
    let raw = "";
    readScrubbed(path, [], (t) => (raw += t));
    expect(raw).toBe(`héllo ${SECRET} wörld\n`);
  });

  it("never opens what is not a regular file (a FIFO left as a log would block)", () => {
    const fifo = join(dir, "fifo.log");
    execFileSync("mkfifo", [fifo]);
    expect(() => scrubFile(fifo, [SECRET])).not.toThrow();
  });
});
