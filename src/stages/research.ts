import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent, type AgentOutcome } from "../agent/index.js";
import { idRefusal, stripVersion } from "../sources/index.js";
import { agentStage, agentSummary, policyText, refusalsIn, stopReason } from "./agent-stage.js";
import { papersFetched, type FetchedPaper } from "./papers-fetched.js";
import { revisionsSeen } from "./revisions-seen.js";
import { datasetTools, paperTools } from "./research-tools.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** A dataset research proposes, with the evidence for it. */
export interface Candidate {
  dataset: string;
  /** arXiv id of the paper that used or introduced it, or null. */
  paper: string | null;
  quote: string;
  why: string;
}

interface ResearchAnswer {
  candidates: { dataset: string; paper?: string; quote?: string; why: string }[];
  papers?: { id: string; title?: string; relevance?: string }[];
  notes?: string;
}

export const RESEARCH_ANSWER_SCHEMA = {
  type: "object",
  properties: {
    candidates: {
      type: "array",
      description: "Hub datasets worth training on, best first, each with the evidence",
      items: {
        type: "object",
        properties: {
          dataset: { type: "string", description: "Hub dataset id, owner/name" },
          paper: { type: "string", description: "arXiv id of the paper that used or introduced it" },
          quote: { type: "string", description: "a short quote from the paper or card supporting it" },
          why: { type: "string", description: "why it should help on the benchmark" },
        },
        required: ["dataset", "why"],
        additionalProperties: false,
      },
    },
    papers: {
      type: "array",
      items: { type: "object", properties: { id: { type: "string" }, title: { type: "string" }, relevance: { type: "string" } }, required: ["id"], additionalProperties: false },
    },
    notes: { type: "string" },
  },
  required: ["candidates"],
  additionalProperties: false,
};

function systemPrompt(ctx: StageContext): string {
  const r = ctx.recipe;
  return [
    "You are the research step of a post-training pipeline. Find papers relevant to the goal and the benchmark, and the Hugging Face Hub datasets they trained on or introduced, that could improve the model on the benchmark.",
    `Goal: ${r.goal}`,
    `Benchmark: ${r.benchmark.name}${r.benchmark.task ? ` (task ${r.benchmark.task})` : ""}, metric ${r.benchmark.metric}, target ${r.benchmark.target}.`,
    `Read at most ${r.sources.maxPapers} papers.`,
    policyText(ctx),
    "Finish by calling `answer` with candidate datasets, each with the paper id, a short quote and why it helps.",
  ].join("\n\n");
}

function userPrompt(ctx: StageContext): string {
  const seeds = ctx.recipe.sources.seedPapers;
  return seeds.length > 0 ? `Start from these papers: ${seeds.join(", ")}.` : "Start by searching for papers on the goal and the benchmark.";
}

/** Datasets the tools showed before the stage stopped without an answer: what it found so far. */
function foundSoFar(outcome: AgentOutcome): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const call of outcome.toolCalls) {
    if (!call.result.ok) continue;
    const value = call.result.value as { items?: { id?: unknown }[] } | null;
    if (value === null || typeof value !== "object" || !Array.isArray(value.items)) continue;
    let args: Record<string, unknown> = {};
    try {
      args = typeof call.arguments === "string" ? (JSON.parse(call.arguments) as Record<string, unknown>) : (call.arguments as Record<string, unknown>);
    } catch {
      // the arguments were reported to the model as invalid; nothing to take from them
    }
    for (const item of value.items) {
      if (typeof item.id !== "string" || out.has(item.id)) continue;
      const paper = call.name === "paper_datasets" && typeof args.id === "string" ? args.id : null;
      out.set(item.id, { dataset: item.id, paper, quote: "", why: `found by ${call.name}${paper ? ` (linked to paper ${paper})` : ""} before the stage stopped` });
    }
  }
  return [...out.values()];
}

/** research: papers on the goal and benchmark -> candidate datasets with evidence. */
export const researchRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const agent = agentStage(ctx);
    const r = ctx.recipe;
    const tools = [...paperTools(agent.sources, agent.policy, r.sources.paperProviders, 12_000), ...datasetTools(agent.sources, agent.policy, 4_000)];
    const outcome = await runAgent<ResearchAnswer>({
      llm: agent.llm,
      system: systemPrompt(ctx),
      user: userPrompt(ctx),
      tools,
      answer: { schema: RESEARCH_ANSWER_SCHEMA, description: "Give the candidate datasets with their evidence. Call this once, when you are done." },
      maxSteps: r.agent.maxSteps,
      ledger: agent.ledger,
      transcript: agent.transcript,
      signal: ctx.signal,
      secrets: agent.secrets,
    });
    const refused = refusalsIn(outcome);
    const proposed: Candidate[] =
      outcome.kind === "answer"
        ? outcome.value.candidates.map((c) => ({ dataset: c.dataset, paper: c.paper ?? null, quote: c.quote ?? "", why: c.why }))
        : foundSoFar(outcome);
    // A paper is evidence only when a tool fetched it in this stage: one the model only names
    // (it may not exist) is dropped, and said.
    const fetched = papersFetched(outcome.toolCalls);
    const fetchedPaper = (id: string): FetchedPaper | null => fetched.get(stripVersion(id)) ?? null;
    const unverifiedPapers: { id: string; named: string }[] = [];
    // The model's word is not enough: every candidate goes through the policy again.
    const candidates: Candidate[] = [];
    for (const c of proposed) {
      const refusal = idRefusal(agent.policy, "dataset", c.dataset);
      if (refusal === null) {
        if (c.paper !== null && fetchedPaper(c.paper) === null) {
          unverifiedPapers.push({ id: c.paper, named: `as the paper behind ${c.dataset}` });
          candidates.push({ ...c, paper: null });
        } else candidates.push(c);
      } else if (!refused.some((x) => x.id === c.dataset && x.reason === refusal.reason)) refused.push({ id: c.dataset, reason: refusal.reason });
    }
    const papers: { id: string; title?: string; relevance?: string }[] = [];
    for (const p of outcome.kind === "answer" ? (outcome.value.papers ?? []) : []) {
      const f = fetchedPaper(p.id);
      if (f === null) unverifiedPapers.push({ id: p.id, named: "in the answer's papers" });
      // The title the source gave, not the one the model wrote.
      else papers.push({ ...p, ...(f.title !== null ? { title: f.title } : {}) });
    }
    if (unverifiedPapers.length > 0) {
      ctx.note?.(`papers the model named that no tool fetched, left out: ${unverifiedPapers.map((u) => `${u.id} (${u.named})`).join(", ")}`);
    }
    const stopped = stopReason(ctx, outcome);
    const result = {
      candidates,
      papers,
      unverifiedPapers,
      refused,
      // The commit each dataset revision resolved to in this stage's tool results: discover says
      // when the one it pins is another (the branch moved in between).
      revisionsSeen: revisionsSeen(outcome.toolCalls),
      stopped,
      ...agentSummary(agent, outcome),
    };
    writeFileSync(join(ctx.dir, "candidates.json"), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  },
};
