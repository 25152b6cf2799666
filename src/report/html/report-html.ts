import type { RunState, StageState } from "../../run/run-state.js";
import { formatDuration } from "../../recipe/duration.js";
import { metrics, type ReportInput } from "../build-report.js";
import type { RunTimes } from "../stage-times.js";
import type { TrainingCurve } from "../training-curves.js";
import { agentSection } from "./agent-section.js";
import { budgetSection } from "./budget-section.js";
import { DAG_MAX_STAGES, dagChart } from "./dag.js";
import { dataSection } from "./data-section.js";
import { environmentSection, type LockDigest } from "./environment-section.js";
import { Html, html } from "./escape.js";
import { headlineChart, type ScoreBar } from "./headline-chart.js";
import { lossChart } from "./loss-chart.js";
import { short } from "./scale.js";
import { STYLE } from "./style.js";
import { timelineChart } from "./timeline.js";

/** What the page shows beyond the run's state: read from the run folder (see read-run-facts.ts). */
export interface RunFacts {
  times: RunTimes | null;
  curves: TrainingCurve[];
  lock: LockDigest | null;
}

export interface HtmlReportInput extends ReportInput {
  facts: RunFacts;
}

function results(input: HtmlReportInput): { section: Html; cards: Html } {
  const { recipe } = input;
  const b = recipe.benchmark;
  const rows = metrics(input);
  const better = (x: number, y: number) => (b.higherIsBetter ? x > y : x < y);
  const passes = rows.filter((r) => r.stage !== "baseline");
  const best = passes.reduce<(typeof rows)[number] | null>((acc, r) => (acc === null || better(r.value, acc.value) ? r : acc), null);
  const base = rows.find((r) => r.stage === "baseline") ?? null;
  const bars: ScoreBar[] = rows.map((r) => ({ label: r.stage === "baseline" ? "baseline (base model)" : r.label.replace(/^trained model, /, ""), value: r.value, stderr: r.stderr, baseline: r.stage === "baseline", best: r === best }));
  const met = best !== null && (b.higherIsBetter ? best.value >= b.target : best.value <= b.target);
  const delta = best && base ? best.value - base.value : null;
  const cards = html`<div class="cards"><div class="card"><div class="k">Baseline ${b.metric}</div><div class="v">${base ? base.value.toFixed(4) : "-"}</div><div class="s">${base?.stderr != null ? `± ${base.stderr.toFixed(4)}` : "base model"}</div></div><div class="card"><div class="k">Best trained ${b.metric}</div><div class="v ${met ? "good" : ""}">${best ? best.value.toFixed(4) : "-"}</div><div class="s">${best ? `${best.stage}${delta !== null ? `, ${delta >= 0 ? "+" : ""}${delta.toFixed(4)}` : ""}` : "no trained model evaluated"}</div></div><div class="card"><div class="k">Target</div><div class="v ${best === null ? "" : met ? "good" : "bad"}">${short(b.target)}</div><div class="s">${best === null ? "-" : met ? "reached" : "not reached"} (${b.higherIsBetter ? "higher" : "lower"} is better)</div></div><div class="card"><div class="k">Wall clock</div><div class="v">${formatDuration(input.state.spent.wallSeconds)}</div><div class="s">${input.state.stages.size} stages</div></div></div>`;
  const section = html`<section id="results"><h2>Results</h2><p><strong>${b.name}</strong> (${b.harness}), metric <span class="mono">${b.metric}</span>, target ${short(b.target)}. Bars: ± one standard error where the evaluation reports one.</p>${rows.length > 0 ? html`<figure>${headlineChart(bars, b.target, b.metric)}</figure>` : html`<p class="muted">No evaluation has finished.</p>`}<table><thead><tr><th>Model</th><th class="num">${b.metric}</th><th class="num">± stderr</th></tr></thead><tbody>${rows.map((r) => html`<tr><td>${r.label}</td><td class="num">${r.value.toFixed(4)}</td><td class="num">${r.stderr === null ? "-" : r.stderr.toFixed(4)}</td></tr>`)}</tbody></table></section>`;
  return { section, cards };
}

function training(curves: readonly TrainingCurve[], state: RunState): Html | null {
  const trains = [...state.stages.values()].filter((s) => s.kind === "train");
  if (trains.length === 0) return null;
  const figures = trains.map((s) => {
    const c = curves.find((x) => x.stage === s.id);
    if (!c) return html`<figure><p><strong>${s.id}</strong></p><p class="muted">${s.status === "done" || s.status === "cached" ? "No loss was logged." : `Not trained (${s.status}).`}</p></figure>`;
    const last = c.loss.at(-1);
    return html`<figure><p><strong>${s.id}</strong>${s.status === "cached" ? html` <span class="muted">(cached from ${s.fromRun})</span>` : null}</p>${lossChart(c)}<figcaption>${c.loss.length} logged point(s) from <span class="mono">${c.source}</span>${last ? `; last loss ${short(last.y)} at ${c.xLabel} ${short(last.x)}` : ""}${c.evalLoss.length > 0 ? `; last eval loss ${short(c.evalLoss.at(-1)!.y)}` : ""}.</figcaption></figure>`;
  });
  return html`<section id="training"><h2>Training</h2><div class="curves">${figures}</div></section>`;
}

function stageRow(s: StageState, times: RunTimes | null): Html {
  const t = times?.stages.find((x) => x.id === s.id);
  const status = s.kind === "report" && s.status === "running" ? "this report" : s.status;
  const where = s.status === "cached" ? `cached from ${s.fromRun}` : t && t.start !== null ? t.where : s.placement === "job" ? "a job" : "intern";
  const started = t && t.start !== null && times ? `+${formatDuration((t.start - times.start) / 1000)}` : "-";
  const time = s.status === "cached" ? "-" : s.seconds > 0 ? formatDuration(s.seconds) : "-";
  return html`<tr><td class="mono">${s.id}</td><td>${s.kind}</td><td class="mono">${s.needs.join(", ") || "-"}</td><td>${status}${s.error ? html`<div class="error">${s.error}</div>` : null}</td><td>${where}</td><td class="num">${started}</td><td class="num">${time}</td><td class="num">${s.gpuHours > 0 ? s.gpuHours.toFixed(3) : "-"}</td></tr>`;
}

function stagesSection(state: RunState, times: RunTimes | null): Html {
  const stages = [...state.stages.values()];
  const dag = dagChart(stages);
  const legend = html`<div class="legend-line"><span><i style="background:#dcfce7;border-color:#16a34a"></i>done</span><span><i style="background:#cffafe;border-color:#0891b2"></i>cached</span><span><i style="background:#fee2e2;border-color:#dc2626"></i>failed</span><span><i style="background:#f3f4f6;border-color:#cbd5e1"></i>skipped</span><span><i style="background:#fef3c7;border-color:#d97706"></i>running</span><span><i style="background:#fff;border:2px solid #7c3aed"></i>agentic</span></div>`;
  return html`<section id="stages"><h2>Stages</h2>${times && stages.length <= DAG_MAX_STAGES ? html`<h3>Timeline</h3><figure>${timelineChart(times, state.stages)}<figcaption>From the run's start; ◆ a stage reused from the cache; grey bands: the run was interrupted.</figcaption></figure>` : null}<h3>DAG</h3>${dag ? html`<figure>${dag}${legend}<figcaption>An arrow for each need that no other need already leads to; the table lists every need.</figcaption></figure>` : html`<p class="muted">${stages.length} stages: too many to draw; the table lists them.</p>`}<table><thead><tr><th>Stage</th><th>Kind</th><th>Needs</th><th>Status</th><th>Where</th><th class="num">Started</th><th class="num">Time</th><th class="num">GPU-hours</th></tr></thead><tbody>${stages.map((s) => stageRow(s, times))}</tbody></table></section>`;
}

/** The run report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched. Pure. */
export function reportHtml(input: HtmlReportInput): string {
  const { recipe, state, facts } = input;
  const { section: resultsSection, cards } = results(input);
  const sections = [resultsSection, training(facts.curves, state), stagesSection(state, facts.times), dataSection(recipe, state), agentSection(state), budgetSection(state), environmentSection(state, facts.times, facts.lock)].filter((s): s is Html => s !== null);
  const nav = sections.map((s) => /^<section id="([a-z]+)"><h2>([^<]+)<\/h2>/.exec(s.text)).filter((m): m is RegExpExecArray => m !== null);
  const status = state.status;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${recipe.name}: run ${state.id}</title><style>${new Html(STYLE)}</style></head>
<body><header><h1>${recipe.name} <span class="badge ${status}">${status}</span></h1><div class="run">run <span class="mono">${state.id}</span> · started ${state.startedAt}${state.finishedAt ? ` · finished ${state.finishedAt}` : ""} · backend ${state.backend}</div><p class="goal">${recipe.goal}</p>${cards}<nav>${nav.map((m) => html`<a href="#${m[1]}">${m[2]}</a>`)}</nav></header>
${sections}
<footer>Written by intern${facts.times?.intern ? ` ${facts.times.intern}` : ""}. The same report as Markdown: report.md, beside this file.</footer>
</body></html>
`;
  return page.text;
}

