import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline, Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";

/** What a streamed file was, byte for byte: its sha256 (hex) and size, of the bytes on disk. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/**
 * Streams a text file (gzip-compressed when `gzip`) and calls `visit` with each line, without
 * its line break, and its 0-based line number. Memory stays at one chunk plus the longest line.
 * The sha256 is of the bytes on disk, so a compressed file's digest is the .gz file's.
 * A chunk loop rather than node:readline: errors of the file or of gunzip reach the caller as a
 * rejection, and there is no event per line.
 */
export async function forEachLine(path: string, gzip: boolean, visit: (line: string, lineIndex: number) => void): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  let source: AsyncIterable<Buffer>;
  if (gzip) {
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // pipeline destroys every stream with the first error, so the loop below rejects with it.
    source = pipeline(file, tap, createGunzip(), () => {});
  } else {
    source = (async function* () {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    })();
  }
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lineIndex = 0;
  const emit = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    // A byte-order mark at the start of the file is not part of the first record.
    if (lineIndex === 0 && text.charCodeAt(start) === 0xfeff) start++;
    visit(text.slice(start, end), lineIndex++);
  };
  for await (const chunk of source) {
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
  return { sha256: hash.digest("hex"), bytes };
}
