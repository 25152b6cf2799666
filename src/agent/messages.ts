/**
 * The chat vocabulary the agent speaks, independent of the SDK: what the tool loop builds, what
 * the transcript records and what replay serves. `wireRequest` turns a request into the JSON the
 * Mistral API receives (snake_case), which is also what request digests are computed over.
 */

/** A call the model asked for. `id` is the provider's id (Mistral: 9 characters), echoed back. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON string, or an object when the SDK parsed it. */
  arguments: string | Record<string, unknown>;
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; toolCalls?: ToolCallRequest[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** `any`: the model must call some tool; `{ name }`: it must call that one. */
export type ToolChoice = "auto" | "any" | "none" | { name: string };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse {
  id: string;
  model: string;
  content: string | null;
  toolCalls: ToolCallRequest[];
  /** `stop`, `tool_calls`, `length`, ... as the provider said. */
  finishReason: string;
  usage: TokenUsage;
}

/** Sampling and limits of every call, from the recipe's `agent` settings. */
export interface SamplingSettings {
  model: string;
  temperature: number;
  seed: number;
  maxTokens: number;
}

/** The request as JSON on the wire (Mistral's field names), without transport headers. */
export function wireRequest(settings: SamplingSettings, req: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model: settings.model,
    temperature: settings.temperature,
    random_seed: settings.seed,
    max_tokens: settings.maxTokens,
    messages: req.messages.map(wireMessage),
  };
  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (req.toolChoice !== undefined) {
    out.tool_choice = typeof req.toolChoice === "string" ? req.toolChoice : { type: "function", function: { name: req.toolChoice.name } };
  }
  return out;
}

function wireMessage(m: ChatMessage): Record<string, unknown> {
  switch (m.role) {
    case "system":
    case "user":
      return { role: m.role, content: m.content };
    case "assistant":
      return {
        role: "assistant",
        content: m.content,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: m.toolCallId, name: m.name, content: m.content };
  }
}
