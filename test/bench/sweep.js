// Planning a large sweep: a matrix whose trials each get their own prepare -> train ->
// evaluate chain (see make-sweep.js). Times each step of `intern plan` in-process for growing
// sweeps (the time per trial should stay flat), the real binary end to end, and `snakemake -n`
// on a Snakefile of the same shape. Target: 1,000 trials plan in under 0.5 s.
//
//   node test/bench/sweep.js [--sizes 125,250,500,1000,2000] [--reps 7] [--cli-trials 1000]
//                            [--cli-reps 7] [--snakemake-reps 3]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { snakefile, writeSweep } from "./make-sweep.js";
import { isMain, machineNote, median, ms, nowMs, option, requireBuild, ROOT, table, timeCommand } from "./lib.js";

export const TARGET_MS = 500;

// Collect garbage before each sample, so that one sample does not pay for the last one's.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

/** The steps of loadRecipe (dist/project/load.js) and makePlan, timed one by one. */
async function pipeline() {
  const dist = (p) => import(new URL(`../../dist/${p}`, import.meta.url).href);
  // Older trees kept recipe loading under dist/cli/.
  const project = (name) => dist(`project/${name}`).catch(() => dist(`cli/${name}`));
  const [load, parse, validate, compile, plan, root] = await Promise.all([
    project("load.js"), dist("recipe/parse.js"), dist("recipe/validate.js"), dist("graph/compile.js"), dist("plan/make-plan.js"), project("package-root.js"),
  ]);
  // Newer trees hash the files stages read (file-digests.js); older ones do not.
  const files = await project("file-digests.js").catch(() => null);
  return (dir, file) => {
    gc();
    const t = [nowMs()];
    const parsed = parse.parseRecipe(file, load.readRecipeBytes(dir, file));
    t.push(nowMs());
    const validated = validate.validateRecipe(parsed, load.ruleContext);
    t.push(nowMs());
    const templates = load.loadTemplates(validated, dir);
    const options = { templateDigests: load.templateDigests(templates), version: root.internVersion() };
    if (files) options.fileDigests = files.fileDigests(validated, dirname(resolve(dir, file))).digests;
    const { graph, problems } = compile.compileGraph(validated, options);
    if (graph === null) throw new Error(`sweep recipe does not compile: ${JSON.stringify(problems)}`);
    t.push(nowMs());
    plan.makePlan(graph, validated.recipe);
    t.push(nowMs());
    return { steps: t.slice(1).map((v, i) => v - t[i]), total: t[t.length - 1] - t[0], stages: graph.stages.length };
  };
}

function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

export async function runSweep({
  sizes = option("sizes", "125,250,500,1000,2000").split(",").map(Number),
  reps = Number(option("reps", "7")),
  cliTrials = Number(option("cli-trials", "1000")),
  cliReps = Number(option("cli-reps", "7")),
  snakemakeReps = Number(option("snakemake-reps", "3")),
} = {}) {
  requireBuild();
  const dir = mkdtempSync(join(tmpdir(), "intern-bench-"));
  try {
    const run = await pipeline();
    const files = new Map(sizes.map((n) => [n, writeSweep(dir, n)]));
    // Two rounds unmeasured: the figures are for warm code, as in a long-lived process. The
    // end-to-end figures below include a cold start.
    for (let i = 0; i < 2; i++) for (const n of sizes) run(dir, files.get(n));
    const samples = new Map(sizes.map((n) => [n, []]));
    for (let r = 0; r < reps; r++) for (const n of sizes) samples.get(n).push(run(dir, files.get(n)));
    const results = sizes.map((n) => {
      const s = samples.get(n);
      const total = median(s.map((x) => x.total));
      return { trials: n, stages: s[0].stages, steps: [0, 1, 2, 3].map((i) => median(s.map((x) => x.steps[i]))), total, perTrialUs: (total / n) * 1000 };
    });
    console.log(`Sweep planning in-process, warm, median of ${reps}; ${machineNote()}\n`);
    console.log(
      table(
        ["TRIALS", "STAGES", "PARSE ms", "VALIDATE ms", "COMPILE ms", "PLAN ms", "TOTAL ms", "us/TRIAL", "VS PREVIOUS"],
        results.map((r, i) => [
          r.trials, r.stages, ...r.steps.map(ms), ms(r.total), r.perTrialUs.toFixed(0),
          i === 0 ? "" : `${(r.total / results[i - 1].total).toFixed(2)}x time for ${(r.trials / results[i - 1].trials).toFixed(2)}x trials`,
        ]),
      ),
    );

    // The real binary (JSON to /dev/null) against `snakemake -n` on the same shape, interleaved.
    const cliFile = files.get(cliTrials) ?? writeSweep(dir, cliTrials);
    const bin = join(ROOT, "bin", "intern.js");
    const snakemake = which("snakemake");
    const snakeDir = join(dir, "snakemake");
    mkdirSync(snakeDir);
    writeFileSync(join(snakeDir, "Snakefile"), snakefile(cliTrials));
    // Offline and self-contained: its cache and config go to the temp folder, not $HOME.
    const snakeEnv = { ...process.env, HOME: dir, XDG_CACHE_HOME: join(dir, "cache") };
    const snakeArgs = ["--snakefile", "Snakefile", "--cores", "1", "--dry-run", "--quiet", "--nolock"];
    const intern = [];
    const snake = [];
    const nodeBase = [];
    for (let r = 0; r < Math.max(cliReps, snakemake ? snakemakeReps : 0); r++) {
      if (r < cliReps) {
        nodeBase.push(timeCommand(process.execPath, ["-e", "0"]));
        intern.push(timeCommand(process.execPath, [bin, "plan", cliFile, "--output", "json"]));
      }
      if (snakemake && r < snakemakeReps) snake.push(timeCommand(snakemake, snakeArgs, { cwd: snakeDir, env: snakeEnv }));
    }
    const wall = (xs) => median(xs.map((x) => x.wall));
    const cpu = (xs) => median(xs.map((x) => x.cpu));
    const inProcess = results.find((r) => r.trials === cliTrials)?.total ?? null;
    const vsSnake = (v) => (snakemake ? `${(wall(snake) / v).toFixed(1)}x faster` : "");
    const rows = [
      ["intern plan --output json (CLI)", ms(wall(intern)), ms(cpu(intern)), wall(intern) <= TARGET_MS ? "ok" : "OVER", vsSnake(wall(intern))],
      ...(inProcess === null ? [] : [["intern plan steps (in-process, warm)", ms(inProcess), "", inProcess <= TARGET_MS ? "ok" : "OVER", vsSnake(inProcess)]]),
      ["node -e 0 (start-up floor)", ms(wall(nodeBase)), ms(cpu(nodeBase)), "", ""],
      snakemake ? [`snakemake ${snakemakeVersion(snakemake)} -n --cores 1`, ms(wall(snake)), ms(cpu(snake)), "", "1.0x"] : ["snakemake (not installed)", "-", "-", "", ""],
    ];
    console.log(`\nEnd to end, ${cliTrials} trials (${3 * cliTrials + 2} stages; Snakemake: ${3 * cliTrials + 2} jobs): median of ${cliReps} (snakemake: ${snakemake ? snakemakeReps : 0})\n`);
    console.log(table(["COMMAND", "WALL ms", "CPU ms", `<= ${TARGET_MS} ms`, "VS SNAKEMAKE"], rows));
    return { results, cli: wall(intern), inProcess, snakemake: snakemake ? wall(snake) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function snakemakeVersion(bin) {
  return spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
}

if (isMain(import.meta.url)) {
  const r = await runSweep();
  if (r.cli > TARGET_MS || (r.inProcess ?? 0) > TARGET_MS) process.exitCode = 1;
}
