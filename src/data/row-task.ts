import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from "hyparquet";
import type { PinnedDataset } from "../recipe/types.js";
import type { NgramIndex } from "./decontaminate.js";
import { isMisfit, mapRow, preparedRow, turnsOf, type MisfitReason } from "./map-row.js";
import type { MisfitSample } from "./manifest.js";
import { JsonBytes } from "./json-bytes.js";
import { PARQUET_CODECS } from "./parquet-codecs.js";
import { checkTurns } from "./row-text.js";
import { latin1Write } from "./buffer-writes.js";

/**
 * One unit of the per-row work of data preparation, the same whether it runs in a worker thread
 * or on the main thread: parse, map to TRL's conversational (or text) format, normalise, hash for dedupe,
 * look for benchmark n-grams and render the output line. Pure but for reading a Parquet row group.
 */

/** What every task of one run shares: sent once to each worker. */
export interface TaskContext {
  dedupe: boolean;
  /** Null when decontamination is off or skipped. Worker threads get the shared form, not a copy each. */
  index: NgramIndex | null;
  threshold: number;
}

/** The part of a dataset the mapping needs. */
export type RowMapping = Pick<PinnedDataset, "format" | "columns">;

export type RowTask =
  /**
   * JSON Lines: whole lines as UTF-8 (each ending with a line break but perhaps the file's last),
   * the first of them line `firstLine` (0-based) of the file. Blank lines are skipped but keep
   * their number.
   */
  | { kind: "lines"; mapping: RowMapping; bytes: Uint8Array; firstLine: number }
  /** Parquet: rows rowStart..rowEnd-1 (one row group, clipped by a limit), only `columns`. */
  | { kind: "parquet"; mapping: RowMapping; path: string; columns: string[]; rowStart: number; rowEnd: number };

/** Samples of misfits a task returns: the first few of its rows, enough for the manifest's first few. */
export const TASK_SAMPLES = 5;
const PREVIEW_CHARS = 200;

export interface TaskResult {
  /** Record indices of the rows that fit, ascending. */
  fit: Uint32Array;
  /** The fitting rows' output lines, each `{"messages": [...]}` (or `{"text": ...}`) and a line break, UTF-8. */
  bytes: Uint8Array;
  /** Byte length of each fitting row's line, line break included. */
  lengths: Uint32Array;
  /** 32 bytes a fitting row: sha256 of its roles and normalised turns (empty when dedupe is off). */
  keys: Uint8Array;
  /** Fitting rows (positions in `fit`) that share at least `threshold` n-grams with a benchmark item. */
  matches: { at: number; item: number; shared: number; ngram: string }[];
  byReason: Partial<Record<MisfitReason, number>>;
  samples: MisfitSample[];
  /** The first line that is not JSON: the task stops there. */
  invalid: { index: number; message: string } | null;
}

/** A line that holds no record: empty or only whitespace. */
export function isBlank(line: string): boolean {
  return line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "");
}

function preview(row: unknown): string {
  // Parquet integers arrive as bigint, which JSON.stringify refuses.
  const json = JSON.stringify(row, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)) ?? String(row);
  return json.length > PREVIEW_CHARS ? json.slice(0, PREVIEW_CHARS) + "..." : json;
}

/**
 * The buffers a run of tasks writes its rows and keys into, reused from task to task (they grow
 * to the largest task's): a result's `bytes` and `keys` are views of them, valid until the next
 * task that uses the same scratch. A pair of buffers a task, dropped after use, lived long
 * enough to reach the old generation of the heap and waited there for a full collection.
 */
export class TaskScratch {
  bytes: Buffer = Buffer.allocUnsafeSlow(1 << 20);
  keys: Buffer = Buffer.allocUnsafeSlow(1024 * 32);
}

class ResultBuilder {
  private fit: number[] = [];
  /** The fitting rows' lines, UTF-8. */
  private readonly lines: JsonBytes;
  private lengths: number[] = [];
  private keys: Buffer;
  private keysUsed = 0;
  readonly matches: TaskResult["matches"] = [];
  readonly byReason: Partial<Record<MisfitReason, number>> = {};
  readonly samples: MisfitSample[] = [];
  invalid: TaskResult["invalid"] = null;

  constructor(
    private readonly context: TaskContext,
    private readonly scratch: TaskScratch,
    private readonly copy: boolean,
  ) {
    this.lines = new JsonBytes(scratch.bytes);
    this.keys = scratch.keys;
  }

  add(index: number, value: unknown, mapping: RowMapping): void {
    const mapped = mapRow(value, mapping);
    if (isMisfit(mapped)) {
      this.byReason[mapped.reason] = (this.byReason[mapped.reason] ?? 0) + 1;
      if (this.samples.length < TASK_SAMPLES) this.samples.push({ row: index, reason: mapped.reason, detail: mapped.detail, preview: preview(value) });
      return;
    }
    const { dedupe, index: ngrams, threshold } = this.context;
    if (dedupe || ngrams !== null) {
      // A text row is one turn of its own kind for dedupe, so it never equals a conversation.
      const turns = turnsOf(mapped);
      const { key, match, plain } = checkTurns(turns, dedupe, ngrams, threshold);
      if (key !== null) {
        if (this.keysUsed + key.length > this.keys.length) this.keys = grow(this.keys, this.keysUsed, key.length);
        this.keysUsed += latin1Write(this.keys, key, this.keysUsed);
      }
      if (match !== null) this.matches.push({ at: this.fit.length, item: match.item, shared: match.shared, ngram: match.ngram });
      if (plain) for (const t of turns) this.lines.plain.push(t.content);
    }
    const start = this.lines.length;
    this.lines.value(preparedRow(mapped));
    this.lines.byte(10);
    this.lines.plain.length = 0;
    this.fit.push(index);
    this.lengths.push(this.lines.length - start);
  }

  finish(): TaskResult {
    // The next task starts from the grown buffers.
    const bytes = this.lines.buffer.subarray(0, this.lines.length);
    this.scratch.bytes = this.lines.buffer;
    this.scratch.keys = this.keys;
    return {
      fit: Uint32Array.from(this.fit),
      // Copies own their memory: a worker transfers them, and the scratch is free at once.
      bytes: this.copy ? new Uint8Array(bytes) : bytes,
      lengths: Uint32Array.from(this.lengths),
      keys: this.copy ? new Uint8Array(this.keys.subarray(0, this.keysUsed)) : this.keys.subarray(0, this.keysUsed),
      matches: this.matches,
      byReason: this.byReason,
      samples: this.samples,
      invalid: this.invalid,
    };
  }
}

/** A copy of `buffer[0..used)` in a buffer with room for `extra` more bytes. */
function grow(buffer: Buffer, used: number, extra: number): Buffer {
  const grown = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, used + extra));
  buffer.copy(grown, 0, 0, used);
  return grown;
}

/** Parquet files a thread has opened, by path: the footer is read once per file and thread. */
const parquetFiles = new Map<string, Promise<{ file: AsyncBuffer; metadata: FileMetaData; present: Set<string> }>>();

async function openParquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData; present: Set<string> }> {
  let opened = parquetFiles.get(path);
  if (opened === undefined) {
    opened = (async () => {
      const file = await asyncBufferFromFile(path);
      const metadata = await parquetMetadataAsync(file);
      return { file, metadata, present: new Set(parquetSchema(metadata).children.map((c) => c.element.name)) };
    })();
    parquetFiles.set(path, opened);
    opened.catch(() => parquetFiles.delete(path));
  }
  return opened;
}

/** Forgets the Parquet files this thread opened (between runs). */
export function closeParquetFiles(): void {
  parquetFiles.clear();
}

/**
 * Runs one task, writing its rows and keys into `scratch`. The result's `bytes` and `keys` are
 * copies when `copy` is set (a worker, whose tasks may overlap while a Parquet read waits), else
 * views of `scratch`, valid until the next task run with it: consume the result first.
 */
export async function runTask(task: RowTask, context: TaskContext, scratch: TaskScratch, copy: boolean): Promise<TaskResult> {
  const out = new ResultBuilder(context, scratch, copy);
  if (task.kind === "lines") {
    // Each line is decoded on its own (a line break is never inside a UTF-8 sequence): short
    // strings die young, where one string of the whole batch lived on in the old generation.
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    let index = task.firstLine;
    for (let start = 0; start < bytes.length; index++) {
      let end = bytes.indexOf(10, start);
      if (end === -1) end = bytes.length;
      const next = end + 1;
      if (end > start && bytes[end - 1] === 13) end--;
      let line = bytes.toString("utf8", start, end);
      start = next;
      // A byte-order mark at the start of the file is not part of the first record.
      if (index === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (isBlank(line)) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        out.invalid = { index, message: (error as Error).message };
        break;
      }
      out.add(index, value, task.mapping);
    }
    return out.finish();
  }
  const { file, metadata, present } = await openParquet(task.path);
  const columns = task.columns.filter((c) => present.has(c));
  // With no requested column present, read rows as empty objects: every one is then reported
  // as missing its column, not silently dropped.
  const rows: unknown[] =
    columns.length === 0
      ? Array.from({ length: task.rowEnd - task.rowStart }, () => ({}))
      : await parquetReadObjects({ file, metadata, columns, rowStart: task.rowStart, rowEnd: task.rowEnd, compressors: PARQUET_CODECS });
  for (let i = 0; i < rows.length; i++) out.add(task.rowStart + i, rows[i], task.mapping);
  return out.finish();
}
