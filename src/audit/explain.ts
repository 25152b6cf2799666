import type { Lock, LockedFingerprint } from "../lock/types.js";
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

/** The stage of a check, by the item's last word (`model of train`, `prepared data of prepare`). */
function stageOf(item: string): string | null {
  return /^(?:metric \S+|prepared data|transcript|model|per-item results|decision) of (.+)$/.exec(item)?.[1] ?? null;
}

function firstDiverging(checks: readonly AuditCheck[], order: readonly string[]): AuditExplanation["firstDivergence"] {
  const rank = (stage: string) => {
    const i = order.indexOf(stage);
    return i < 0 ? order.length : i;
  };
  let best: { stage: string; what: string; rank: number } | null = null;
  for (const c of checks) {
    if (c.verdict === "bit-identical") continue;
    const stage = stageOf(c.item);
    if (stage === null) continue;
    const what = c.item.replace(/ of .+$/, "");
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

const fingerprintOf = (lock: Lock, stage: string): LockedFingerprint | null => (lock.fingerprints ?? []).find((f) => f.stages.includes(stage)) ?? null;

/**
 * Each environment difference in words, once, with the stages it concerns when not all of them:
 * the CPU and its features, torch's kernels and threads, GPUs, packages by name, environment
 * variables.
 */
export function environmentDifferences(recorded: Lock, rerun: Lock, order: readonly string[]): string[] {
  return perStage(recorded, rerun, order, (stage) => {
    const a = fingerprintOf(recorded, stage);
    const b = fingerprintOf(rerun, stage);
    return a === null || b === null ? null : fingerprintDifferences(a, b);
  });
}

/** Each training stage's seeds and switches that differ (`seed: 0 then, 1 now`). */
export function settingDifferences(recorded: Lock, rerun: Lock, order: readonly string[]): string[] {
  return perStage(recorded, rerun, order, (stage) => {
    const a = recorded.determinism?.[stage];
    const b = rerun.determinism?.[stage];
    if (a === undefined || b === undefined) return null;
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k}: ${show(a[k])} then, ${show(b[k])} now`);
  });
}

/** Differences found stage by stage, each line once, naming its stages when it does not concern every stage compared. */
function perStage(recorded: Lock, rerun: Lock, order: readonly string[], differ: (stage: string) => string[] | null): string[] {
  const lines = new Map<string, string[]>();
  const stages = [...new Set([...order, ...(recorded.fingerprints ?? []).flatMap((f) => f.stages), ...Object.keys(recorded.determinism ?? {})])];
  let compared = 0;
  for (const stage of stages) {
    const found = differ(stage);
    if (found === null) continue;
    compared++;
    for (const text of found) lines.set(text, [...(lines.get(text) ?? []), stage]);
  }
  return [...lines].map(([text, at]) => (compared > 1 && at.length < compared ? `${text} (${at.join(", ")})` : text));
}

const show = (v: unknown) => (v === undefined || v === null ? "unset" : typeof v === "string" ? v : JSON.stringify(v));
const get = (o: unknown, path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);

/** Named facts first, in the words people use; whatever else differs, by its path. */
function fingerprintDifferences(a: LockedFingerprint, b: LockedFingerprint): string[] {
  const out: string[] = [];
  const named: [string, string][] = [
    ["hardware.cpu.model", "CPU"],
    ["hardware.cpu.arch", "CPU architecture"],
    ["hardware.cpu.cores", "CPU cores"],
    ["software.torch.cpu_capability", "torch CPU kernels"],
    ["software.torch.threads", "torch threads"],
    ["software.torch.version", "torch"],
    ["software.torch.cuda", "CUDA"],
    ["software.torch.cudnn", "cuDNN"],
    ["software.torch.nccl", "NCCL"],
    ["software.python", "Python"],
  ];
  for (const [path, label] of named) {
    const x = get(a, path);
    const y = get(b, path);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${label}: ${show(x)} then, ${show(y)} now`);
  }
  const isa = (f: LockedFingerprint) => new Set((get(f, "hardware.cpu.isa") as string[] | undefined) ?? []);
  const [ia, ib] = [isa(a), isa(b)];
  const lostIsa = [...ia].filter((x) => !ib.has(x));
  const gainedIsa = [...ib].filter((x) => !ia.has(x));
  if (lostIsa.length > 0 || gainedIsa.length > 0) {
    out.push(`CPU features: ${[lostIsa.length > 0 ? `${lostIsa.join(", ")} then only` : "", gainedIsa.length > 0 ? `${gainedIsa.join(", ")} now only` : ""].filter(Boolean).join("; ")}`);
  }
  const gpus = (f: LockedFingerprint) => ((get(f, "hardware.gpus") as { model?: string; capability?: string; driver?: string }[] | undefined) ?? []).map((g) => `${g.model} (sm ${g.capability}, driver ${g.driver ?? "?"})`);
  const [ga, gb] = [gpus(a), gpus(b)];
  if (JSON.stringify(ga) !== JSON.stringify(gb)) out.push(`GPUs: ${ga.length > 0 ? `${ga.length} x ${ga[0]}` : "none"} then, ${gb.length > 0 ? `${gb.length} x ${gb[0]}` : "none"} now`);
  const pkgs = (f: LockedFingerprint) => new Map(((get(f, "software.packages") as string[] | undefined) ?? []).map((p) => p.split("==") as [string, string]));
  const [pa, pb] = [pkgs(a), pkgs(b)];
  for (const name of [...new Set([...pa.keys(), ...pb.keys()])].sort()) {
    if (pa.get(name) !== pb.get(name)) out.push(`package ${name}: ${pa.get(name) ?? "not installed"} then, ${pb.get(name) ?? "not installed"} now`);
  }
  const ea = a.environment ?? {};
  const eb = b.environment ?? {};
  for (const k of [...new Set([...Object.keys(ea), ...Object.keys(eb)])].sort()) {
    if (ea[k] !== eb[k]) out.push(`${k}: ${show(ea[k])} then, ${show(eb[k])} now`);
  }
  return out;
}
