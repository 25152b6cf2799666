import type { Lock, LockedFingerprint } from "./types.js";

/*
 * What differs between the environments two locks recorded, in the words people use: for an
 * audit's explanation (then: the lock, now: the rerun) and for `intern diff` (A then, B now).
 */

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

const short = (v: unknown) => String(v).replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1…");
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
  const [da, db] = [get(a, "software.packages_sha256"), get(b, "software.packages_sha256")];
  if (da !== undefined && db !== undefined && da !== db && JSON.stringify([...pa]) === JSON.stringify([...pb])) {
    out.push(`installed package files: the same versions, built differently (${short(da)} then, ${short(db)} now)`);
  }
  const ea = a.environment ?? {};
  const eb = b.environment ?? {};
  for (const k of [...new Set([...Object.keys(ea), ...Object.keys(eb)])].sort()) {
    if (ea[k] !== eb[k]) out.push(`${k}: ${show(ea[k])} then, ${show(eb[k])} now`);
  }
  return out;
}
