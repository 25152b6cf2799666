/**
 * Buffer's own `utf8Write` and `latin1Write`: `buf.write(text, at, encoding)` first sorts out its
 * optional arguments, about 150 ns a call, which in the per-row loops was a sixth of the time of
 * normalising a turn. Each writes `text` at `at` (room checked by the caller) and returns the
 * bytes written; where a Node lacks them, `write` does the same.
 */
interface OwnWriters {
  utf8Write?(text: string, at: number): number;
  latin1Write?(text: string, at: number): number;
}

const proto = Buffer.prototype as OwnWriters;

export const utf8Write: (buffer: Buffer, text: string, at: number) => number =
  typeof proto.utf8Write === "function"
    ? (buffer, text, at) => (buffer as OwnWriters).utf8Write!(text, at)
    : (buffer, text, at) => buffer.write(text, at, "utf8");

export const latin1Write: (buffer: Buffer, text: string, at: number) => number =
  typeof proto.latin1Write === "function"
    ? (buffer, text, at) => (buffer as OwnWriters).latin1Write!(text, at)
    : (buffer, text, at) => buffer.write(text, at, "latin1");
