import { createHash } from "node:crypto";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from "hyparquet";
import type { PinnedDataset } from "../recipe/types.js";
import { findContamination, type NgramIndex, type SharedNgramIndex } from "./decontaminate.js";
import { isMisfit, mapRow, turnsOf, type MisfitReason } from "./map-row.js";
import type { MisfitSample } from "./manifest.js";
import { normalizeText } from "./normalize-text.js";
import { PARQUET_CODECS } from "./parquet-codecs.js";

/**
 * One unit of the per-row work of data preparation, the same whether it runs in a worker thread
 * or on the main thread: parse, map to TRL's conversational (or text) format, normalise, hash for dedupe,
 * look for benchmark n-grams and render the output line. Pure but for reading a Parquet row group.
 */

/** What every task of one run shares: sent once to each worker. */
export interface TaskContext {
  dedupe: boolean;
  /** Null when decontamination is off or skipped. Worker threads get the shared form, not a copy each. */
  index: NgramIndex | SharedNgramIndex | null;
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
 * The identity of a conversation for exact dedupe: sha256 over each turn's role and normalised
 * content (see normalize-text.ts), so rows that differ only in case, punctuation, spacing or
 * Unicode compatibility forms are one row.
 */
function keyOf(messages: readonly { role: string }[], normalized: readonly string[]): Buffer {
  let text = "";
  for (let i = 0; i < messages.length; i++) text += messages[i]!.role + "\u0000" + normalized[i]! + "\u0001";
  return createHash("sha256").update(text).digest();
}

class ResultBuilder {
  private fit: number[] = [];
  private lines: string[] = [];
  private lengths: number[] = [];
  private keys: Buffer[] = [];
  readonly matches: TaskResult["matches"] = [];
  readonly byReason: Partial<Record<MisfitReason, number>> = {};
  readonly samples: MisfitSample[] = [];
  invalid: TaskResult["invalid"] = null;

  constructor(private readonly context: TaskContext) {}

  add(index: number, value: unknown, mapping: RowMapping): void {
    const mapped = mapRow(value, mapping);
    if (isMisfit(mapped)) {
      this.byReason[mapped.reason] = (this.byReason[mapped.reason] ?? 0) + 1;
      if (this.samples.length < TASK_SAMPLES) this.samples.push({ row: index, reason: mapped.reason, detail: mapped.detail, preview: preview(value) });
      return;
    }
    // A text row is one turn of its own kind for dedupe, so it never equals a conversation.
    const turns = turnsOf(mapped);
    const { dedupe, index: ngrams, threshold } = this.context;
    if (dedupe || ngrams !== null) {
      const normalized = turns.map((m) => normalizeText(m.content));
      if (dedupe) this.keys.push(keyOf(turns, normalized));
      if (ngrams !== null) {
        const match = findContamination(ngrams, normalized.filter((t) => t.length > 0).join(" "), threshold);
        if (match !== null) this.matches.push({ at: this.fit.length, item: match.item, shared: match.shared, ngram: match.ngram });
      }
    }
    const line = JSON.stringify(Array.isArray(mapped) ? { messages: mapped } : mapped) + "\n";
    this.fit.push(index);
    this.lines.push(line);
    this.lengths.push(Buffer.byteLength(line, "utf8"));
  }

  finish(): TaskResult {
    const bytes = Buffer.from(this.lines.join(""), "utf8");
    return {
      fit: Uint32Array.from(this.fit),
      // A copy that owns its memory, so that it can be transferred rather than cloned.
      bytes: new Uint8Array(bytes),
      lengths: Uint32Array.from(this.lengths),
      keys: this.keys.length === 0 ? new Uint8Array(0) : new Uint8Array(Buffer.concat(this.keys)),
      matches: this.matches,
      byReason: this.byReason,
      samples: this.samples,
      invalid: this.invalid,
    };
  }
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

export async function runTask(task: RowTask, context: TaskContext): Promise<TaskResult> {
  const out = new ResultBuilder(context);
  if (task.kind === "lines") {
    const text = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength).toString("utf8");
    let index = task.firstLine;
    for (let start = 0; start < text.length; index++) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      const next = end + 1;
      // A byte-order mark at the start of the file is not part of the first record.
      if (index === 0 && text.charCodeAt(start) === 0xfeff) start++;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      const line = text.slice(start, end);
      start = next;
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
