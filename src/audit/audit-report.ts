import type { AuditCheck } from "./compare-locks.js";
import { reproduces } from "./compare-locks.js";
import type { AuditExplanation } from "./explain.js";
import { seedSpreadMarkdown, type SeedSpread } from "./seed-spread.js";

export interface AuditSummary {
  lock: string;
  run: string;
  /** Agentic stages served from the lock's transcripts. */
  replayed: string[];
  /** Stages run again. */
  recomputed: string[];
  /** Problems that stopped the rerun or that it resolved differently (`apply --locked`). */
  moved: string[];
  checks: AuditCheck[];
  tolerance: string;
  reproduced: boolean;
  explanation?: AuditExplanation;
  /** `--seeds N`: the final metric over N other training seeds, and whether the recorded one lies inside. */
  seedSpread?: SeedSpread;
}

export function auditSummary(input: Omit<AuditSummary, "reproduced">, runSucceeded: boolean): AuditSummary {
  return { ...input, reproduced: runSucceeded && input.moved.length === 0 && reproduces(input.checks) };
}

const cell = (v: unknown) => String(v).replace(/\|/g, "\\|").replace(/\n/g, " ");

const VERDICT_TEXT: Record<AuditExplanation["verdict"], string> = {
  "reproduced bit for bit": "every number, model and per-item result is the same, bit for bit.",
  "reproduced within tolerance": "every metric is within its tolerance, though not every bit is the same.",
  "differs, and the environment differs": "numeric drift is expected when the machine or the packages differ (PyTorch promises no bit-identity across CPUs, GPUs or releases); see what moved below, and rerun on the recorded environment to tell drift from a real difference.",
  "differs in the same environment": "nothing recorded about the machine or its packages moved, so this is a real difference: look at the first stage that diverged, and at the training settings below.",
  "differs; the lock records no environment to compare": "the lock was written without environment fingerprints, so drift cannot be told from a real difference; apply the recipe again to record one.",
};

function explanationMarkdown(x: AuditExplanation): string[] {
  const lines = [`**Verdict: ${x.verdict}**: ${VERDICT_TEXT[x.verdict]}`, ""];
  lines.push(x.firstDivergence === null ? "First divergence: none: every recorded stage output is bit-identical." : `First divergence: **${x.firstDivergence.stage}** (${x.firstDivergence.what} differ${x.firstDivergence.what.endsWith("s") ? "" : "s"}); every stage before it is bit-identical.`, "");
  if (!x.environmentRecorded) lines.push("Environment: not compared (the lock or the rerun has no fingerprint).", "");
  else if (x.environment.length === 0) lines.push("Environment: the same as recorded (hardware, packages, threads, seeds).", "");
  else lines.push("Environment, then (the lock) and now (the rerun):", "", ...x.environment.map((e) => `- ${e}`), "");
  if (x.settings.length > 0) lines.push("Training settings that differ (what was run, not the machine):", "", ...x.settings.map((e) => `- ${e}`), "");
  for (const f of x.flips) lines.push(`Items of ${f.stage}: ${f.flipped} of ${f.items} changed outcome (${f.gained} gained, ${f.lost} lost).`);
  if (x.flips.length > 0) lines.push("");
  return lines;
}

/** The audit report as Markdown. Pure. */
export function auditMarkdown(a: AuditSummary): string {
  const lines = [`# Audit of ${a.lock}: ${a.reproduced ? "reproduces" : "does NOT reproduce"}`, "", `Rerun: run ${a.run}, with \`apply --locked\`. Tolerance for metrics: ${a.tolerance}.`, ""];
  if (a.explanation) lines.push(...explanationMarkdown(a.explanation));
  if (a.seedSpread) lines.push(...seedSpreadMarkdown(a.seedSpread));
  lines.push(`Replayed from the lock's transcripts: ${a.replayed.length > 0 ? a.replayed.join(", ") : "none"}.`, "");
  lines.push(`Recomputed: ${a.recomputed.length > 0 ? a.recomputed.join(", ") : "none"}.`, "");
  if (a.moved.length > 0) lines.push("Resolved differently from the lock:", "", ...a.moved.map((m) => `- ${m}`), "");
  lines.push("| Item | Verdict | Recorded | Rerun | Difference | Tolerance |", "| --- | --- | --- | --- | --- | --- |");
  for (const c of a.checks) lines.push(`| ${cell(c.item)} | ${c.verdict} | ${cell(c.recorded)} | ${cell(c.rerun)} | ${c.delta === undefined ? "-" : cell(Number(c.delta.toPrecision(6)))} | ${c.tolerance === undefined ? "-" : cell(Number(c.tolerance.toPrecision(6)))} |`);
  const count = (v: AuditCheck["verdict"]) => a.checks.filter((c) => c.verdict === v).length;
  lines.push("", `${count("bit-identical")} bit-identical, ${count("within tolerance")} within tolerance, ${count("not matching")} not matching, ${count("differs")} traces differing (these explain, they do not fail an audit), ${count("missing")} missing.`);
  return `${lines.join("\n")}\n`;
}
