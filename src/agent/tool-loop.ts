import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { cancelled, InternError, InternalError } from "../errors.js";
import { redact } from "../process/redact.js";
import { PromptMeter, type Ledger } from "./ledger.js";
import type { LlmClient, LlmSettings } from "./llm.js";
import { wireRequest, type ChatMessage, type ChatRequest, type TokenUsage, type ToolCallRequest, type ToolSpec } from "./messages.js";
import type { ToolResult, Transcript } from "./transcript.js";

/**
 * The tool-calling loop of an agentic stage.
 *
 * Design: the model always has to call a tool (`tool_choice: "any"`), and it finishes by calling
 * the answer tool, whose parameters are the answer's JSON Schema. Each request is one step. The
 * last step allowed by `maxSteps` forces the answer tool, so a stage makes at most `maxSteps`
 * requests, as the plan's estimate assumes. Each prompt is kept under `max_prompt_tokens` by
 * dropping the oldest tool results (the model reads a note and may call the tool again). Before
 * each request the worst case (the prompt, estimated high from the request's wire JSON, plus
 * `max_tokens`) is checked against the ledger; a request that could cross a limit is not made and
 * the loop ends with what it has.
 *
 * Tool arguments are checked against the tool's schema before it runs; a bad call, an unknown
 * tool or a tool that throws becomes a tool result the model reads, never a crash. An answer that
 * does not match its schema is sent back once with the validation errors; a second bad answer
 * fails the stage (INTERN_AGENT_ANSWER_INVALID).
 */

/** A function the model may call. `parameters` is a JSON Schema for the arguments object. */
export interface AgentTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  run(args: Record<string, unknown>, signal: AbortSignal | undefined): Promise<unknown>;
}

/** A tool call the loop handled, with what the model was told. */
export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: unknown;
  result: ToolResult;
}

export interface RunAgentInput {
  llm: LlmClient;
  system: string;
  user: string;
  tools: AgentTool[];
  /** The final answer: a tool named `name` (default `answer`) whose arguments match `schema`. */
  answer: { name?: string; description?: string; schema: Record<string, unknown> };
  maxSteps: number;
  ledger: Ledger;
  transcript: Transcript;
  signal?: AbortSignal;
  /** Values removed (`***`) from tool results before the model sees them. */
  secrets?: readonly string[];
}

interface Progress {
  /** LLM requests made. */
  steps: number;
  usage: TokenUsage;
  /** Every tool call made so far, in order: what a stage that stopped early still has. */
  toolCalls: ToolCallRecord[];
  /** The model's last text, if it wrote any. */
  lastContent: string | null;
}

export type AgentOutcome<T = unknown> =
  | ({ kind: "answer"; value: T } & Progress)
  | ({ kind: "budget"; reason: string } & Progress)
  | ({ kind: "steps" } & Progress);

export async function runAgent<T = unknown>(input: RunAgentInput): Promise<AgentOutcome<T>> {
  const { llm, ledger, transcript, signal } = input;
  const answerName = input.answer.name ?? "answer";
  if (input.tools.some((t) => t.name === answerName)) throw new InternalError(`tool name ${answerName} is taken by the answer`);
  if (input.maxSteps < 1) throw new InternalError(`maxSteps must be at least 1, not ${input.maxSteps}`);

  const ajv = new Ajv({ allErrors: true, strict: false });
  const compile = (name: string, schema: Record<string, unknown>): ValidateFunction => {
    try {
      return ajv.compile(schema);
    } catch (err) {
      throw new InternalError(`the JSON Schema of ${name} does not compile`, { cause: err });
    }
  };
  const validators = new Map(input.tools.map((t) => [t.name, compile(t.name, t.parameters)] as const));
  const validateAnswer = compile(answerName, input.answer.schema);
  const specs: ToolSpec[] = [
    ...input.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
    { name: answerName, description: input.answer.description ?? "Give the final answer. Call this once, when you are done.", parameters: input.answer.schema },
  ];

  const messages: ChatMessage[] = [
    { role: "system", content: input.system },
    { role: "user", content: input.user },
  ];
  const progress: Progress = { steps: 0, usage: { promptTokens: 0, completionTokens: 0 }, toolCalls: [], lastContent: null };
  const meter = new PromptMeter();
  let repaired = false;

  const runTool = async (call: ToolCallRequest): Promise<ToolResult> => {
    const tool = input.tools.find((t) => t.name === call.name);
    if (!tool) return { ok: false, error: `there is no tool ${call.name}; the tools are ${specs.map((s) => s.name).join(", ")}` };
    const args = parseArguments(call.arguments);
    if (!args.ok) return args;
    const validate = validators.get(tool.name)!;
    if (!validate(args.value)) return { ok: false, error: `invalid arguments for ${tool.name}: ${formatErrors(validate.errors)}` };
    try {
      return { ok: true, value: await tool.run(args.value, signal) };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  };

  for (;;) {
    if (signal?.aborted) throw cancelled("the agent");
    if (progress.steps >= input.maxSteps) return { kind: "steps", ...progress };
    const last = progress.steps === input.maxSteps - 1;
    const toolChoice: ChatRequest["toolChoice"] = last ? { name: answerName } : "any";
    const { request, wire, promptTokens } = fitPrompt(messages, specs, toolChoice, llm.settings, meter);
    const refusal = ledger.refusal({ promptTokens, completionTokens: llm.settings.maxTokens });
    if (refusal !== null) return { kind: "budget", reason: refusal, ...progress };

    const response = await transcript.llm(wire, () => llm.complete(request, signal));
    meter.observe(wire, response.usage.promptTokens);
    progress.steps++;
    ledger.charge(llm.settings.model, response.usage);
    progress.usage = {
      promptTokens: progress.usage.promptTokens + response.usage.promptTokens,
      completionTokens: progress.usage.completionTokens + response.usage.completionTokens,
    };
    if (response.content) progress.lastContent = response.content;
    messages.push({ role: "assistant", content: response.content, ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}) });

    if (response.toolCalls.length === 0) {
      messages.push({ role: "user", content: `Reply by calling a tool. When you are done, call \`${answerName}\` with your answer.` });
      continue;
    }
    for (const call of response.toolCalls) {
      let content: string;
      if (call.name === answerName) {
        const args = parseArguments(call.arguments);
        const problems = !args.ok ? args.error : validateAnswer(args.value) ? null : formatErrors(validateAnswer.errors);
        if (problems === null && args.ok) return { kind: "answer", value: args.value as T, ...progress };
        if (repaired) {
          throw new InternError("INTERN_AGENT_ANSWER_INVALID", `the model's answer does not match its schema, after one correction: ${problems}`, {
            hint: "the transcript of the stage shows both answers",
          });
        }
        repaired = true;
        content = JSON.stringify({ error: `the answer does not match the schema: ${problems}. Call ${answerName} again with a corrected answer.` });
      } else {
        const result = await transcript.tool({ name: call.name, arguments: call.arguments }, () => runTool(call));
        const safe = redactResult(result, input.secrets ?? []);
        progress.toolCalls.push({ id: call.id, name: call.name, arguments: call.arguments, result: safe });
        content = safe.ok ? (JSON.stringify(safe.value) ?? "null") : JSON.stringify({ error: safe.error });
      }
      messages.push({ role: "tool", toolCallId: call.id, name: call.name, content });
    }
  }
}

/**
 * The request of the next step, under `agent.max_prompt_tokens`: while its estimate is over the
 * limit, the oldest tool result still whole is replaced by a note saying what was dropped (the
 * model can call the tool again). Mutates `messages`, so later steps keep the shorter history.
 * Fails when the instructions and tool schemas alone do not fit.
 */
function fitPrompt(messages: ChatMessage[], tools: ToolSpec[], toolChoice: ChatRequest["toolChoice"], settings: LlmSettings, meter: PromptMeter) {
  const limit = settings.maxPromptTokens ?? Number.POSITIVE_INFINITY;
  for (;;) {
    const request: ChatRequest = { messages: [...messages], tools, toolChoice };
    const wire = wireRequest(settings, request);
    const promptTokens = meter.estimate(wire);
    if (promptTokens <= limit) return { request, wire, promptTokens };
    const oldest = messages.findIndex((m) => m.role === "tool" && !m.content.startsWith(DROPPED));
    if (oldest === -1) {
      throw new InternError("INTERN_AGENT_PROMPT_TOO_LARGE", `a call's prompt needs about ${promptTokens} tokens with every tool result dropped, over agent.max_prompt_tokens (${limit})`, {
        hint: "raise agent.max_prompt_tokens in the recipe; the stage's instructions and tool schemas must fit in it",
      });
    }
    const m = messages[oldest] as Extract<ChatMessage, { role: "tool" }>;
    messages[oldest] = { ...m, content: `${DROPPED}${JSON.stringify(`the ${m.name} result (${m.content.length} characters) was dropped to keep the prompt under agent.max_prompt_tokens; call the tool again if you still need it`)}}` };
  }
}

/** How a dropped tool result starts, so it is never dropped twice. */
const DROPPED = '{"dropped":';

function parseArguments(raw: string | Record<string, unknown>): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (typeof raw !== "string") return { ok: true, value: raw };
  let value: unknown;
  try {
    value = JSON.parse(raw === "" ? "{}" : raw);
  } catch {
    return { ok: false, error: "the arguments are not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "the arguments must be a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath === "" ? "(root)" : e.instancePath} ${e.message ?? "is invalid"}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ""}`).join("; ");
}

function redactResult(result: ToolResult, secrets: readonly string[]): ToolResult {
  if (secrets.length === 0) return result;
  if (!result.ok) return { ok: false, error: redact(result.error, secrets) };
  const text = JSON.stringify(result.value);
  return text === undefined ? result : { ok: true, value: JSON.parse(redact(text, secrets)) };
}
