import { stat } from "node:fs/promises";
import { InternError } from "../errors.js";
import { DecompressError, forEachLine, type FileDigest } from "./read-lines.js";
import { digestFile, forEachParquetRow } from "./read-parquet.js";

export interface RecordSource {
  /** Absolute path of the file. */
  path: string;
  /** The recipe key that names it, e.g. `data.datasets[0].path`, for errors. */
  key: string;
}

export interface ReadOptions {
  /** Columns a row needs (`all`: every one); Parquet decodes only these. JSON Lines always parses whole lines. */
  columns: string[] | "all";
  /** Read at most this many records from the start. */
  limit: number | null;
}

export interface ReadSummary extends FileDigest {
  /** Records read: non-blank lines of JSON Lines, rows of Parquet, at most `limit`. */
  records: number;
}

/**
 * Calls `visit(index, value)` for each record of a local data file: JSON Lines (`.jsonl`, or
 * compressed: `.gz` gzip, `.zst` or `.zstd` zstd) or Parquet (`.parquet`). `index` is the
 * record's 0-based position in the file: for JSON Lines its line number minus one (blank lines
 * are skipped but keep their number), for Parquet its row number. Throws InternError for a
 * missing or unreadable file, one that does not decompress, and a line that is not JSON.
 */
export async function readRecords(source: RecordSource, options: ReadOptions, visit: (index: number, value: unknown) => void): Promise<ReadSummary> {
  await checkFile(source);
  try {
    if (source.path.toLowerCase().endsWith(".parquet")) {
      const records = await forEachParquetRow(source.path, options, visit);
      return { ...(await digestFile(source.path)), records };
    }
    return await readJsonLines(source, options, visit);
  } catch (error) {
    throw asReadError(source, error);
  }
}

async function readJsonLines(source: RecordSource, options: ReadOptions, visit: (index: number, value: unknown) => void): Promise<ReadSummary> {
  const { limit } = options;
  let records = 0;
  const digest = await forEachLine(source.path, (line, index) => {
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
    if (limit !== null && records >= limit) return;
    records++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InternError("INTERN_DATA_INVALID_JSON", `${source.path}:${index + 1}: not valid JSON (${(error as Error).message})`, {
        hint: "a JSON Lines file holds one JSON object per line; fix or remove that line",
      });
    }
    visit(index, value);
  });
  return { ...digest, records };
}

export async function checkFile(source: RecordSource): Promise<void> {
  let info;
  try {
    info = await stat(source.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new InternError("INTERN_DATA_NOT_FOUND", `${source.key}: no such file ${source.path}`, {
        hint: "paths are relative to the recipe's folder; check the name or create the file",
      });
    }
    throw asReadError(source, error);
  }
  if (info.isDirectory()) {
    throw new InternError("INTERN_DATA_UNREADABLE", `${source.key}: ${source.path} is a folder, not a data file`, {
      hint: "name one .jsonl, .jsonl.gz, .jsonl.zst or .parquet file",
    });
  }
}

export function asReadError(source: RecordSource, error: unknown): unknown {
  if (error instanceof InternError) return error;
  if (error instanceof DecompressError) {
    const [ending, tool] = error.compression === "gzip" ? [".gz", "gzip"] : [".zst or .zstd", "zstd"];
    return new InternError("INTERN_DATA_UNREADABLE", `${source.path}: cannot decompress it as ${error.compression} (${error.message})`, {
      hint: `a ${ending} file must hold ${error.compression}-compressed JSON Lines, whole (\`${tool} -t FILE\` checks it): download or compress it again, or name it for what it holds`,
      cause: error,
    });
  }
  const e = error as NodeJS.ErrnoException;
  if (typeof e.code === "string" && e.code.startsWith("E")) {
    return new InternError("INTERN_DATA_UNREADABLE", `${source.path}: cannot read it (${e.code})`, { hint: "check the file's permissions", cause: error });
  }
  if (source.path.toLowerCase().endsWith(".parquet")) {
    return new InternError("INTERN_DATA_UNREADABLE", `${source.key}: cannot read ${source.path} as Parquet (${e.message ?? String(error)})`, {
      hint: "intern reads Parquet pages uncompressed or compressed with snappy, gzip, brotli, zstd or lz4; a damaged or truncated file fails like this too: download it again, or convert it to JSON Lines",
      cause: error,
    });
  }
  return error;
}
