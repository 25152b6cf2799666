import type { RunState } from "../../run/run-state.js";
import { html, type Html } from "./escape.js";
import { clock } from "./scale.js";

interface Resource {
  name: string;
  spent: number;
  limit: number | null;
  show: (v: number) => string;
  /** Said beside the figure: calls served from recorded transcripts spend nothing. */
  note?: string | null;
}

/** What the run spent against each limit the recipe set, as bars (amber past 80%, red at the limit). */
export function budgetSection(state: RunState): Html {
  const b = state.budget;
  const resources: Resource[] = [
    { name: "GPU-hours", spent: state.spent.gpuHours, limit: b.gpuHours, show: (v) => v.toFixed(3) },
    { name: "Wall clock", spent: state.spent.wallSeconds, limit: b.wallClockSeconds, show: clock },
    { name: "LLM tokens", spent: state.spent.llmTokens, limit: b.llmTokens, show: (v) => Math.round(v).toLocaleString("en-US"), note: (state.replayed?.llmTokens ?? 0) > 0 ? `replayed from transcripts; recorded: ${Math.round(state.replayed!.llmTokens).toLocaleString("en-US")} tokens` : null },
    { name: "LLM spend (USD)", spent: state.spent.llmUsd, limit: b.llmUsd, show: (v) => `$${v.toFixed(2)}` },
  ];
  const rows = resources.map((r) => {
    const share = r.limit !== null && r.limit > 0 ? r.spent / r.limit : null;
    const level = share === null ? "" : share >= 1 ? " over" : share >= 0.8 ? " near" : "";
    const width = share === null ? 0 : Math.min(100, Math.max(share > 0 ? 0.5 : 0, share * 100));
    return html`<div class="budget-row"><span class="budget-name">${r.name}</span><span class="track">${share === null ? html`<span class="nolimit">no limit</span>` : html`<span class="fill${level}" style="width:${width.toFixed(1)}%"></span>`}</span><span class="budget-text">${r.show(r.spent)}${r.limit === null ? "" : ` of ${r.show(r.limit)} (${((share ?? 0) * 100).toFixed(share !== null && share < 0.01 && share > 0 ? 2 : 0)}%)`}${r.note ? html`<br><span class="muted">${r.note}</span>` : null}</span></div>`;
  });
  return html`<section id="budget"><h2>Budget</h2><div class="budget">${rows}</div></section>`;
}
