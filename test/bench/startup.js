// Start-up cost of the real binary: `intern validate` and `intern plan` of the reference recipe
// against `node -e 0`, and `intern plan --output json` of a 1,000-trial sweep end to end, all
// spawned many times and interleaved, so that a busy moment hits every command alike.
// Targets: validate and plan each within 1.4x the median of `node -e 0` measured in the same
// run; the sweep in under 350 ms.
//
//   node test/bench/startup.js [--runs 30] [--recipe recipes/qwen3-1.7b-gpqa.yaml]
//                              [--sweep-trials 1000] [--baseline DIR]
//
// --baseline DIR also runs DIR/bin/intern.js (another checkout, built: `git worktree add DIR
// <commit> && (cd DIR && npm ci)`) in the same rounds, and prints each command's ratio to it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeSweep } from "./make-sweep.js";
import { isMain, machineNote, median, ms, option, quantile, requireBuild, ROOT, table, timeCommand } from "./lib.js";

export const TARGET_RATIO = 1.4;
export const SWEEP_TARGET_MS = 350;

export function runStartup({
  runs = Number(option("runs", "30")),
  recipe = option("recipe", "recipes/qwen3-1.7b-gpqa.yaml"),
  sweepTrials = Number(option("sweep-trials", "1000")),
  baseline = option("baseline", null),
} = {}) {
  requireBuild();
  const dir = mkdtempSync(join(tmpdir(), "intern-bench-startup-"));
  try {
    const sweep = writeSweep(dir, sweepTrials);
    const builds = [{ label: "", root: ROOT }, ...(baseline === null ? [] : [{ label: " (baseline)", root: resolve(baseline) }])];
    const commands = [{ name: "node -e 0", args: ["-e", "0"], baseline: true }];
    for (const b of builds) {
      const bin = join(b.root, "bin", "intern.js");
      commands.push(
        { name: `intern --version${b.label}`, args: [bin, "--version"], build: b },
        { name: `intern validate${b.label}`, args: [bin, "validate", recipe], target: b.label === "", kind: "validate", build: b },
        { name: `intern plan${b.label}`, args: [bin, "plan", recipe], target: b.label === "", kind: "plan", build: b },
        { name: `intern plan --output json, ${sweepTrials}-trial sweep${b.label}`, args: [bin, "plan", sweep, "--output", "json"], sweep: b.label === "", kind: "sweep", build: b },
      );
    }
    const samples = commands.map(() => []);
    // Warm the file-system cache before measuring.
    for (const c of commands) for (let i = 0; i < 2; i++) timeCommand(process.execPath, c.args);
    for (let round = 0; round < runs; round++) {
      // Rotate the order every round so that no command always runs right after another.
      for (let k = 0; k < commands.length; k++) {
        const i = (k + round) % commands.length;
        samples[i].push(timeCommand(process.execPath, commands[i].args));
      }
    }
    const base = samples[commands.findIndex((c) => c.baseline)];
    const baseWall = median(base.map((s) => s.wall));
    const baseCpu = median(base.map((s) => s.cpu));
    const results = commands.map((c, i) => {
      const wall = samples[i].map((s) => s.wall);
      const cpu = samples[i].map((s) => s.cpu);
      // Each round's time over node -e 0's in the same round: this machine's speed swings by a
      // third from one minute to the next, which moves both alike.
      const paired = median(wall.map((w, round) => w / base[round].wall));
      return { ...c, wall: median(wall), p10: quantile(wall, 0.1), p90: quantile(wall, 0.9), ratio: median(wall) / baseWall, paired, cpu: median(cpu), cpuRatio: median(cpu) / baseCpu };
    });
    const verdict = (r) => (r.target ? (r.paired <= TARGET_RATIO ? "ok" : "OVER") : r.sweep ? (r.wall < SWEEP_TARGET_MS ? "ok" : "OVER") : "");
    const vsBaseline = (r) => {
      if (baseline === null || r.build?.label !== "" || r.kind === undefined) return "";
      const other = results.find((o) => o.kind === r.kind && o.build?.label !== "");
      return `${(r.wall / other.wall).toFixed(2)}x`;
    };
    console.log(`Start-up of ${recipe} and a ${sweepTrials}-trial sweep: ${runs} interleaved runs of each command; ${machineNote()}\n`);
    console.log(
      table(
        ["COMMAND", "WALL ms", "P10", "P90", "VS node -e 0", "PER ROUND", "TARGET", "CPU ms", "CPU VS node -e 0", ...(baseline === null ? [] : ["VS BASELINE"])],
        results.map((r) => [r.name, ms(r.wall), ms(r.p10), ms(r.p90), `${r.ratio.toFixed(2)}x`, `${r.paired.toFixed(2)}x`, verdict(r), ms(r.cpu), `${r.cpuRatio.toFixed(2)}x`, ...(baseline === null ? [] : [vsBaseline(r)])]),
      ),
    );
    console.log(`\nTargets: validate and plan <= ${TARGET_RATIO}x node -e 0 (PER ROUND: the median over rounds of each round's time over node -e 0's); the sweep under ${SWEEP_TARGET_MS} ms (wall, median).`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The targets a run missed, one line each. */
export function missedTargets(results) {
  return [
    ...results.filter((r) => r.target && r.paired > TARGET_RATIO).map((r) => `${r.name} takes ${r.paired.toFixed(2)}x node -e 0 (target ${TARGET_RATIO}x)`),
    ...results.filter((r) => r.sweep && r.wall >= SWEEP_TARGET_MS).map((r) => `${r.name} takes ${r.wall.toFixed(0)} ms end to end (target ${SWEEP_TARGET_MS} ms)`),
  ];
}

if (isMain(import.meta.url)) {
  const results = runStartup();
  if (missedTargets(results).length > 0) process.exitCode = 1;
}
