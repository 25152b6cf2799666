// Start-up cost of the real binary: `intern validate` and `intern plan` against `node -e 0`,
// spawned many times and interleaved, so that a busy moment hits every command alike.
// Target: each intern command within 2x the median of `node -e 0` measured in the same run.
//
//   node test/bench/startup.js [--runs 30] [--recipe recipes/qwen3-1.7b-gpqa.yaml]
import { join } from "node:path";
import { isMain, machineNote, median, ms, option, quantile, requireBuild, ROOT, table, timeCommand } from "./lib.js";

export const TARGET_RATIO = 2;

export function runStartup({ runs = Number(option("runs", "30")), recipe = option("recipe", "recipes/qwen3-1.7b-gpqa.yaml") } = {}) {
  requireBuild();
  const bin = join(ROOT, "bin", "intern.js");
  const commands = [
    { name: "node -e 0", args: ["-e", "0"], baseline: true },
    { name: "intern --version", args: [bin, "--version"] },
    { name: "intern validate", args: [bin, "validate", recipe], target: true },
    { name: "intern plan", args: [bin, "plan", recipe], target: true },
  ];
  const samples = commands.map(() => []);
  // Warm the file-system cache before measuring.
  for (const c of commands) for (let i = 0; i < 3; i++) timeCommand(process.execPath, c.args);
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
    return { name: c.name, target: c.target === true, wall: median(wall), p10: quantile(wall, 0.1), p90: quantile(wall, 0.9), ratio: median(wall) / baseWall, cpu: median(cpu), cpuRatio: median(cpu) / baseCpu };
  });
  console.log(`Start-up of ${recipe}: ${runs} interleaved runs of each command; ${machineNote()}\n`);
  console.log(
    table(
      ["COMMAND", "WALL ms", "P10", "P90", "VS node -e 0", `<= ${TARGET_RATIO}x`, "CPU ms", "CPU VS node -e 0"],
      results.map((r) => [r.name, ms(r.wall), ms(r.p10), ms(r.p90), `${r.ratio.toFixed(2)}x`, r.target ? (r.ratio <= TARGET_RATIO ? "ok" : "OVER") : "", ms(r.cpu), `${r.cpuRatio.toFixed(2)}x`]),
    ),
  );
  return results;
}

if (isMain(import.meta.url)) {
  const results = runStartup();
  if (results.some((r) => r.target && r.ratio > TARGET_RATIO)) process.exitCode = 1;
}
