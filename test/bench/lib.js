// Shared helpers for the benchmark scripts: timing, statistics and a plain text table.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root: the scripts run against this checkout's bin/ and dist/. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Whether a script was run directly (`node test/bench/x.js`), not imported by run-all.js. */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === metaUrl;
}

/** Stops with a clear message when dist/ is missing: the scripts measure the built CLI. */
export function requireBuild() {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    console.error("dist/ is missing: run `npm run build` first");
    process.exit(2);
  }
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

const errDir = mkdtempSync(join(tmpdir(), "intern-bench-err-"));
process.on("exit", () => rmSync(errDir, { recursive: true, force: true }));

/**
 * Runs a command to completion with its output discarded, under bash's `time`, so that the
 * figures leave out the cost of spawning bash itself. Returns wall and CPU (user + system)
 * milliseconds; CPU time is the steadier figure on a busy machine. A failure is fatal.
 */
export function timeCommand(cmd, args, { cwd = ROOT, env = process.env, okCodes = [0] } = {}) {
  const errFile = join(errDir, "stderr");
  const script = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>"$BENCH_ERR"; } 2>&1; echo "$?"';
  const r = spawnSync("bash", ["-c", script, "bash", cmd, ...args], { cwd, env: { ...env, BENCH_ERR: errFile }, encoding: "utf8" });
  if (r.error) throw r.error;
  const [real, user, sys, status] = r.stdout.trim().split(/\s+/).map(Number);
  if (!okCodes.includes(status)) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${status}: ${readFileSync(errFile, "utf8").slice(-2000)}`);
  }
  return { wall: real * 1000, cpu: (user + sys) * 1000 };
}

/** Reads `--name value` from argv, or the default. */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd()).join("\n");
}

export const ms = (v) => v.toFixed(1);

/** One line on how busy the machine was: the figures only compare within one run. */
export function machineNote() {
  let load = "";
  try {
    load = ` load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")},`;
  } catch {
    // Not Linux: no load average to show.
  }
  return `node ${process.version}, ${availableParallelism()} CPUs,${load} ${new Date().toISOString()}`;
}
