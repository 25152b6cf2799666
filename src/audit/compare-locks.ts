import { differences } from "../lock/flatten.js";
import { compareMetrics, type ToleranceOptions } from "../lock/compare-metrics.js";
import type { Lock, LockedEvaluation } from "../lock/types.js";

/** `differs` is for traces (model weights, per-item results): they explain a verdict, they never fail an audit. */
export type Verdict = "bit-identical" | "within tolerance" | "not matching" | "missing" | "differs";

/** One thing the audit compared between the lock and the rerun. */
export interface AuditCheck {
  /** `metric evaluate (acc)`, `prepared data of prepare`, `transcript research`, `model of train`. */
  item: string;
  verdict: Verdict;
  recorded: string;
  rerun: string;
  /** For metrics: the largest difference accepted. */
  tolerance?: number;
  delta?: number;
  /** A trace along the way (model weights, per-item results): it explains, it never fails an audit. */
  trace?: true;
  /** The stage whose output this is, when it is one stage's (not a dataset's). */
  stage?: string;
}

export type { ToleranceOptions };

/**
 * Compares each recorded metric with the rerun's within a tolerance, what must match bit for bit
 * (data, transcripts, decisions), and the traces along the way (each model's weights, each
 * evaluation's per-item results), which only explain. Pure.
 */
export function compareLocks(recorded: Lock, rerun: Lock, tol: ToleranceOptions): AuditCheck[] {
  const checks: AuditCheck[] = [];
  const shown = (e: LockedEvaluation) => `${e.value}${e.stderr !== null ? ` ± ${e.stderr}` : ""}`;
  for (const m of compareMetrics(recorded.evaluations, rerun.evaluations, tol)) {
    const item = `metric ${m.metric} of ${m.stage}`;
    if (m.rerun === null) checks.push({ item, verdict: "missing", recorded: String(m.recorded.value), rerun: "-", stage: m.stage });
    else checks.push({ item, verdict: m.verdict, recorded: shown(m.recorded), rerun: shown(m.rerun), tolerance: m.tolerance, delta: m.delta!, stage: m.stage });
  }
  /** `shown` picks what the report prints of each side; the whole value is compared. */
  const exact = (item: string, stage: string | undefined, a: unknown, b: unknown, shown: (v: unknown) => unknown = (v) => v) => {
    const moved = differences(a ?? null, b ?? null);
    const show = (v: unknown) => (v === undefined || v === null ? "-" : typeof shown(v) === "string" ? (shown(v) as string) : JSON.stringify(shown(v)));
    checks.push({ item, verdict: moved.length === 0 ? "bit-identical" : b === undefined ? "missing" : "not matching", recorded: show(a), rerun: show(b), ...(stage !== undefined ? { stage } : {}) });
  };
  for (const p of recorded.prepared) exact(`prepared data of ${p.stage}`, p.stage, p.sha256, rerun.prepared.find((x) => x.stage === p.stage)?.sha256);
  for (const [stage, digest] of Object.entries(recorded.transcripts)) exact(`transcript of ${stage}`, stage, digest, rerun.transcripts[stage]);
  const digestOf = (v: unknown) => {
    const d = v as Lock["datasets"][number];
    return d.source === "local" ? d.sha256 : `${d.sha ?? d.revision} ${d.sha256 ?? ""}`.trim();
  };
  recorded.datasets.forEach((d, i) => exact(`dataset ${d.source === "local" ? d.path : `${d.id}${d.file === null ? "" : ` (${d.file})`}`}`, undefined, d, rerun.datasets[i], digestOf));
  for (const d of recorded.training.decisions) exact(`decision of ${d.stage}`, d.stage, d, rerun.training.decisions.find((x) => x.stage === d.stage));
  const trace = (what: string, stage: string, a: string | null | undefined, b: string | null | undefined) => {
    if (a === null || a === undefined) return;
    checks.push({ item: `${what} of ${stage}`, verdict: a === b ? "bit-identical" : b === null || b === undefined ? "missing" : "differs", recorded: a, rerun: b ?? "-", trace: true, stage });
  };
  for (const m of recorded.models ?? []) trace("model", m.stage, m.sha256, rerun.models?.find((x) => x.stage === m.stage)?.sha256);
  for (const e of recorded.evaluations) trace("per-item results", e.stage, e.items, rerun.evaluations.find((x) => x.stage === e.stage && x.metric === e.metric)?.items);
  return checks;
}

export function reproduces(checks: readonly AuditCheck[]): boolean {
  return checks.every((c) => c.trace === true || c.verdict === "bit-identical" || c.verdict === "within tolerance");
}
