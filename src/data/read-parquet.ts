import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { PARQUET_CODECS } from "./parquet-codecs.js";
import type { FileDigest } from "./read-lines.js";

export interface ParquetReadOptions {
  /** Top-level columns to read (`all`: every one); the others are never decoded. Absent ones are left out of rows. */
  columns: string[] | "all";
  /** Read at most this many rows from the start. */
  limit: number | null;
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
 * the largest row group, not the file. Returns the number of rows visited.
 */
export async function forEachParquetRow(path: string, options: ParquetReadOptions, visit: (rowIndex: number, row: unknown) => void): Promise<number> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const columns = options.columns === "all" ? [...present] : options.columns.filter((c) => present.has(c));
  const total = Number(metadata.num_rows);
  const end = options.limit === null ? total : Math.min(total, options.limit);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = Math.min(groupStart + Number(group.num_rows), end);
    if (groupStart >= end) break;
    // With no requested column present, read rows as empty objects: every one is then
    // reported as missing its column, not silently dropped.
    const rows: unknown[] =
      columns.length === 0
        ? Array.from({ length: groupEnd - groupStart }, () => ({}))
        : await parquetReadObjects({ file, metadata, columns, rowStart: groupStart, rowEnd: groupEnd, compressors: PARQUET_CODECS });
    for (let i = 0; i < rows.length; i++) visit(groupStart + i, rows[i]);
    groupStart = groupEnd;
  }
  return end;
}
