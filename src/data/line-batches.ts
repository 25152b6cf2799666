import { InternalError } from "../errors.js";
import { readFileChunks } from "./read-lines.js";
import { isBlank } from "./row-task.js";

/**
 * Batches of whole JSON Lines lines, as bytes, with the number of their first line. Only the
 * line breaks are looked for here; the text is decoded where it is parsed. A dataset's max_rows
 * cuts the last batch at its last record; the rest of the file is still read, for its digest.
 */
export async function* lineBatches(path: string, limit: number | null, batchBytes: number, onBytes: (bytes: number) => void, digest: Digest): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  const source = readFileChunks(path, onBytes);
  let pieces: Buffer[] = [];
  let size = 0;
  let line = 0;
  let records = 0;
  let full = false;
  /** Counts the lines and records of `batch` (whole lines); cuts it after the record that reaches the limit. */
  const cut = (batch: Buffer, last: boolean): { bytes: Uint8Array; firstLine: number } | null => {
    const firstLine = line;
    let start = 0;
    while (start < batch.length) {
      let end = batch.indexOf(10, start);
      if (end === -1) {
        if (!last) throw new InternalError("a batch must end with a line break");
        end = batch.length;
      }
      const first = batch[start]!;
      // Bytes above 32 but for a UTF-8 lead byte (maybe a BOM or a Unicode space) begin a record.
      const record = end > start && first > 32 && first < 0x80 ? true : !isBlank(batch.toString("utf8", start, end).replace(/^\uFEFF/, line === 0 ? "" : "\uFEFF"));
      line++;
      start = end + 1;
      if (record) {
        records++;
        if (limit !== null && records >= limit) {
          full = true;
          return { bytes: new Uint8Array(batch.subarray(0, Math.min(start, batch.length))), firstLine };
        }
      }
    }
    return batch.length === 0 ? null : { bytes: new Uint8Array(batch), firstLine };
  };
  if (limit === 0) full = true;
  for await (const chunk of source) {
    if (full) continue;
    const nl = chunk.lastIndexOf(10);
    if (nl === -1 || size + nl + 1 < batchBytes) {
      pieces.push(chunk);
      size += chunk.length;
      continue;
    }
    const batch = cut(Buffer.concat([...pieces, chunk.subarray(0, nl + 1)]), false);
    pieces = [chunk.subarray(nl + 1)];
    size = chunk.length - nl - 1;
    if (batch !== null) yield batch;
  }
  if (!full && size > 0) {
    const batch = cut(Buffer.concat(pieces), true);
    if (batch !== null) yield batch;
  }
  Object.assign(digest, source.digest, { records, span: line });
}

/**
 * What reading one file found: its digest and size, the records read, and `span`, the record
 * indices it used (JSON Lines: the lines read, blank ones included; Parquet: the rows read), where
 * the next file of the dataset starts numbering.
 */
export interface Digest {
  sha256: string;
  bytes: number;
  records: number;
  span: number;
}
