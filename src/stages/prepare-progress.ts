import type { PrepareProgress } from "../data/prepare-rows.js";
import type { DownloadProgress } from "../sources/download.js";
import { groupDigits } from "../plan/group-digits.js";
import { formatDuration } from "../recipe/duration.js";

/** Megabytes (10^6): one decimal below 10 (`3.2`), whole and grouped above (`1,085`). */
function megabytes(mb: number): string {
  return mb < 9.95 ? mb.toFixed(1) : groupDigits(Math.round(mb));
}

/** `398/1,085 MB · 6.1 MB/s · ETA 1m52s` (`ETA --` before there is a rate). */
function bytesRateEta(p: { bytes: number; totalBytes: number; mbPerSecond: number; etaSeconds: number | null }): string {
  const eta = p.etaSeconds === null ? "--" : formatDuration(p.etaSeconds);
  return `${megabytes(p.bytes / 1e6)}/${megabytes(p.totalBytes / 1e6)} MB · ${megabytes(p.mbPerSecond)} MB/s · ETA ${eta}`;
}

/**
 * Data preparation's progress in one line, for the stage's progress on screen:
 * `reading 412,000 rows · 398/1,085 MB · 6.1 MB/s · ETA 1m52s` while the files are read
 * (`ETA --` before there is a rate), then `writing the mix 600,000/1,000,000 rows`.
 */
export function formatPrepareProgress(p: PrepareProgress): string {
  if (p.phase === "write") return `writing the mix ${groupDigits(p.rows)}${p.totalRows === null ? "" : `/${groupDigits(p.totalRows)}`} rows`;
  return `reading ${groupDigits(p.rows)} rows · ${bytesRateEta(p)}`;
}

/**
 * A Hub download's progress in one line: `downloading acme/data: 120/1,085 MB · 12.3 MB/s ·
 * ETA 1m20s (data/train-00001-of-00004.parquet)`.
 */
export function formatDownloadProgress(dataset: string, p: DownloadProgress): string {
  return `downloading ${dataset}: ${bytesRateEta(p)} (${p.file})`;
}
