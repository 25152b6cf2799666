import { InternalError } from "../errors.js";
import { readFileChunks } from "./read-lines.js";
import { isBlank } from "./row-task.js";

/** Bytes a batch may need beyond `batchBytes` before it is cut: one read of the file. */
const READ_SLACK = 1 << 20;

/**
 * Batches of whole JSON Lines lines, as bytes, with the number of their first line. Only the
 * line breaks are looked for here; the text is decoded where it is parsed. A dataset's max_rows
 * cuts the last batch at its last record; the rest of the file is still read, for its digest.
 *
 * Every batch is a view of one buffer that the next batch reuses: a batch's bytes are valid only
 * until the generator is resumed. A buffer a batch, dropped after use, lived long enough to reach
 * the old generation of the heap and waited there for a full collection: at 10M rows that was
 * 50-190 MB of dead batches.
 */
export async function* lineBatches(path: string, limit: number | null, batchBytes: number, onBytes: (bytes: number) => void, digest: Digest): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  const source = readFileChunks(path, onBytes);
  let buffer = Buffer.allocUnsafeSlow(batchBytes + READ_SLACK);
  /** Bytes of `buffer` in use: the lines read and not yet handed out. */
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
          return { bytes: batch.subarray(0, Math.min(start, batch.length)), firstLine };
        }
      }
    }
    return batch.length === 0 ? null : { bytes: batch, firstLine };
  };
  if (limit === 0) full = true;
  for await (const chunk of source) {
    if (full) continue;
    if (size + chunk.length > buffer.length) {
      // A line longer than a batch: the buffer grows to hold it.
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * buffer.length, size + chunk.length));
      buffer.copy(grown, 0, 0, size);
      buffer = grown;
    }
    chunk.copy(buffer, size);
    size += chunk.length;
    if (size < batchBytes) continue;
    const end = buffer.lastIndexOf(10, size - 1) + 1;
    if (end === 0) continue;
    const batch = cut(buffer.subarray(0, end), false);
    if (batch !== null) yield batch;
    // The consumer is done with the batch: the lines after it move to the front.
    buffer.copyWithin(0, end, size);
    size -= end;
  }
  if (!full && size > 0) {
    const batch = cut(buffer.subarray(0, size), true);
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
