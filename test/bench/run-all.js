// `npm run bench`: start-up of validate/plan, then sweep planning. See README.md here.
import { runStartup, TARGET_RATIO } from "./startup.js";
import { runSweep, TARGET_MS } from "./sweep.js";

const startup = runStartup();
console.log("\n");
const sweep = await runSweep();
const failed = [
  ...startup.filter((r) => r.target && r.ratio > TARGET_RATIO).map((r) => `${r.name} takes ${r.ratio.toFixed(2)}x node -e 0 (target ${TARGET_RATIO}x)`),
  ...(sweep.cli > TARGET_MS ? [`intern plan of the sweep takes ${sweep.cli.toFixed(0)} ms end to end (target ${TARGET_MS} ms)`] : []),
  ...((sweep.inProcess ?? 0) > TARGET_MS ? [`planning the sweep takes ${sweep.inProcess.toFixed(0)} ms in-process (target ${TARGET_MS} ms)`] : []),
];
console.log(failed.length === 0 ? "\nall targets met" : `\nover target:\n  ${failed.join("\n  ")}`);
if (failed.length > 0) process.exitCode = 1;
