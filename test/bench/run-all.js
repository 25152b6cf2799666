// `npm run bench`: start-up of validate/plan and the sweep end to end, then sweep planning. See README.md here.
import { missedTargets, runStartup } from "./startup.js";
import { runSweep, TARGET_MS } from "./sweep.js";

const startup = runStartup();
console.log("\n");
const sweep = await runSweep();
const failed = [
  ...missedTargets(startup),
  ...((sweep.inProcess ?? 0) > TARGET_MS ? [`planning the sweep takes ${sweep.inProcess.toFixed(0)} ms in-process (target ${TARGET_MS} ms)`] : []),
];
console.log(failed.length === 0 ? "\nall targets met" : `\nover target:\n  ${failed.join("\n  ")}`);
if (failed.length > 0) process.exitCode = 1;
