import type { AuditCheck } from "./compare-locks.js";
import { reproduces } from "./compare-locks.js";

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
}

export function auditSummary(input: Omit<AuditSummary, "reproduced">, runSucceeded: boolean): AuditSummary {
  return { ...input, reproduced: runSucceeded && input.moved.length === 0 && reproduces(input.checks) };
}

const cell = (v: unknown) => String(v).replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The audit report as Markdown. Pure. */
export function auditMarkdown(a: AuditSummary): string {
  const lines = [`# Audit of ${a.lock}: ${a.reproduced ? "reproduces" : "does NOT reproduce"}`, "", `Rerun: run ${a.run}, with \`apply --locked\`. Tolerance for metrics: ${a.tolerance}.`, ""];
  lines.push(`Replayed from the lock's transcripts: ${a.replayed.length > 0 ? a.replayed.join(", ") : "none"}.`, "");
  lines.push(`Recomputed: ${a.recomputed.length > 0 ? a.recomputed.join(", ") : "none"}.`, "");
  if (a.moved.length > 0) lines.push("Resolved differently from the lock:", "", ...a.moved.map((m) => `- ${m}`), "");
  lines.push("| Item | Verdict | Recorded | Rerun | Difference | Tolerance |", "| --- | --- | --- | --- | --- | --- |");
  for (const c of a.checks) lines.push(`| ${cell(c.item)} | ${c.verdict} | ${cell(c.recorded)} | ${cell(c.rerun)} | ${c.delta === undefined ? "-" : cell(Number(c.delta.toPrecision(6)))} | ${c.tolerance === undefined ? "-" : cell(Number(c.tolerance.toPrecision(6)))} |`);
  const count = (v: AuditCheck["verdict"]) => a.checks.filter((c) => c.verdict === v).length;
  lines.push("", `${count("bit-identical")} bit-identical, ${count("within tolerance")} within tolerance, ${count("not matching")} not matching, ${count("missing")} missing.`);
  return `${lines.join("\n")}\n`;
}
