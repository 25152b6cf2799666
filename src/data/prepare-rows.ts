import { createHash } from "node:crypto";
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { stat } from "node:fs/promises";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { cancelled, InternError } from "../errors.js";
import { RateMeter } from "../progress/meter.js";
import type { PinnedDataset } from "../recipe/types.js";
import type { NgramIndex } from "./decontaminate.js";
import type { MisfitSample, RemovedRow } from "./manifest.js";
import { columnsOf, type MisfitReason } from "./map-row.js";
import { mixedRows, type MixPlan } from "./mix.js";
import { asReadError, checkFile, type ReadSummary, type RecordSource } from "./read-records.js";
import { lineBatches, type Digest } from "./line-batches.js";
import { digestFile } from "./read-parquet.js";
import { createPool, type PoolOptions, type RowPool } from "./row-pool.js";
import type { RowMapping, RowTask, TaskResult } from "./row-task.js";
import { KeyTable, Spill, type RowChunk } from "./spill.js";
import { createRowReader, type RowReader } from "./spill-reader.js";
import { datasetDigest, FittingRows, MAX_SAMPLES, type DatasetScan, type FileScan } from "./scan-dataset.js";

/**
 * Data preparation in one pass over each file, with memory that does not grow with the input:
 * the reader cuts a file into batches of records (JSON Lines) or row groups (Parquet), worker
 * threads map, normalise, hash and check each row against the benchmark, and the rows that fit
 * go, already rendered, to a spill file beside the output. What stays in memory is about 8.5
 * bytes a fitting row (see `Spill`) and a bit a record. Then the mix is planned, and the
 * chosen rows are copied from the spill in the mixed order, dropping duplicates and
 * contaminated rows on the way.
 */

export interface PrepareProgress {
  phase: "read" | "write";
  /** Records read so far (read), or rows of the mix handled (write). */
  rows: number;
  /** Rows of the mix in all (write); null while reading, before the mix is planned. */
  totalRows: number | null;
  /** Bytes of the input files read so far, and in all. */
  bytes: number;
  totalBytes: number;
  /** Input megabytes (10^6) a second since the start. */
  mbPerSecond: number;
  /** Seconds left for the read phase at this rate; null before there is a rate. */
  etaSeconds: number | null;
}

export interface PrepareRowsInput {
  /**
   * Each dataset with its files, read in the given order (sort them first): a dataset's records
   * are numbered on across its files, so the row indices of scans, samples and removed rows are
   * the dataset's, as if its files were one. `maxRows` counts over all of them.
   */
  datasets: { dataset: PinnedDataset; sources: RecordSource[] }[];
  /** The mix, given how many rows of each dataset fit. */
  plan: (scans: readonly DatasetScan[]) => MixPlan;
  seed: number;
  dedupe: boolean;
  /** Null when decontamination is off or skipped. */
  benchmark: { index: NgramIndex; threshold: number } | null;
  /** The training file to write (through a temporary name). */
  outputPath: string;
  signal?: AbortSignal;
  onProgress?: (progress: PrepareProgress) => void;
  /** At most one call per this many milliseconds (default 500). */
  progressIntervalMs?: number;
  pool?: PoolOptions;
  /** Bytes of JSON Lines a task holds (default 1 MiB). */
  batchBytes?: number;
  /** Output bytes read from the spill at a time in the write phase (default 4 MiB; a longer row gets a chunk of its own). */
  chunkBytes?: number;
}

export interface PrepareRowsResult {
  scans: DatasetScan[];
  plan: MixPlan;
  /** Rows of the mix, before dedupe and decontamination. */
  afterMix: number;
  duplicatesRemoved: number;
  /** Sorted by dataset, then row. */
  removed: RemovedRow[];
  output: { rows: number; bytes: number; sha256: string };
}

/**
 * Bytes of JSON Lines a task holds: big enough that a worker spends its time on rows rather than
 * messages, small enough to bound memory. Each task in flight holds its lines and its rendered
 * rows on both sides until a garbage collection frees them: with two workers at 1M rows, 4 MiB
 * tasks peaked at 410-420 MB, 1 MiB tasks at 272 MB, in the same time.
 */
const BATCH_BYTES = 1 << 20;

class Progress {
  private readonly meter: RateMeter;
  rows = 0;
  totalRows: number | null = null;
  bytes = 0;
  constructor(
    readonly totalBytes: number,
    private readonly onProgress: PrepareRowsInput["onProgress"],
    interval: number,
  ) {
    this.meter = new RateMeter(interval);
  }

  report(phase: PrepareProgress["phase"], force = false): void {
    if (this.onProgress === undefined) return;
    const reading = this.meter.read(this.bytes, this.totalBytes, force);
    if (reading === null) return;
    this.onProgress({
      phase,
      rows: this.rows,
      totalRows: phase === "write" ? this.totalRows : null,
      bytes: this.bytes,
      totalBytes: this.totalBytes,
      mbPerSecond: reading.perSecond / 1e6,
      etaSeconds: phase === "write" && reading.etaSeconds !== null ? 0 : reading.etaSeconds,
    });
  }
}


/** The tasks of one file of a dataset, in file order; `dataset.maxRows` is what is left of the dataset's limit. */
async function* datasetTasks(source: RecordSource, dataset: PinnedDataset, batchBytes: number, progress: Progress, digest: Digest): AsyncGenerator<RowTask> {
  const mapping: RowMapping = { format: dataset.format, columns: dataset.columns };
  const lower = source.path.toLowerCase();
  if (lower.endsWith(".parquet")) {
    const hashing = digestFile(source.path);
    hashing.catch(() => {});
    const file = await asyncBufferFromFile(source.path);
    const metadata = await parquetMetadataAsync(file);
    const total = Number(metadata.num_rows);
    const end = dataset.maxRows === null ? total : Math.min(total, dataset.maxRows);
    const columns = columnsOf(dataset);
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      if (groupStart >= end) break;
      const groupEnd = Math.min(groupStart + Number(group.num_rows), end);
      progress.bytes += total > 0 ? (file.byteLength * (groupEnd - groupStart)) / total : 0;
      yield { kind: "parquet", mapping, path: source.path, columns, rowStart: groupStart, rowEnd: groupEnd };
      groupStart = groupEnd;
    }
    Object.assign(digest, await hashing, { records: end, span: end });
    return;
  }
  for await (const batch of lineBatches(source.path, dataset.maxRows, batchBytes, (n) => (progress.bytes += n), digest)) {
    yield { kind: "lines", mapping, ...batch };
  }
}

/**
 * Reads one dataset, file after file, through the pool into the spill; returns its scan. Record
 * indices continue across files: a file's first record is numbered after the last index the
 * files before it used.
 */
async function readDataset(sources: readonly RecordSource[], dataset: PinnedDataset, datasetIndex: number, batchBytes: number, pool: RowPool, spill: Spill, progress: Progress, signal: AbortSignal | undefined): Promise<DatasetScan> {
  const fitting = new FittingRows();
  const counts = new Map<MisfitReason, number>();
  const samples: DatasetScan["samples"] = [];
  const files: FileScan[] = [];
  let offset = 0;
  let records = 0;
  for (const source of sources) {
    if (signal?.aborted) throw cancelled("data preparation");
    const left = dataset.maxRows === null ? null : Math.max(0, dataset.maxRows - records);
    const digest: Digest = { sha256: "", bytes: 0, records: 0, span: 0 };
    const base = offset;
    const inflight: { promise: Promise<TaskResult>; rows: number }[] = [];
    const consume = (result: TaskResult, rows: number): void => {
      if (result.invalid !== null) {
        throw new InternError("INTERN_DATA_INVALID_JSON", `${source.path}:${result.invalid.index + 1}: not valid JSON (${result.invalid.message})`, {
          hint: "a JSON Lines file holds one JSON object per line; fix or remove that line",
        });
      }
      // Tasks number records within their file; the dataset numbers them on across its files.
      if (base > 0) for (let i = 0; i < result.fit.length; i++) result.fit[i] = result.fit[i]! + base;
      for (const [reason, n] of Object.entries(result.byReason) as [MisfitReason, number][]) counts.set(reason, (counts.get(reason) ?? 0) + n);
      for (const sample of result.samples) if (samples.length < MAX_SAMPLES) samples.push({ ...sample, row: sample.row + base });
      for (let i = 0; i < result.fit.length; i++) fitting.add(result.fit[i]!);
      spill.add(result, datasetIndex);
      progress.rows += rows > 0 ? rows : result.fit.length + Object.values(result.byReason).reduce((a, b) => a + b, 0);
      progress.report("read");
    };
    try {
      for await (const task of datasetTasks(source, { ...dataset, maxRows: left }, batchBytes, progress, digest)) {
        if (signal?.aborted) throw cancelled("data preparation");
        const rows = task.kind === "lines" ? 0 : task.rowEnd - task.rowStart;
        const promise = pool.run(task);
        // Settled later, in order; a rejection is handled there.
        promise.catch(() => {});
        inflight.push({ promise, rows });
        while (inflight.length >= pool.width) {
          const next = inflight.shift()!;
          consume(await next.promise, next.rows);
        }
      }
      while (inflight.length > 0) {
        const next = inflight.shift()!;
        consume(await next.promise, next.rows);
      }
    } catch (error) {
      throw asReadError(source, error);
    }
    files.push({ sha256: digest.sha256, bytes: digest.bytes, records: digest.records });
    records += digest.records;
    offset += digest.span;
  }
  const byReason: Partial<Record<MisfitReason, number>> = {};
  for (const reason of ["not-an-object", "missing-column", "wrong-type", "unknown-role", "empty-content", "no-assistant-turn"] as const) if (counts.has(reason)) byReason[reason] = counts.get(reason)!;
  const bytes = files.reduce((a, f) => a + f.bytes, 0);
  return { sha256: datasetDigest(files.map((f) => f.sha256)), bytes, records, files, fitting, byReason, samples };
}

/** A chunk of the output read at a time: up to this many bytes (unless one row is longer), and rows. */
const CHUNK_BYTES = 4 << 20;
const CHUNK_ROWS = 1 << 14;

/**
 * Copies the chosen rows from the spill in the mixed order, without duplicates and contaminated
 * rows. The rows are read a chunk at a time (`reader`, perhaps on a worker thread) while the
 * chunk before is written and hashed; two chunks are in flight at most.
 */
async function writeMix(input: PrepareRowsInput, spill: Spill, reader: RowReader, scans: DatasetScan[], plan: MixPlan, progress: Progress): Promise<Omit<PrepareRowsResult, "scans" | "plan">> {
  const bases: number[] = [];
  let base = 0;
  for (const scan of scans) {
    bases.push(base);
    base += scan.fitting.length;
  }
  const total = plan.taken;
  progress.totalRows = total;
  const slotRow = mixedRows(input.seed, plan, bases);
  const table = input.dedupe ? new KeyTable(spill, total) : null;
  const removed: RemovedRow[] = [];
  const temporary = `${input.outputPath}.partial`;
  const out = openSync(temporary, "w");
  const hash = createHash("sha256");
  const free: RowChunk[] = [];
  const newChunk = (): RowChunk => free.pop() ?? { buffer: Buffer.allocUnsafeSlow(input.chunkBytes ?? CHUNK_BYTES), offsets: new Float64Array(CHUNK_ROWS), lengths: new Uint32Array(CHUNK_ROWS), count: 0, bytes: 0 };
  const inFlight: Promise<RowChunk>[] = [];
  let bytes = 0;
  let rows = 0;
  /** Writes the oldest chunk in flight, and keeps its buffers for another. */
  const writeOldest = async (): Promise<void> => {
    const chunk = await inFlight.shift()!;
    const data = chunk.buffer.subarray(0, chunk.bytes);
    hash.update(data);
    let written = 0;
    while (written < data.length) written += writeSync(out, data, written, data.length - written);
    bytes += data.length;
    chunk.count = 0;
    chunk.bytes = 0;
    free.push(chunk);
  };
  const send = async (chunk: RowChunk): Promise<void> => {
    inFlight.push(reader.read(chunk));
    if (inFlight.length >= 2) await writeOldest();
  };
  try {
    let chunk = newChunk();
    for (let slot = 0; slot < total; slot++) {
      if ((slot & 0xffff) === 0) {
        if (input.signal?.aborted) throw cancelled("data preparation");
        progress.rows = slot;
        progress.report("write");
      }
      const row = slotRow[slot]!;
      if (table !== null && table.isDuplicate(row)) continue;
      const match = spill.matches.get(row);
      if (match !== undefined) {
        removed.push({ dataset: match.dataset, row: match.record, benchmarkItem: match.item, sharedNgrams: match.shared, ngram: match.ngram });
        continue;
      }
      const length = spill.length(row);
      if (chunk.count === CHUNK_ROWS || (chunk.count > 0 && chunk.bytes + length > chunk.buffer.length)) {
        await send(chunk);
        chunk = newChunk();
      }
      // A row longer than a chunk gets a chunk of its own, as long as it.
      if (length > chunk.buffer.length) chunk.buffer = Buffer.allocUnsafeSlow(length);
      chunk.offsets[chunk.count] = spill.offset(row);
      chunk.lengths[chunk.count] = length;
      chunk.count++;
      chunk.bytes += length;
      rows++;
    }
    if (chunk.count > 0) await send(chunk);
    while (inFlight.length > 0) await writeOldest();
  } finally {
    // A chunk still in flight after a failure is awaited, so that no read outlives the files.
    await Promise.allSettled(inFlight);
    closeSync(out);
  }
  renameSync(temporary, input.outputPath);
  removed.sort((a, b) => a.dataset - b.dataset || a.row - b.row);
  return { afterMix: total, duplicatesRemoved: table?.removed ?? 0, removed, output: { rows, bytes, sha256: hash.digest("hex") } };
}

/**
 * Reads, maps, mixes, dedupes and decontaminates `datasets` into `outputPath`. Same datasets,
 * seed and benchmark, same bytes, whether the rows are handled on worker threads or not.
 */
export async function prepareRows(input: PrepareRowsInput): Promise<PrepareRowsResult> {
  const sizes: number[] = [];
  for (const source of input.datasets.flatMap((d) => d.sources)) {
    await checkFile(source);
    sizes.push((await stat(source.path)).size);
  }
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const progress = new Progress(totalBytes, input.onProgress, input.progressIntervalMs ?? 500);
  const benchmark = input.benchmark;
  // The n-gram index lies in SharedArrayBuffers: worker threads share the calling thread's copy.
  const context = { dedupe: input.dedupe, index: benchmark?.index ?? null, threshold: benchmark?.threshold ?? 1 };
  const pool = createPool(context, { ...input.pool, totalBytes });
  const spill = new Spill(`${input.outputPath}.rows.partial`);
  try {
    const scans: DatasetScan[] = [];
    for (const [i, { sources, dataset }] of input.datasets.entries()) {
      if (input.signal?.aborted) throw cancelled("data preparation");
      scans.push(await readDataset(sources, dataset, i, input.batchBytes ?? BATCH_BYTES, pool, spill, progress, input.signal));
    }
    progress.report("read", true);
    await pool.close();
    const plan = input.plan(scans);
    const reader = createRowReader(spill.path, spill.bytes, { threads: input.pool?.threads, workerUrl: input.pool?.readerUrl });
    let written: Omit<PrepareRowsResult, "scans" | "plan">;
    try {
      written = await writeMix(input, spill, reader, scans, plan, progress);
    } finally {
      await reader.close();
    }
    progress.rows = plan.taken;
    progress.report("write", true);
    return { scans, plan, ...written };
  } finally {
    await pool.close();
    spill.close();
  }
}
