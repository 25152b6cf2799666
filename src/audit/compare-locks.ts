import { differences } from "../lock/flatten.js";
import type { Lock } from "../lock/types.js";

export type Verdict = "bit-identical" | "within tolerance" | "not matching" | "missing";

/** One thing the audit compared between the lock and the rerun. */
export interface AuditCheck {
  /** `metric evaluate (acc)`, `prepared data of prepare`, `transcript research`. */
  item: string;
  verdict: Verdict;
  recorded: string;
  rerun: string;
  /** For metrics: the largest difference accepted. */
  tolerance?: number;
  delta?: number;
}

export interface ToleranceOptions {
  /** The recorded standard error times this (default 2). */
  factor: number;
  /** An absolute tolerance instead, for every metric. */
  absolute: number | null;
}

/** Compares each recorded metric with the rerun's within a tolerance, and what must match bit for bit (data, transcripts, decisions). Pure. */
export function compareLocks(recorded: Lock, rerun: Lock, tol: ToleranceOptions): AuditCheck[] {
  const checks: AuditCheck[] = [];
  for (const e of recorded.evaluations) {
    const item = `metric ${e.metric} of ${e.stage}`;
    const now = rerun.evaluations.find((x) => x.stage === e.stage && x.metric === e.metric);
    if (!now) {
      checks.push({ item, verdict: "missing", recorded: String(e.value), rerun: "-" });
      continue;
    }
    const delta = now.value - e.value;
    const tolerance = tol.absolute ?? (e.stderr ?? 0) * tol.factor;
    const verdict: Verdict = delta === 0 ? "bit-identical" : Math.abs(delta) <= tolerance + 1e-12 ? "within tolerance" : "not matching";
    checks.push({ item, verdict, recorded: `${e.value}${e.stderr !== null ? ` ± ${e.stderr}` : ""}`, rerun: `${now.value}${now.stderr !== null ? ` ± ${now.stderr}` : ""}`, tolerance, delta });
  }
  /** `shown` picks what the report prints of each side; the whole value is compared. */
  const exact = (item: string, a: unknown, b: unknown, shown: (v: unknown) => unknown = (v) => v) => {
    const moved = differences(a ?? null, b ?? null);
    const show = (v: unknown) => (v === undefined || v === null ? "-" : typeof shown(v) === "string" ? (shown(v) as string) : JSON.stringify(shown(v)));
    checks.push({ item, verdict: moved.length === 0 ? "bit-identical" : b === undefined ? "missing" : "not matching", recorded: show(a), rerun: show(b) });
  };
  for (const p of recorded.prepared) exact(`prepared data of ${p.stage}`, p.sha256, rerun.prepared.find((x) => x.stage === p.stage)?.sha256);
  for (const [stage, digest] of Object.entries(recorded.transcripts)) exact(`transcript of ${stage}`, digest, rerun.transcripts[stage]);
  const digestOf = (v: unknown) => {
    const d = v as Lock["datasets"][number];
    return d.source === "local" ? d.sha256 : `${d.sha ?? d.revision} ${d.sha256 ?? ""}`.trim();
  };
  recorded.datasets.forEach((d, i) => exact(`dataset ${d.source === "local" ? d.path : `${d.id}${d.file === null ? "" : ` (${d.file})`}`}`, d, rerun.datasets[i], digestOf));
  for (const d of recorded.training.decisions) exact(`decision of ${d.stage}`, d, rerun.training.decisions.find((x) => x.stage === d.stage));
  return checks;
}

export function reproduces(checks: readonly AuditCheck[]): boolean {
  return checks.every((c) => c.verdict === "bit-identical" || c.verdict === "within tolerance");
}
