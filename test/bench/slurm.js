// Submitting and tracking many short Slurm jobs: intern's Slurm executor against a naive loop.
//
// Per run, on a real cluster (test/slurm/start.sh):
//   intern  `--jobs` jobs submitted one after another through SlurmExecutor.submit, as the engine
//           does, then SlurmExecutor.poll of every unfinished job each `--interval` seconds (one
//           squeue for all of them, and one sacct for those squeue no longer shows live) until
//           all have finished.
//   naive   the same jobs submitted with a bare `sbatch --parsable` spawn each, then, each round,
//           one `squeue --jobs=<id>` per unfinished job, plus one `sacct -j <id>` for a job that
//           squeue no longer shows live, until accounting says every job finished; then
//           `--interval` seconds of sleep before the next round.
// Every Slurm client call is counted per command; slurmctld's own RPC counters (sdiag) are read
// before and after each phase. The two phases alternate which goes first from run to run, and
// each figure is a median over `--runs`; ratios are taken within a run, then their median.
//
//   node test/bench/slurm.js --state /tmp/intern-slurm [--jobs 200] [--runs 3] [--interval 1]
//                            [--sleep 0] [--timeout-min 30] [--json]
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, machineNote, median, nowMs, option, requireBuild, table } from "./lib.js";

const dist = (p) => import(pathToFileURL(join(ROOT, "dist", p)).href);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Slurm states of a job still in the controller's hands, as squeue's %T prints them. */
const LIVE = new Set([
  "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "STOPPED",
  "SIGNALING", "STAGE_OUT", "RESIZING", "POWER_UP_NODE", "UPDATE_DB",
]);

/** The `export K=V` lines of the cluster's env.sh (SLURM_CONF above all). */
function clusterEnv(stateDir) {
  const env = {};
  for (const line of readFileSync(join(stateDir, "env.sh"), "utf8").split("\n")) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  if (!env.SLURM_CONF) throw new Error(`${stateDir}/env.sh sets no SLURM_CONF`);
  return env;
}

/** Counts each call per command (sbatch, squeue, sacct) and the time spent in it. */
function counting(run, tally) {
  return async (spec) => {
    const t0 = nowMs();
    try {
      return await run(spec);
    } finally {
      const c = (tally[spec.command] ??= { calls: 0, ms: 0 });
      c.calls += 1;
      c.ms += nowMs() - t0;
    }
  };
}

/** A bare spawn per command, what a hand-written loop would use; throws on a non-zero exit. */
function plainRunner(spec) {
  return new Promise((resolve, reject) => {
    execFile(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, timeout: spec.timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${spec.command} ${spec.args.join(" ")}: ${String(stderr).trim() || error.message}`), { stderr }));
      else resolve({ stdout, stderr, exitCode: 0 });
    });
  });
}

/** slurmctld's RPC counts by message type (sdiag), or null where sdiag is not allowed. */
function sdiagCounts(env) {
  const r = spawnSync("sdiag", [], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 15_000 });
  if (r.status !== 0) return null;
  const counts = {};
  let inTypes = false;
  for (const line of r.stdout.split("\n")) {
    if (/statistics by message type/.test(line)) inTypes = true;
    else if (/statistics by user/.test(line) || (inTypes && line.trim() === "")) inTypes = false;
    else if (inTypes) {
      const m = /^\s*(\S+)\s+\(\s*\d+\)\s+count:(\d+)/.exec(line);
      if (m) counts[m[1]] = Number(m[2]);
    }
  }
  return counts;
}

/** RPCs slurmctld served between two sdiag readings, leaving out sdiag's own. */
function rpcDelta(before, after) {
  if (!before || !after) return null;
  let total = 0;
  const byType = {};
  for (const [type, n] of Object.entries(after)) {
    if (type === "REQUEST_STATS_INFO") continue;
    const d = n - (before[type] ?? 0);
    if (d > 0) {
      byType[type] = d;
      total += d;
    }
  }
  return { total, byType };
}

/** `n` job folders, each with a batch script shaped like intern's rendered job.sbatch. */
function writeJobs(root, tag, method, n, body) {
  const jobs = [];
  for (let i = 0; i < n; i++) {
    const stage = `${method}-${i}`;
    const dir = join(root, tag, stage);
    mkdirSync(dir, { recursive: true });
    const script = join(dir, "job.sbatch");
    const lines = [
      "#!/usr/bin/env bash",
      `#SBATCH --job-name=intern:bench:${tag}:${stage}`,
      `#SBATCH --comment=intern:run=bench-${tag}:stage=${stage}:key=${i.toString(16).padStart(16, "0")}`,
      `#SBATCH --output=${join(dir, "job.log")}`,
      "#SBATCH --nodes=1",
      "#SBATCH --ntasks-per-node=1",
      "#SBATCH --time=0-00:01:00",
      body,
    ];
    writeFileSync(script, `${lines.join("\n")}\n`, { mode: 0o755 });
    jobs.push({ stageId: stage, dir, script, env: {}, timeLimitSeconds: 60, gpus: 0 });
  }
  return jobs;
}

/** Ids this process submitted and has not seen finish: cancelled on the way out. */
const outstanding = new Set();
let clusterEnvForCleanup = {};

function cancelOutstanding() {
  if (outstanding.size === 0) return;
  const ids = [...outstanding];
  spawnSync("scancel", ids, { env: { ...process.env, ...clusterEnvForCleanup }, timeout: 30_000 });
  console.error(`cancelled ${ids.length} unfinished job(s) of this benchmark`);
  outstanding.clear();
}

function summarize(method, jobs, tally, t0, tSubmitted, tDone, rounds, failures, rpc) {
  const calls = (c) => tally[c]?.calls ?? 0;
  const total = calls("sbatch") + calls("squeue") + calls("sacct");
  const tracking = calls("squeue") + calls("sacct");
  const wallMin = (tDone - t0) / 60_000;
  return {
    method,
    jobsPerSecond: jobs / ((tSubmitted - t0) / 1000),
    submitSeconds: (tSubmitted - t0) / 1000,
    allFinishedSeconds: (tDone - t0) / 1000,
    sbatch: calls("sbatch"),
    squeue: calls("squeue"),
    sacct: calls("sacct"),
    calls: total,
    callsPerMinute: total / wallMin,
    trackingCallsPerMinute: tracking / ((tDone - tSubmitted) / 60_000),
    rounds,
    callsPerRound: tracking / Math.max(1, rounds),
    msPerSbatch: calls("sbatch") ? tally.sbatch.ms / calls("sbatch") : 0,
    msPerSqueue: calls("squeue") ? tally.squeue.ms / calls("squeue") : 0,
    msPerSacct: calls("sacct") ? tally.sacct.ms / calls("sacct") : 0,
    ctldRpcs: rpc ? rpc.total : null,
    ctldRpcsByType: rpc ? rpc.byType : null,
    failures,
  };
}

/** intern's way: SlurmExecutor.submit one by one, then SlurmExecutor.poll of all unfinished jobs. */
async function runIntern(ctx, jobs) {
  const { SlurmExecutor } = await dist("executors/slurm/slurm-executor.js");
  const { runCommand } = await dist("process/run-process.js");
  const tally = {};
  const problems = [];
  const executor = new SlurmExecutor({ env: ctx.env, run: counting(runCommand, tally), timeoutMs: 30_000, onProblem: (p) => problems.push(p) });
  const rpc0 = sdiagCounts(ctx.env);
  const t0 = nowMs();
  const refs = [];
  for (const job of jobs) {
    const ref = await executor.submit(job);
    outstanding.add(ref);
    refs.push(ref);
  }
  const tSubmitted = nowMs();
  const pending = new Set(refs);
  const failures = [];
  let rounds = 0;
  while (pending.size > 0) {
    if (nowMs() - t0 > ctx.timeoutMs) throw new Error(`intern: ${pending.size} of ${refs.length} jobs still unfinished after ${ctx.timeoutMs / 60_000} min`);
    if (rounds > 0) await sleep(ctx.intervalMs);
    rounds += 1;
    const statuses = await executor.poll([...pending]);
    for (const [ref, st] of statuses) {
      if (st.state === "pending" || st.state === "running") continue;
      pending.delete(ref);
      outstanding.delete(ref);
      if (st.state !== "succeeded") failures.push(`${ref}: ${st.state} ${st.reason ?? ""}`.trim());
    }
  }
  const tDone = nowMs();
  const result = summarize("intern", refs.length, tally, t0, tSubmitted, tDone, rounds, failures, rpcDelta(rpc0, sdiagCounts(ctx.env)));
  result.problems = problems;
  return result;
}

/** The naive loop: a bare sbatch per job, then per job one squeue (and one sacct once it left the queue) each round. */
async function runNaive(ctx, jobs) {
  const tally = {};
  const run = counting(plainRunner, tally);
  const call = (command, args, cwd) => run({ command, args, env: ctx.env, timeoutMs: 30_000, ...(cwd ? { cwd } : {}) });
  const rpc0 = sdiagCounts(ctx.env);
  const t0 = nowMs();
  const ids = [];
  for (const job of jobs) {
    const { stdout } = await call("sbatch", ["--parsable", "--time=1", job.script], job.dir);
    const id = /^(\d+)/.exec(stdout.trim())?.[1];
    if (!id) throw new Error(`naive: sbatch printed no job id: ${JSON.stringify(stdout)}`);
    outstanding.add(id);
    ids.push(id);
  }
  const tSubmitted = nowMs();
  const pending = new Set(ids);
  const failures = [];
  let rounds = 0;
  while (pending.size > 0) {
    if (nowMs() - t0 > ctx.timeoutMs) throw new Error(`naive: ${pending.size} of ${ids.length} jobs still unfinished after ${ctx.timeoutMs / 60_000} min`);
    if (rounds > 0) await sleep(ctx.intervalMs);
    rounds += 1;
    for (const id of [...pending]) {
      let state = "";
      try {
        state = (await call("squeue", [`--jobs=${id}`, "--noheader", "--format=%T"])).stdout.trim();
      } catch (error) {
        // Once the controller has forgotten the job, squeue fails with "Invalid job id specified".
        if (!/Invalid job id/i.test(String(error.stderr ?? error.message))) throw error;
      }
      if (LIVE.has(state)) continue;
      const acct = (await call("sacct", ["-j", id, "-X", "-P", "-n", "-o", "State"])).stdout.trim().split(/\s+/)[0] ?? "";
      if (acct === "" || LIVE.has(acct)) continue; // accounting has not caught up: ask again next round
      pending.delete(id);
      outstanding.delete(id);
      if (acct !== "COMPLETED") failures.push(`${id}: ${acct}`);
    }
  }
  const tDone = nowMs();
  return summarize("naive", ids.length, tally, t0, tSubmitted, tDone, rounds, failures, rpcDelta(rpc0, sdiagCounts(ctx.env)));
}

const METRICS = [
  // key, label, format
  ["jobsPerSecond", "jobs/s submitted", (v) => v.toFixed(1)],
  ["submitSeconds", "submission time (s)", (v) => v.toFixed(1)],
  ["allFinishedSeconds", "time to all finished (s)", (v) => v.toFixed(1)],
  ["sbatch", "sbatch calls", (v) => v.toFixed(0)],
  ["squeue", "squeue calls", (v) => v.toFixed(0)],
  ["sacct", "sacct calls", (v) => v.toFixed(0)],
  ["calls", "controller calls (sbatch+squeue+sacct)", (v) => v.toFixed(0)],
  ["callsPerMinute", "calls/min (whole run)", (v) => v.toFixed(0)],
  ["trackingCallsPerMinute", "squeue+sacct/min (tracking)", (v) => v.toFixed(0)],
  ["rounds", "poll rounds", (v) => v.toFixed(0)],
  ["callsPerRound", "squeue+sacct per round", (v) => v.toFixed(1)],
  ["msPerSbatch", "ms per sbatch call", (v) => v.toFixed(1)],
  ["msPerSqueue", "ms per squeue call", (v) => v.toFixed(1)],
  ["msPerSacct", "ms per sacct call", (v) => v.toFixed(1)],
  ["ctldRpcs", "slurmctld RPCs (sdiag)", (v) => v.toFixed(0)],
];

function ratio(a, b) {
  return typeof a === "number" && typeof b === "number" && a > 0 ? b / a : null;
}

export async function runSlurmBench() {
  requireBuild();
  if (!existsSync(join(ROOT, "dist", "executors", "slurm", "slurm-executor.js"))) throw new Error("dist/executors/slurm/ is missing: run `npm run build` first");
  const stateDir = option("state", process.env.INTERN_SLURM_STATE_DIR ?? "/tmp/intern-slurm");
  const n = Number(option("jobs", "200"));
  const runs = Number(option("runs", "3"));
  const intervalMs = Number(option("interval", "1")) * 1000;
  const jobSleep = Number(option("sleep", "0"));
  const timeoutMs = Number(option("timeout-min", "30")) * 60_000;
  const json = process.argv.includes("--json");
  const log = (line) => console.error(line);

  const env = clusterEnv(stateDir);
  clusterEnvForCleanup = env;
  const ping = spawnSync("scontrol", ["ping"], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 15_000 });
  if (ping.status !== 0 || !/UP/.test(ping.stdout)) throw new Error(`the cluster of ${stateDir} does not answer: ${ping.stdout}${ping.stderr}`);

  const root = mkdtempSync(join(tmpdir(), "intern-bench-slurm-"));
  const onSignal = (sig) => {
    cancelOutstanding();
    rmSync(root, { recursive: true, force: true });
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const body = jobSleep > 0 ? `sleep ${jobSleep}` : "true";
  const ctx = { env, intervalMs, timeoutMs };
  const results = [];
  log(`Slurm submit and track: ${n} jobs (\`${body}\`), poll every ${intervalMs / 1000} s, ${runs} run(s), cluster ${env.SLURM_CONF}`);
  log(machineNote());
  try {
    for (let r = 0; r < runs; r++) {
      const tag = `r${r}-${process.pid}`;
      const order = r % 2 === 0 ? ["intern", "naive"] : ["naive", "intern"];
      const run = {};
      for (const method of order) {
        const jobs = writeJobs(root, tag, method, n, body);
        run[method] = method === "intern" ? await runIntern(ctx, jobs) : await runNaive(ctx, jobs);
        const m = run[method];
        log(
          `run ${r + 1}/${runs} ${method.padEnd(6)}: ${m.jobsPerSecond.toFixed(1)} jobs/s submitted, all finished in ${m.allFinishedSeconds.toFixed(1)} s, ` +
            `${m.calls} calls (sbatch ${m.sbatch}, squeue ${m.squeue}, sacct ${m.sacct}), ${m.callsPerMinute.toFixed(0)} calls/min, ` +
            `${m.rounds} rounds, slurmctld RPCs ${m.ctldRpcs ?? "n/a"}${m.failures.length ? `, ${m.failures.length} FAILED` : ""}`,
        );
        await sleep(2000);
      }
      results.push(run);
    }
  } finally {
    cancelOutstanding();
    rmSync(root, { recursive: true, force: true });
  }

  const medians = { intern: {}, naive: {}, naiveOverIntern: {} };
  for (const [key] of METRICS) {
    const iv = results.map((r) => r.intern[key]).filter((v) => typeof v === "number");
    const nv = results.map((r) => r.naive[key]).filter((v) => typeof v === "number");
    const rv = results.map((r) => ratio(r.intern[key], r.naive[key])).filter((v) => v !== null);
    medians.intern[key] = iv.length ? median(iv) : null;
    medians.naive[key] = nv.length ? median(nv) : null;
    medians.naiveOverIntern[key] = rv.length ? median(rv) : null;
  }
  const failures = results.flatMap((r) => [...r.intern.failures, ...r.naive.failures]);

  // With --json, stdout is the one JSON line and the table goes to stderr with the progress lines.
  const print = json ? (line) => console.error(line) : (line) => console.log(line);
  {
    const fmt = (f, v) => (typeof v === "number" ? f(v) : "n/a");
    print(`\nSlurm: ${n} jobs submitted and tracked, medians of ${runs} run(s); ratio = naive / intern within each run, then the median`);
    print(machineNote());
    print(
      table(
        ["", "intern", "naive", "naive / intern"],
        METRICS.map(([key, label, f]) => [label, fmt(f, medians.intern[key]), fmt(f, medians.naive[key]), fmt((v) => `${v.toFixed(2)}x`, medians.naiveOverIntern[key])]),
      ),
    );
    const callRatio = medians.naiveOverIntern.calls;
    const perMinRatio = medians.naiveOverIntern.callsPerMinute;
    const submitRatio = medians.naiveOverIntern.jobsPerSecond;
    print(
      `\nthe naive loop makes ${fmt((v) => v.toFixed(1), callRatio)}x the controller calls of intern (${fmt((v) => v.toFixed(1), perMinRatio)}x per minute); ` +
        `intern submits at ${fmt((v) => (1 / v).toFixed(2), submitRatio)}x the naive loop's rate`,
    );
    if (failures.length) print(`\n${failures.length} job(s) did not succeed:\n  ${failures.slice(0, 10).join("\n  ")}`);
  }
  if (json) console.log(JSON.stringify({ bench: "slurm", jobs: n, runs, intervalSeconds: intervalMs / 1000, body, slurmConf: env.SLURM_CONF, medians, results, failures }));
  if (failures.length) process.exitCode = 1;
  return { medians, results };
}

await runSlurmBench().catch((error) => {
  cancelOutstanding();
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
