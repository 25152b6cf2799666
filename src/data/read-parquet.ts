import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { FileDigest } from "./read-lines.js";

export interface ParquetReadOptions {
  /** Top-level columns to read; the others are never decoded. Absent ones are left out of rows. */
  columns: string[];
  /** Read at most this many rows from the start. */
  limit: number | null;
  /** Only these row indices, sorted ascending; row groups without one are skipped. */
  only: Uint32Array | null;
}

/** sha256 and size of a file, streamed. */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/**
 * Calls `visit` for each row of a Parquet file, one row group at a time, so memory is bounded by
 * the largest row group, not the file. Returns the number of rows visited or skipped by `only`.
 */
export async function forEachParquetRow(path: string, options: ParquetReadOptions, visit: (rowIndex: number, row: unknown) => void): Promise<number> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const columns = options.columns.filter((c) => present.has(c));
  const total = Number(metadata.num_rows);
  const end = options.limit === null ? total : Math.min(total, options.limit);
  const only = options.only;
  let next = 0;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = Math.min(groupStart + Number(group.num_rows), end);
    if (groupStart >= end) break;
    while (only !== null && next < only.length && only[next]! < groupStart) next++;
    const wanted = only === null || (next < only.length && only[next]! < groupEnd);
    if (wanted) {
      // With no requested column present, read rows as empty objects: every one is then
      // reported as missing its column, not silently dropped.
      const rows: unknown[] =
        columns.length === 0
          ? Array.from({ length: groupEnd - groupStart }, () => ({}))
          : await parquetReadObjects({ file, metadata, columns, rowStart: groupStart, rowEnd: groupEnd });
      for (let i = 0; i < rows.length; i++) {
        const index = groupStart + i;
        if (only !== null) {
          if (next >= only.length || only[next] !== index) continue;
          next++;
        }
        visit(index, rows[i]);
      }
    }
    groupStart = groupEnd;
  }
  return end;
}
