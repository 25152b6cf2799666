import type { JobUsage } from "../types.js";

/**
 * GPUs in an AllocTRES string (`cpu=4,gres/gpu=2,mem=16G,node=1`). Typed counts
 * (`gres/gpu:a100=2`) are part of the untyped total when both appear, so the untyped one wins.
 */
export function parseGpus(tres: string): number {
  let untyped: number | null = null;
  let typed = 0;
  for (const item of tres.split(",")) {
    const [key = "", value = ""] = item.split("=");
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (key === "gres/gpu") untyped = n;
    else if (key.startsWith("gres/gpu:")) typed += n;
  }
  return untyped ?? typed;
}

/** Seconds in a Slurm duration: `[D-]HH:MM:SS`, `MM:SS`, with optional fractions (`00:01.234`). */
export function parseElapsed(text: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return null;
  const [, d = "0", h = "0", min = "0", s = "0"] = m;
  return Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
}

/** Usage from sacct's AllocTRES and Elapsed; null when Elapsed cannot be read. */
export function parseUsage(tres: string, elapsed: string): JobUsage | null {
  const seconds = parseElapsed(elapsed);
  if (seconds === null) return null;
  const gpus = parseGpus(tres);
  return { gpus, elapsedSeconds: seconds, gpuHours: (gpus * seconds) / 3600 };
}
