import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent, type AgentOutcome, type AgentTool } from "../agent/index.js";
import { InternError } from "../errors.js";
import { agentStage, agentSummary, stopReason, type AgentStage } from "./agent-stage.js";
import { needOutput } from "./outputs.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** The file the stage writes in its folder, one `{"messages": [...]}` a line, as prepare reads conversational data. */
export const SYNTHETIC_FILE = "synthetic.jsonl";

const ADD_TOOL = "add_examples";

interface Message {
  role: "system" | "user" | "assistant";
  content: string;
}

interface Example {
  gap: string;
  messages: Message[];
}

const MESSAGE_SCHEMA = {
  type: "object",
  properties: { role: { enum: ["system", "user", "assistant"] }, content: { type: "string", minLength: 1 } },
  required: ["role", "content"],
  additionalProperties: false,
};

const ADD_SCHEMA = {
  type: "object",
  properties: {
    gap: { type: "string", minLength: 1, description: "the gap in the training data these examples fill" },
    examples: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: { messages: { type: "array", minItems: 2, items: MESSAGE_SCHEMA, description: "a conversation: user turns and assistant replies, ending with the assistant" } },
        required: ["messages"],
        additionalProperties: false,
      },
    },
  },
  required: ["gap", "examples"],
  additionalProperties: false,
};

export const SYNTHESIZE_ANSWER_SCHEMA = {
  type: "object",
  properties: {
    gaps: {
      type: "array",
      description: "the gaps you filled, each with why the chosen data leaves it open",
      items: { type: "object", properties: { gap: { type: "string" }, why: { type: "string" } }, required: ["gap", "why"], additionalProperties: false },
    },
    notes: { type: "string" },
  },
  required: ["gaps"],
  additionalProperties: false,
};

function systemPrompt(ctx: StageContext, max: number): string {
  const r = ctx.recipe;
  return [
    "You are the synthetic data step of a post-training pipeline. Name the gaps the training data leaves for the goal and the benchmark, and write training conversations that fill them.",
    `Goal: ${r.goal}`,
    `Benchmark: ${r.benchmark.name}, metric ${r.benchmark.metric}, target ${r.benchmark.target}.`,
    `Write at most ${max} examples in all, with \`${ADD_TOOL}\` (a gap and a batch of conversations). Never copy or paraphrase benchmark items: examples overlapping the benchmark are removed before training.`,
    "Finish by calling `answer` with the gaps you filled.",
  ].join("\n\n");
}

function userPrompt(ctx: StageContext): string {
  const chosen = needOutput(ctx, "discover")?.mix;
  const mix = Array.isArray(chosen) ? chosen : null;
  if (mix !== null) return `The training mix discover chose:\n${JSON.stringify(mix.map((m) => ({ dataset: m.id, format: m.format, fraction: m.fraction, why: m.why })), null, 2)}`;
  const pinned = ctx.recipe.data.datasets ?? [];
  return `The recipe's training data:\n${JSON.stringify(pinned.map((d) => ({ dataset: d.source.kind === "hub" ? d.source.id : d.source.path, format: d.format, fraction: d.fraction })), null, 2)}`;
}

/** Why an example cannot be trained on, or null. */
function problemOf(messages: Message[]): string | null {
  if (!messages.some((m) => m.role === "user")) return "it has no user turn";
  if (messages[messages.length - 1]!.role !== "assistant") return "it does not end with an assistant reply";
  if (messages.some((m) => m.content.trim() === "")) return "a turn is empty";
  return null;
}

/**
 * `add_examples`: keeps well-formed conversations up to `max` in all; the rest are dropped and the
 * model is told why. The kept examples are in the tool's result, so the transcript holds them and
 * a replay writes the same file.
 */
function addTool(max: number): AgentTool {
  let kept = 0;
  return {
    name: ADD_TOOL,
    description: `Add training conversations for one gap. At most ${max} examples are kept in all; the result says how many are left.`,
    parameters: ADD_SCHEMA,
    run: async (args) => {
      const gap = String(args.gap);
      const accepted: Example[] = [];
      const rejected: { index: number; reason: string }[] = [];
      (args.examples as { messages: Message[] }[]).forEach((e, index) => {
        const problem = problemOf(e.messages);
        if (problem !== null) rejected.push({ index, reason: problem });
        else if (kept >= max) rejected.push({ index, reason: `sources.synthetic.max_examples (${max}) reached` });
        else {
          kept++;
          accepted.push({ gap, messages: e.messages.map((m) => ({ role: m.role, content: m.content })) });
        }
      });
      return { accepted, rejected, remaining: max - kept };
    },
  };
}

/** The examples `add_examples` kept, in order, from the outcome (so a replay finds the same). */
function examplesIn(outcome: AgentOutcome): Example[] {
  const out: Example[] = [];
  for (const call of outcome.toolCalls) {
    if (call.name !== ADD_TOOL || !call.result.ok) continue;
    const v = call.result.value as { accepted?: Example[] } | null;
    if (v !== null && typeof v === "object" && Array.isArray(v.accepted)) out.push(...v.accepted);
  }
  return out;
}

function write(dir: string, examples: Example[]): { path: string; sha256: string; bytes: number } {
  const text = examples.map((e) => JSON.stringify({ messages: e.messages })).join("\n") + (examples.length > 0 ? "\n" : "");
  const path = join(dir, SYNTHETIC_FILE);
  writeFileSync(path, text);
  return { path, sha256: createHash("sha256").update(text).digest("hex"), bytes: Buffer.byteLength(text) };
}

async function synthesize(ctx: StageContext, agent: AgentStage): Promise<Record<string, unknown>> {
  const max = ctx.recipe.sources.synthetic.maxExamples;
  const outcome = await runAgent<{ gaps: { gap: string; why: string }[]; notes?: string }>({
    llm: agent.llm,
    system: systemPrompt(ctx, max),
    user: userPrompt(ctx),
    tools: [addTool(max)],
    answer: { schema: SYNTHESIZE_ANSWER_SCHEMA, description: "Name the gaps you filled. Call this once, when you are done." },
    maxSteps: ctx.recipe.agent.maxSteps,
    ledger: agent.ledger,
    transcript: agent.transcript,
    signal: ctx.signal,
    secrets: agent.secrets,
  });
  // A budget or step stop ends with the examples kept so far, never more than max_examples.
  const examples = examplesIn(outcome).slice(0, max);
  const file = write(ctx.dir, examples);
  const stopped = stopReason(ctx, outcome);
  const byGap = new Map<string, number>();
  for (const e of examples) byGap.set(e.gap, (byGap.get(e.gap) ?? 0) + 1);
  const why = outcome.kind === "answer" ? new Map(outcome.value.gaps.map((g) => [g.gap, g.why])) : new Map<string, string>();
  const result = {
    file: file.path,
    sha256: file.sha256,
    bytes: file.bytes,
    examples: examples.length,
    maxExamples: max,
    gaps: [...byGap].map(([gap, n]) => ({ gap, examples: n, why: why.get(gap) ?? null })),
    notes: outcome.kind === "answer" ? (outcome.value.notes ?? null) : null,
    stopped,
    ...agentSummary(agent, outcome),
  };
  writeFileSync(join(ctx.dir, "synthetic.json"), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** synthesize: the LLM writes training conversations for gaps it names, within max_examples and the LLM budget. */
export const synthesizeRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    if (!ctx.recipe.sources.synthetic.allow) throw new InternError("INTERN_UNSUPPORTED", `stage ${ctx.stage.id}: sources.synthetic.allow is false`);
    mkdirSync(ctx.dir, { recursive: true });
    return synthesize(ctx, agentStage(ctx));
  },
};
