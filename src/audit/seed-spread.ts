/** How a recorded metric sits among reruns of training with other seeds. */
export interface SeedSpread {
  stage: string;
  metric: string;
  recorded: number;
  /** Seed -> the metric that trial reached. */
  runs: { seed: number; value: number }[];
  mean: number;
  /** Sample standard deviation over the seeds (0 with one seed). */
  sd: number;
  min: number;
  max: number;
  /** Whether the recorded number is inside the run-to-run distribution: within 2 sd of the mean, or within the range the seeds reached. */
  inside: boolean;
}

/** The spread of a metric over seeds, and whether the recorded value lies inside it. Pure. */
export function seedSpread(stage: string, metric: string, recorded: number, runs: { seed: number; value: number }[]): SeedSpread {
  const n = runs.length;
  const values = runs.map((r) => r.value);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const inside = Math.abs(recorded - mean) <= 2 * sd + 1e-12 || (recorded >= min - 1e-12 && recorded <= max + 1e-12);
  return { stage, metric, recorded, runs, mean, sd, min, max, inside };
}

/** The spread as Markdown lines. Pure. */
export function seedSpreadMarkdown(s: SeedSpread): string[] {
  const f = (v: number) => Number(v.toPrecision(4));
  return [
    `Seed spread of ${s.metric} of ${s.stage} over ${s.runs.length} other training seeds: **${f(s.mean)} ± ${f(s.sd)}** (sd; range ${f(s.min)} to ${f(s.max)}). The recorded ${f(s.recorded)} is ${s.inside ? "inside" : "OUTSIDE"} the run-to-run distribution.`,
    "",
    "| Seed | " + s.metric + " |",
    "| --- | --- |",
    ...s.runs.map((r) => `| ${r.seed} | ${r.value} |`),
    "",
  ];
}

/**
 * Makes a recipe as read (before validation) train with each of `seeds`: a matrix over
 * `training.hyperparameters.seed`, with a later stage's own `seed` dropped so that every training
 * stage of a chain takes the swept one.
 */
export function sweepSeeds(data: Record<string, unknown>, seeds: number[]): void {
  const training = data.training as { then?: unknown } | undefined;
  if (typeof training === "object" && training !== null && Array.isArray(training.then)) {
    for (const phase of training.then as unknown[]) {
      const hp = typeof phase === "object" && phase !== null ? (phase as { hyperparameters?: unknown }).hyperparameters : undefined;
      if (typeof hp === "object" && hp !== null) delete (hp as Record<string, unknown>).seed;
    }
  }
  data.matrix = { "training.hyperparameters.seed": seeds };
}
