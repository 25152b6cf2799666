import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Executor, JobSpec, JobStatus, ProblemReporter } from "../types.js";
import { cancelJob } from "./cancel.js";
import { findJob } from "./find.js";
import { pollJobs, type UnsettledCounts } from "./poll.js";
import { batchScriptPath } from "./script-identity.js";
import { defaultRunner, type CommandRunner, type SlurmClient } from "./slurm-command.js";
import { submitJob } from "./submit.js";

/** Job ids of a stage's earlier attempts, one per line: `find` must never take them for the current one. */
const SUPERSEDED = "slurm-superseded";

export interface SlurmExecutorOptions {
  /** Added to every Slurm client's environment (SLURM_CONF of the cluster to talk to). */
  env?: Record<string, string>;
  /** Runs each client command; `runCommand` by default. */
  run?: CommandRunner;
  /** Time limit of each client call: a controller that is down makes them hang. */
  timeoutMs?: number;
  /** How long a submission keeps trying while the controller does not answer. */
  submitRetryMs?: number;
  /** How long `cancel` waits for the job to leave squeue. */
  cancelWaitMs?: number;
  cancelIntervalMs?: number;
  /** How far back `find` looks in accounting for a finished job of the stage. */
  findLookbackDays?: number;
  /** Polls a job may stay without a verdict (accounting lagging behind squeue) before squeue's word is final. */
  settleAfter?: number;
  /** Told what went wrong talking to Slurm (a poll that got no answer, a cancel that timed out). */
  onProblem?: ProblemReporter;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs job stages as Slurm batch jobs. A ref is the Slurm job id. Every client call goes through
 * the one process wrapper with a time limit; a poll that gets no answer leaves jobs unknown for
 * that poll rather than failed.
 */
export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  private readonly client: SlurmClient;
  private readonly unsettled: UnsettledCounts = new Map();
  private readonly options: Required<Omit<SlurmExecutorOptions, "env" | "run" | "timeoutMs">>;

  constructor(options: SlurmExecutorOptions = {}) {
    this.client = { run: options.run ?? defaultRunner, env: options.env ?? {}, timeoutMs: options.timeoutMs ?? 30_000 };
    this.options = {
      submitRetryMs: options.submitRetryMs ?? 120_000,
      cancelWaitMs: options.cancelWaitMs ?? 120_000,
      cancelIntervalMs: options.cancelIntervalMs ?? 1000,
      findLookbackDays: options.findLookbackDays ?? 30,
      settleAfter: options.settleAfter ?? 3,
      onProblem: options.onProblem ?? (() => {}),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  /** `--output` of the rendered batch script; stderr goes to the same file. */
  logPath(job: Pick<JobSpec, "dir">): string {
    return join(job.dir, "job.log");
  }

  describe(job: JobSpec): string {
    return `sbatch --parsable ${batchScriptPath(job)} (from ${job.dir}, log ${this.logPath(job)})`;
  }

  label(ref: string): string {
    return `Slurm job ${ref}`;
  }

  submit(job: JobSpec): Promise<string> {
    return submitJob(this.client, job, () => this.find(job), { windowMs: this.options.submitRetryMs, sleep: this.options.sleep });
  }

  find(job: JobSpec): Promise<string | null> {
    return findJob(this.client, job, this.options.findLookbackDays, superseded(job.dir));
  }

  /**
   * Before a new attempt: the job an earlier attempt left (failed, timed out, preempted) is set
   * aside, so that a restart of intern re-attaches to the new attempt's job, never the old one.
   */
  async discard(job: Pick<JobSpec, "dir">): Promise<void> {
    const earlier = await this.find({ dir: job.dir, script: "", stageId: job.dir, env: {}, timeLimitSeconds: 0, gpus: 0 });
    if (earlier !== null) appendFileSync(join(job.dir, SUPERSEDED), `${earlier}\n`);
  }

  async poll(refs: readonly string[]): Promise<Map<string, JobStatus>> {
    const { statuses, problems } = await pollJobs(this.client, refs, this.unsettled, this.options.settleAfter);
    for (const p of problems) this.options.onProblem(p);
    return statuses;
  }

  async cancel(ref: string): Promise<void> {
    const problem = await cancelJob(this.client, ref, this.options.cancelWaitMs, this.options.cancelIntervalMs, this.options.sleep);
    if (problem !== null) this.options.onProblem(problem);
  }
}

function superseded(dir: string): Set<string> {
  const path = join(dir, SUPERSEDED);
  return new Set(existsSync(path) ? readFileSync(path, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "") : []);
}
