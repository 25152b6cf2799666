import { describe, expect, it } from "vitest";
import type { PrepareProgress } from "../../src/data/prepare-rows.js";
import { formatDownloadProgress, formatPrepareProgress } from "../../src/stages/prepare-progress.js";

const reading = (p: Partial<PrepareProgress>): PrepareProgress => ({ phase: "read", rows: 0, totalRows: null, bytes: 0, totalBytes: 0, mbPerSecond: 0, etaSeconds: null, ...p });

describe("data preparation's progress line", () => {
  it("says rows, megabytes read of all, the rate and the time left while reading", () => {
    expect(formatPrepareProgress(reading({ rows: 412_000, bytes: 398_400_000, totalBytes: 1_085_000_000, mbPerSecond: 6.14, etaSeconds: 112 }))).toBe(
      "reading 412,000 rows · 398/1,085 MB · 6.1 MB/s · ETA 1m52s",
    );
    expect(formatPrepareProgress(reading({ rows: 2_500_123, bytes: 12_345_678_901, totalBytes: 40_000_000_000, mbPerSecond: 45.6, etaSeconds: 3725 }))).toBe(
      "reading 2,500,123 rows · 12,346/40,000 MB · 46 MB/s · ETA 1h2m",
    );
  });

  it("has one decimal below 10 MB, and no ETA before there is a rate", () => {
    expect(formatPrepareProgress(reading({ totalBytes: 2_500_000 }))).toBe("reading 0 rows · 0.0/2.5 MB · 0.0 MB/s · ETA --");
    expect(formatPrepareProgress(reading({ rows: 1_200, bytes: 9_960_000, totalBytes: 9_990_000, mbPerSecond: 9.94, etaSeconds: 0.4 }))).toBe(
      "reading 1,200 rows · 10/10 MB · 9.9 MB/s · ETA 0s",
    );
  });

  it("counts the rows of the mix while writing", () => {
    expect(formatPrepareProgress({ phase: "write", rows: 600_000, totalRows: 1_000_000, bytes: 1e9, totalBytes: 1e9, mbPerSecond: 20, etaSeconds: 0 })).toBe("writing the mix 600,000/1,000,000 rows");
    expect(formatPrepareProgress({ phase: "write", rows: 42, totalRows: null, bytes: 1, totalBytes: 1, mbPerSecond: 1, etaSeconds: 0 })).toBe("writing the mix 42 rows");
  });

  it("says a download's megabytes, rate and time left, and the file being fetched", () => {
    const p = { file: "data/train-00001-of-00004.parquet", bytes: 120_400_000, totalBytes: 1_085_000_000, mbPerSecond: 12.3, etaSeconds: 80 };
    expect(formatDownloadProgress("acme/data", p)).toBe("downloading acme/data: 120/1,085 MB · 12 MB/s · ETA 1m20s (data/train-00001-of-00004.parquet)");
    expect(formatDownloadProgress("acme/data", { ...p, bytes: 0, mbPerSecond: 0, etaSeconds: null })).toBe("downloading acme/data: 0.0/1,085 MB · 0.0 MB/s · ETA -- (data/train-00001-of-00004.parquet)");
  });
});
