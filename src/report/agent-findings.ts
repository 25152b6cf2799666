import type { RunState } from "../run/run-state.js";

/**
 * What the report says about the agentic stages' refusals, moved revisions, unverified papers and
 * LLM spend: each claim as true as the stage's outputs allow. Pure.
 */

const cell = (v: unknown): string => String(v ?? "-").replace(/\|/g, "\\|").replace(/\n/g, " ");
const rows = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);

/**
 * discover's refusals: those of datasets never used for training, then those of datasets refused
 * once and accepted later (in the mix), then the branches that moved before they were pinned.
 */
export function discoverFindings(outputs: Record<string, unknown>): string[] {
  const out: string[] = [];
  const inMix = new Set(rows(outputs.mix).map((m) => String(m.id).toLowerCase()));
  // Outputs written before refusals were split may still name a dataset of the mix here.
  const refused = rows(outputs.refused).filter((r) => !inMix.has(String(r.id).toLowerCase()));
  const thenAccepted = [...rows(outputs.refusedThenAccepted), ...rows(outputs.refused).filter((r) => inMix.has(String(r.id).toLowerCase()))];
  if (refused.length > 0) {
    out.push("", "Refused by the recipe's sources policy or by the checks (never used for training):", "", "| Dataset | Why |", "| --- | --- |");
    for (const r of refused) out.push(`| ${cell(r.id)} | ${cell(r.reason)} |`);
  }
  if (thenAccepted.length > 0) {
    out.push("", "Refused once, then accepted (these datasets are in the mix above):", "", "| Dataset | Refused once because |", "| --- | --- |");
    for (const r of thenAccepted) out.push(`| ${cell(r.id)} | ${cell(r.reason)} |`);
  }
  const moved = rows(outputs.revisionMoved);
  if (moved.length > 0) {
    out.push("", "Revisions that moved on the Hub before discover pinned them (the mix holds the pinned commit):", "", "| Dataset | Revision | Seen by | Seen at | Pinned |", "| --- | --- | --- | --- | --- |");
    for (const m of moved) out.push(`| ${cell(m.id)} | ${cell(m.revision)} | ${cell(m.by)} | ${cell(m.seen)} | ${cell(m.pinned)} |`);
  }
  return out;
}

/** research's papers that no tool fetched: named by the model, left out of the evidence and the lock. */
export function researchFindings(outputs: Record<string, unknown>): string[] {
  const unverified = rows(outputs.unverifiedPapers);
  if (unverified.length === 0) return [];
  return ["", `Papers the model named that no tool fetched (unverified, left out of the evidence and the lock): ${unverified.map((u) => `${cell(u.id)} (${cell(u.named)})`).join(", ")}.`];
}

/**
 * The budget table's LLM row: what this run spent. Calls served from recorded transcripts spent
 * nothing; what the recorded run was charged for them is said beside it.
 */
export function llmBudgetRow(state: RunState): string {
  const replayed = state.replayed?.llmTokens ?? 0;
  const spent = replayed > 0 ? `${state.spent.llmTokens} (replayed from transcripts; recorded: ${replayed} tokens)` : String(state.spent.llmTokens);
  return `| LLM tokens | ${spent} | ${state.budget.llmTokens ?? "-"} |`;
}
