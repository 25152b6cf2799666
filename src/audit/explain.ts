import { environmentDifferences, settingDifferences } from "../lock/fingerprint-differences.js";
import type { Lock } from "../lock/types.js";
import type { AuditCheck } from "./compare-locks.js";

/** The audit's answer in one phrase. */
export type AuditVerdict =
  | "reproduced bit for bit"
  | "reproduced within tolerance"
  | "differs, and the environment differs"
  | "differs in the same environment"
  | "differs; the lock records no environment to compare";

/** What an audit says beyond its table: where the rerun first moved, what in the environment moved, and items that flipped. */
export interface AuditExplanation {
  verdict: AuditVerdict;
  /** The first stage, in the order the stages ran, whose output differs from the lock's; null when none does (or none was recorded). */
  firstDivergence: { stage: string; what: string } | null;
  /** Each difference between the recorded environment and the rerun's, in words (`CPU: AMD EPYC then, Intel Xeon now`). */
  environment: string[];
  /** Each training stage's seeds and determinism switches that differ (`seed: 0 then, 1 now`): not the machine, what was run. */
  settings: string[];
  /** Whether both the lock and the rerun have fingerprints to compare. */
  environmentRecorded: boolean;
  /** Per evaluation, how many items changed outcome between the lock and the rerun. */
  flips: ItemFlips[];
}

export interface ItemFlips {
  stage: string;
  items: number;
  flipped: number;
  /** Items wrong in the lock and right in the rerun, and the other way round. */
  gained: number;
  lost: number;
}

/** Per-item results as the evaluation stages wrote them (`items.json`). */
export interface ItemList {
  items: { task: string; doc: number; value: number }[];
}

/**
 * Explains an audit: the first stage (in `order`) whose data, model or per-item results differ,
 * the environment differences between the lock's fingerprints and the rerun's, and a verdict
 * that tells numeric drift on another machine from a real difference. Pure.
 */
export function explainAudit(input: {
  recorded: Lock;
  rerun: Lock | null;
  checks: readonly AuditCheck[];
  reproduced: boolean;
  /** Stage ids in the order they ran (the graph's order). */
  order: readonly string[];
  items: { recorded: (stage: string) => ItemList | null; rerun: (stage: string) => ItemList | null };
}): AuditExplanation {
  const { recorded, rerun, checks } = input;
  const environmentRecorded = (recorded.fingerprints ?? []).length > 0 && (rerun?.fingerprints ?? []).length > 0;
  const environment = rerun === null ? [] : environmentDifferences(recorded, rerun, input.order);
  const settings = rerun === null ? [] : settingDifferences(recorded, rerun, input.order);
  const firstDivergence = firstDiverging(checks, input.order);
  const flips: ItemFlips[] = [];
  for (const e of recorded.evaluations) {
    const a = input.items.recorded(e.stage);
    const b = input.items.rerun(e.stage);
    if (a !== null && b !== null) flips.push(countFlips(e.stage, a, b));
  }
  const allIdentical = checks.every((c) => c.verdict === "bit-identical");
  const verdict: AuditVerdict = input.reproduced
    ? allIdentical
      ? "reproduced bit for bit"
      : "reproduced within tolerance"
    : !environmentRecorded
      ? "differs; the lock records no environment to compare"
      : environment.length > 0
        ? "differs, and the environment differs"
        : "differs in the same environment";
  return { verdict, firstDivergence, environment, settings, environmentRecorded, flips };
}

function firstDiverging(checks: readonly AuditCheck[], order: readonly string[]): AuditExplanation["firstDivergence"] {
  const rank = (stage: string) => {
    const i = order.indexOf(stage);
    return i < 0 ? order.length : i;
  };
  let best: { stage: string; what: string; rank: number } | null = null;
  for (const c of checks) {
    const stage = c.stage;
    if (c.verdict === "bit-identical" || stage === undefined) continue;
    const what = c.item.slice(0, -` of ${stage}`.length);
    if (best === null || rank(stage) < best.rank) best = { stage, what, rank: rank(stage) };
  }
  // A dataset that moved comes before every stage.
  const dataset = checks.find((c) => c.item.startsWith("dataset ") && c.verdict !== "bit-identical");
  if (dataset) return { stage: "(input)", what: dataset.item };
  return best === null ? null : { stage: best.stage, what: best.what };
}

function countFlips(stage: string, a: ItemList, b: ItemList): ItemFlips {
  const key = (i: { task: string; doc: number }) => `${i.task}\0${i.doc}`;
  const after = new Map(b.items.map((i) => [key(i), i.value]));
  let flipped = 0;
  let gained = 0;
  let lost = 0;
  for (const i of a.items) {
    const v = after.get(key(i));
    if (v === undefined || v === i.value) continue;
    flipped++;
    if (v > i.value) gained++;
    else lost++;
  }
  return { stage, items: a.items.length, flipped, gained, lost };
}
