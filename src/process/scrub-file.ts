import { StringDecoder } from "node:string_decoder";
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";

const CHUNK = 1 << 20;
const STARS = Buffer.from("***");

/**
 * Streams a file through `onPiece` with every secret replaced by `***`: read a chunk at a time,
 * with the last (longest secret - 1) bytes carried into the next chunk so a secret that straddles
 * two chunks is still found. Works on bytes, so a chunk that ends inside a UTF-8 character is no
 * matter. Returns whether any secret was found.
 */
function streamScrubbed(path: string, needles: readonly Buffer[], onPiece: ((piece: Buffer) => void) | null): boolean {
  const keep = Math.max(...needles.map((n) => n.length)) - 1;
  const fd = openSync(path, "r");
  let carry = Buffer.alloc(0);
  let found = false;
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, chunk, 0, CHUNK, null);
      const eof = n === 0;
      const buf = carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
      // A match starting before `limit` lies wholly inside `buf`; later ones wait for the next chunk.
      const limit = eof ? buf.length : Math.max(0, buf.length - keep);
      let pos = 0;
      for (;;) {
        let at = -1;
        let len = 0;
        for (const needle of needles) {
          const j = buf.indexOf(needle, pos);
          if (j >= 0 && j < limit && (at < 0 || j < at || (j === at && needle.length > len))) (at = j), (len = needle.length);
        }
        if (at < 0) break;
        found = true;
        onPiece?.(buf.subarray(pos, at));
        onPiece?.(STARS);
        pos = at + len;
      }
      const cut = Math.max(pos, limit);
      onPiece?.(buf.subarray(pos, cut));
      carry = Buffer.from(buf.subarray(cut));
      if (eof) return found;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's text with every secret replaced, handed over a piece at a time (whole characters),
 * whatever the file's size: what `intern logs` prints of a log a running job is still writing.
 */
export function readScrubbed(path: string, secrets: readonly string[], onText: (text: string) => void): void {
  const needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s));
  const decoder = new StringDecoder("utf8");
  if (needles.length === 0) needles.push(Buffer.from("\u0000intern-no-secret\u0000"));
  streamScrubbed(path, needles, (piece) => {
    const text = decoder.write(piece);
    if (text !== "") onText(text);
  });
  const rest = decoder.end();
  if (rest !== "") onText(rest);
}

/**
 * Replaces secret values in a file that a job or command wrote (its log), whatever its size: a
 * recipe's command that prints HF_TOKEN must not leave it on disk. Read once to look; rewritten
 * (to a temporary file, then renamed over it) only when a secret is there. Not a regular file
 * (a FIFO a hostile command left as its log): left alone, never opened.
 */
export function scrubFile(path: string, secrets: readonly string[]): void {
  const needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s));
  if (needles.length === 0 || !existsSync(path) || !statSync(path).isFile()) return;
  if (!streamScrubbed(path, needles, null)) return;
  const tmp = `${path}.scrubbing`;
  const out = openSync(tmp, "w");
  try {
    streamScrubbed(path, needles, (piece) => {
      for (let off = 0; off < piece.length; ) off += writeSync(out, piece, off);
    });
  } catch (error) {
    closeSync(out);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(out);
  renameSync(tmp, path);
}
