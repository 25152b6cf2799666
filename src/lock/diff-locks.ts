import { environmentDifferences, settingDifferences } from "./fingerprint-differences.js";
import { describeDifference, differences } from "./flatten.js";
import type { Lock } from "./types.js";

export interface MetricDelta {
  stage: string;
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

/** What differs between two locks, section by section; metrics and budget always, with deltas. */
export interface LockDiff {
  sections: { title: string; changes: string[] }[];
  metrics: MetricDelta[];
  budget: { resource: string; a: number; b: number; delta: number }[];
}

const SECTIONS: [string, (l: Lock) => unknown][] = [
  ["recipe", (l) => ({ intern: l.intern, recipe: l.recipe })],
  ["base model", (l) => l.base_model],
  ["benchmark", (l) => l.benchmark],
  ["datasets and revisions", (l) => l.datasets],
  ["prepared data", (l) => l.prepared],
  ["papers", (l) => l.papers],
  ["agent", (l) => ({ agent: l.agent, transcripts: l.transcripts })],
  ["templates", (l) => l.templates],
  ["environment", (l) => l.environment],
  ["hyperparameters", (l) => ({ method: l.training.method, ...l.training.hyperparameters, ...(l.training.then ? { then: l.training.then } : {}) })],
  ["rewards", (l) => l.training.rewards ?? []],
  ["decisions", (l) => l.training.decisions],
];

/** Pure. */
export function diffLocks(a: Lock, b: Lock): LockDiff {
  const sections = SECTIONS.map(([title, pick]) => ({ title, changes: differences(pick(a), pick(b)).map((d) => describeDifference(d, "in A", "in B")) }));
  // Where the jobs ran, in words ("then" is A, "now" is B), and what each stage's weights came to.
  sections.push({ title: "machine and packages (A then, B now)", changes: environmentDifferences(a, b, []) });
  sections.push({ title: "training seeds and switches (A then, B now)", changes: settingDifferences(a, b, []) });
  sections.push({ title: "models", changes: differences(a.models ?? [], b.models ?? []).map((d) => describeDifference(d, "in A", "in B")) });
  const metrics: MetricDelta[] = [];
  const key = (e: { stage: string; metric: string }) => `${e.stage}\0${e.metric}`;
  const seen = new Set<string>();
  for (const e of [...a.evaluations, ...b.evaluations]) {
    if (seen.has(key(e))) continue;
    seen.add(key(e));
    const va = a.evaluations.find((x) => key(x) === key(e))?.value ?? null;
    const vb = b.evaluations.find((x) => key(x) === key(e))?.value ?? null;
    metrics.push({ stage: e.stage, metric: e.metric, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null });
  }
  const budget = (["llm_tokens", "llm_usd"] as const).map((r) => ({ resource: r, a: a.budget[r], b: b.budget[r], delta: b.budget[r] - a.budget[r] }));
  return { sections, metrics, budget };
}

const num = (v: number | null) => (v === null ? "-" : String(Number(v.toPrecision(6))));
const signed = (v: number | null) => (v === null ? "-" : `${v > 0 ? "+" : ""}${num(v)}`);

/** The diff as text: changed sections only, then metrics and budget with deltas. */
export function formatLockDiff(d: LockDiff, a: string, b: string): string {
  const out = [`A: ${a}`, `B: ${b}`, ""];
  const changed = d.sections.filter((s) => s.changes.length > 0);
  if (changed.length === 0) out.push("Same inputs, data, decisions and settings.", "");
  for (const s of changed) out.push(`${s.title}:`, ...s.changes.map((c) => `  ${c}`), "");
  out.push("metrics:");
  for (const m of d.metrics) out.push(`  ${m.stage} ${m.metric}: ${num(m.a)} -> ${num(m.b)} (${signed(m.delta)})`);
  out.push("", "budget:");
  for (const r of d.budget) out.push(`  ${r.resource}: ${num(r.a)} -> ${num(r.b)} (${signed(r.delta)})`);
  return `${out.join("\n")}\n`;
}
