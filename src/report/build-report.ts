import type { RunState, StageState } from "../run/run-state.js";
import type { StageGraph } from "../graph/types.js";
import { formatDuration } from "../recipe/duration.js";
import type { DatasetReport } from "../data/manifest.js";
import type { Recipe } from "../recipe/types.js";
import { discoverFindings, llmBudgetRow, researchFindings } from "./agent-findings.js";
import { dataMarkdown } from "./data-markdown.js";

export interface ReportInput {
  recipe: Recipe;
  graph: StageGraph;
  state: RunState;
}

export interface MetricRow {
  stage: string;
  label: string;
  value: number;
  stderr: number | null;
}

/** Each evaluation that finished, with its score and standard error; the baseline first when it ran first. */
export function metrics(input: ReportInput): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const s of input.graph.stages) {
    if (s.kind !== "evaluate") continue;
    const st = input.state.stages.get(s.id);
    const v = st?.outputs.value;
    if (typeof v !== "number") continue;
    const trial = s.trials.length === 1 ? input.graph.trials.find((t) => t.index === s.trials[0])?.label : "";
    rows.push({ stage: s.id, label: s.id === "baseline" ? "baseline (base model)" : `trained model, ${s.id}${trial ? ` (${trial})` : ""}`, value: v, stderr: typeof st?.outputs.stderr === "number" ? (st.outputs.stderr as number) : null });
  }
  return rows;
}

function fmt(n: number): string {
  return n.toFixed(4);
}

function stageLine(s: StageState): string {
  const time = s.status === "cached" ? `cached from ${s.fromRun}` : s.seconds > 0 ? formatDuration(s.seconds) : "-";
  // The report writes itself: it is running while it does.
  const status = s.kind === "report" && s.status === "running" ? "this report" : s.status;
  return `| ${s.id} | ${s.kind} | ${s.needs.length > 0 ? s.needs.join(", ") : "-"} | ${status} | ${time} | ${s.gpuHours > 0 ? s.gpuHours.toFixed(3) : "-"} |`;
}

const cell = (v: unknown): string => String(v ?? "-").replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The re-weighted mix a decide stage chose, as `; mix: id 0.75, id 0.25`; nothing when it kept the mix. */
function nextMix(outputs: Record<string, unknown>): string {
  if (outputs.mixChanged !== true || !Array.isArray(outputs.mix)) return "";
  return `; mix: ${(outputs.mix as Record<string, unknown>[]).map((m) => `${cell(m.key ?? m.id)} ${cell(m.fraction)}`).join(", ")}`;
}

/**
 * Where the training data came from: every file prepare read, with its digest, rows taken and
 * license, and the papers behind each dataset research proposed.
 */
function provenanceSection(recipe: Recipe, state: RunState): string[] {
  const out: string[] = [];
  const licenses = new Map<string, string>();
  for (const d of recipe.data.datasets ?? []) if (d.license) licenses.set(d.source.kind === "local" ? d.source.path : d.source.id, d.license);
  for (const s of state.stages.values()) {
    if (s.kind === "discover" && Array.isArray(s.outputs.mix)) for (const m of s.outputs.mix as Record<string, unknown>[]) if (typeof m.license === "string") licenses.set(String(m.id), m.license);
  }
  const licenseOf = (path: string): string => licenses.get(path) ?? licenses.get(/^hf:\/\/datasets\/([^@]+)@/.exec(path)?.[1] ?? "") ?? "-";
  const seen = new Set<string>();
  const rows: string[] = [];
  for (const s of state.stages.values()) {
    const manifest = s.kind === "prepare" ? (s.outputs.manifest as { datasets?: DatasetReport[] } | undefined) : undefined;
    for (const d of manifest?.datasets ?? []) {
      const key = `${d.path}|${d.sha256}|${d.rows.taken}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(`| ${cell(d.path)} | \`${cell(d.sha256.replace(/^sha256:/, "").slice(0, 16))}\` | ${cell(d.rows.taken)} | ${cell(licenseOf(d.path))} |`);
    }
  }
  if (rows.length > 0) out.push("", "## Provenance of the training data", "", "| File | sha256 | Rows taken | License |", "| --- | --- | --- | --- |", ...rows);
  for (const s of state.stages.values()) {
    const candidates = s.kind === "research" && Array.isArray(s.outputs.candidates) ? (s.outputs.candidates as Record<string, unknown>[]) : [];
    if (candidates.length === 0) continue;
    out.push("", "Papers behind the datasets research proposed:", "", "| Dataset | Paper | Evidence | Why |", "| --- | --- | --- | --- |");
    for (const c of candidates) out.push(`| ${cell(c.dataset)} | ${cell(c.paper)} | ${cell(c.quote || "-")} | ${cell(c.why)} |`);
  }
  return out;
}

/** What the agentic stages chose and refused: the mix with its pinned commits, refusals, decisions. */
function agentSection(state: RunState): string[] {
  const out: string[] = [];
  for (const s of state.stages.values()) {
    if (s.kind === "discover" && Array.isArray(s.outputs.mix)) {
      out.push("", "## Training data chosen by discover", "", "| Dataset | Commit | File | Fraction | License |", "| --- | --- | --- | --- | --- |");
      for (const m of s.outputs.mix as Record<string, unknown>[]) out.push(`| ${cell(m.id)} | ${cell(m.sha)} | ${cell(m.file)} | ${cell(m.fraction)} | ${cell(m.license)} |`);
      out.push(...discoverFindings(s.outputs));
    }
    if (s.kind === "research") out.push(...researchFindings(s.outputs));
    if (s.kind === "synthesize" && typeof s.outputs.examples === "number") {
      const stopped = s.outputs.stopped as { reason?: string } | null | undefined;
      out.push("", "## Synthetic data", "", `${cell(s.outputs.examples)} examples (at most ${cell(s.outputs.maxExamples)}), sha256 \`${cell(s.outputs.sha256)}\`${stopped?.reason ? `; stopped early: ${cell(stopped.reason)}` : ""}. They were deduplicated and decontaminated with the rest of the data.`);
      const gaps = (s.outputs.gaps ?? []) as Record<string, unknown>[];
      if (gaps.length > 0) {
        out.push("", "| Gap | Examples | Why |", "| --- | --- | --- |");
        for (const g of gaps) out.push(`| ${cell(g.gap)} | ${cell(g.examples)} | ${cell(g.why)} |`);
      }
    }
    if (s.kind === "decide" && typeof s.outputs.decision === "string") {
      out.push("", `Decision after pass ${cell(s.outputs.pass)} (${s.id}): **${cell(s.outputs.decision)}**: ${cell(s.outputs.reason)}${s.outputs.decision === "continue" ? ` (next: ${cell(JSON.stringify(s.outputs.hyperparameters))}${nextMix(s.outputs)})` : ""}`);
      for (const r of (s.outputs.mixRefused ?? []) as Record<string, unknown>[]) out.push("", `Mix change refused (${s.id}): ${cell(r.id)}: ${cell(r.reason)}`);
      for (const r of (s.outputs.hyperparametersRefused ?? []) as Record<string, unknown>[]) out.push("", `Hyperparameter refused (${s.id}): ${cell(r.key)} = ${cell(JSON.stringify(r.value))}: ${cell(r.reason)}`);
    }
  }
  return out;
}

/** The run report as Markdown. Pure. */
export function reportMarkdown(input: ReportInput): string {
  const { recipe, state } = input;
  const rows = metrics(input);
  const lines = [`# ${recipe.name}: run ${state.id}`, "", recipe.goal, ""];
  lines.push(`Benchmark: **${recipe.benchmark.name}** (${recipe.benchmark.harness}), metric \`${recipe.benchmark.metric}\`, target ${recipe.benchmark.target}.`, "");
  lines.push("## Results", "", "| Model | " + recipe.benchmark.metric + " | ± stderr |", "| --- | --- | --- |");
  for (const r of rows) lines.push(`| ${r.label} | ${fmt(r.value)} | ${r.stderr === null ? "-" : fmt(r.stderr)} |`);
  const base = rows.find((r) => r.stage === "baseline");
  const best = rows.filter((r) => r.stage !== "baseline").sort((a, b) => (recipe.benchmark.higherIsBetter ? b.value - a.value : a.value - b.value))[0];
  if (base && best) lines.push("", `Best trained model: ${best.label}, ${fmt(best.value)} against ${fmt(base.value)} for the base model (${best.value - base.value >= 0 ? "+" : ""}${fmt(best.value - base.value)}).`);
  lines.push(...dataMarkdown(state));
  lines.push(...provenanceSection(recipe, state));
  lines.push(...agentSection(state));
  lines.push("", "## Stages", "", "| Stage | Kind | Needs | Status | Time | GPU-hours |", "| --- | --- | --- | --- | --- | --- |");
  for (const s of state.stages.values()) lines.push(stageLine(s));
  lines.push("", "## Budget", "", "| Resource | Spent | Limit |", "| --- | --- | --- |");
  const b = state.budget;
  lines.push(`| GPU-hours | ${state.spent.gpuHours.toFixed(3)} | ${b.gpuHours ?? "-"} |`);
  lines.push(`| Wall clock | ${formatDuration(state.spent.wallSeconds)} | ${b.wallClockSeconds === null ? "-" : formatDuration(b.wallClockSeconds)} |`);
  lines.push(llmBudgetRow(state));
  return `${lines.join("\n")}\n`;
}
