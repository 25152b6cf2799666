/**
 * What agentic stages use: an LLM client, a ledger, a transcript and the tool loop.
 *
 * ```ts
 * const settings = llmSettings(recipe.agent, env);
 * const transcript = replaying
 *   ? replayTranscript({ file: join(runDir, "transcripts", `${stage}.jsonl`), env })
 *   : recordTranscript({ file: join(runDir, "transcripts", `${stage}.jsonl`), env });
 * const llm = replaying ? replayClient(settings) : createMistralClient({ settings, env });
 * const ledger = createLedger({
 *   limits: { tokens: recipe.budget.llmTokens, usd: recipe.budget.llmUsd },
 *   spent, model: settings.model, pricing: recipe.agent.pricing,
 *   onCharge: (charge) => events.emit(...),
 * });
 * const outcome = await runAgent<Answer>({
 *   llm, system, user, tools, answer: { schema }, maxSteps: recipe.agent.maxSteps,
 *   ledger, transcript, signal, secrets: secretValues(env),
 * });
 * // outcome.kind: "answer" (outcome.value), "budget" or "steps" (outcome.toolCalls so far)
 * ```
 */
export { createLedger, PromptMeter, type Ledger, type LedgerOptions, type LlmCharge, type LlmLimits, type LlmSpend } from "./ledger.js";
export { createMistralClient, llmSettings, replayClient, type LlmClient, type LlmSettings, type MistralClientOptions } from "./llm.js";
export type { ChatMessage, ChatRequest, ChatResponse, TokenUsage, ToolCallRequest, ToolSpec } from "./messages.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { runAgent, type AgentOutcome, type AgentTool, type RunAgentInput, type ToolCallRecord } from "./tool-loop.js";
export { digestOf, recordTranscript, replayTranscript, transcriptDigest, type ToolResult, type Transcript, type TranscriptEntry } from "./transcript.js";
