import { Mistral } from "@mistralai/mistralai";
import type { ChatCompletionRequest, ChatCompletionResponse } from "@mistralai/mistralai/models/components";
import { ConnectionError, MistralError, RequestAbortedError, RequestTimeoutError } from "@mistralai/mistralai/models/errors";
import { cancelled, InternError } from "../errors.js";
import { redact, secretValues } from "../process/redact.js";
import type { Recipe } from "../recipe/types.js";
import type { ChatMessage, ChatRequest, ChatResponse, SamplingSettings, ToolCallRequest } from "./messages.js";
import { retryDelayMs, type RetryPolicy, DEFAULT_RETRY } from "./retry.js";

/** Everything a call needs besides the messages: sampling, endpoint and time limit. */
export interface LlmSettings extends SamplingSettings {
  /** Null: the SDK's default endpoint (https://api.mistral.ai). */
  serverUrl: string | null;
  timeoutMs: number;
  /** The most prompt tokens one call may send (`agent.max_prompt_tokens`); older tool results are dropped to stay under it. */
  maxPromptTokens?: number;
}

/** What the tool loop calls. One `complete` is one logical call: retries happen inside it. */
export interface LlmClient {
  readonly settings: LlmSettings;
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>;
}

/**
 * The recipe's `agent` settings, with `MISTRAL_SERVER_URL` over `agent.server_url` over the
 * SDK's default endpoint.
 */
export function llmSettings(agent: Recipe["agent"], env: Readonly<Record<string, string | undefined>>): LlmSettings {
  const fromEnv = env.MISTRAL_SERVER_URL;
  return {
    model: agent.model,
    temperature: agent.temperature,
    seed: agent.seed,
    maxTokens: agent.maxTokens,
    maxPromptTokens: agent.maxPromptTokens,
    serverUrl: fromEnv !== undefined && fromEnv !== "" ? fromEnv : agent.serverUrl,
    timeoutMs: agent.timeoutSeconds * 1000,
  };
}

export interface MistralClientOptions {
  settings: LlmSettings;
  /** Where MISTRAL_API_KEY (and the secrets to keep out of errors) come from. */
  env: Readonly<Record<string, string | undefined>>;
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts; tests pass one that records instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For Retry-After given as an HTTP date. */
  now?: () => number;
}

/**
 * A client over the Mistral SDK. The SDK's own retries are off: this client retries 429s, 5xx
 * answers and connection failures itself (honouring Retry-After), so one logical call makes at
 * most `retry.maxAttempts` requests. A timeout is not retried: the plan bounds a stage's wall
 * clock by one timeout per step.
 */
export function createMistralClient(options: MistralClientOptions): LlmClient {
  const { settings, env } = options;
  const apiKey = requireApiKey(env);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const secrets = secretValues(env);
  const sdk = new Mistral({
    apiKey,
    ...(settings.serverUrl !== null ? { serverURL: settings.serverUrl } : {}),
    timeoutMs: settings.timeoutMs,
    retryConfig: { strategy: "none" },
  });

  async function complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const body = sdkRequest(settings, request);
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelled("the LLM call");
      // The SDK lets a caller's signal replace its timeout, so both go into one signal.
      const timeout = AbortSignal.timeout(settings.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let failure: { retryable: boolean; retryAfter: string | null; error: InternError };
      try {
        const res = await sdk.chat.complete(body, { retries: { strategy: "none" }, signal: combined });
        return fromSdkResponse(res);
      } catch (err) {
        if (signal?.aborted) throw cancelled("the LLM call");
        failure = classify(err, settings, secrets);
      }
      if (!failure.retryable || attempt >= policy.maxAttempts) {
        if (failure.retryable) {
          throw new InternError("INTERN_LLM_UNAVAILABLE", `${failure.error.message} (gave up after ${attempt} attempts)`, {
            hint: failure.error.hint ?? "try again later, or point MISTRAL_SERVER_URL at another endpoint",
          });
        }
        throw failure.error;
      }
      await sleep(retryDelayMs(attempt, failure.retryAfter, policy, now()), signal);
    }
  }

  return { settings, complete };
}

/**
 * The client a replay uses: it carries the settings requests are built from (so digests match
 * the recording) and needs no key, because a replaying transcript never calls it.
 */
export function replayClient(settings: LlmSettings): LlmClient {
  return {
    settings,
    complete: async () => {
      throw new InternError("INTERN_REPLAY_MISSING", "a replay makes no LLM call: serve requests from the transcript");
    },
  };
}

function classify(err: unknown, settings: LlmSettings, secrets: string[]): { retryable: boolean; retryAfter: string | null; error: InternError } {
  const where = settings.serverUrl ?? "the Mistral API";
  if (err instanceof MistralError) {
    const status = err.statusCode;
    const body = redact(err.body, secrets).slice(0, 500);
    if (status === 401 || status === 403) {
      return {
        retryable: false,
        retryAfter: null,
        error: new InternError("INTERN_LLM_UNAUTHORIZED", `${where} refused MISTRAL_API_KEY (HTTP ${status})`, {
          hint: "check that MISTRAL_API_KEY holds a valid key for this endpoint",
        }),
      };
    }
    const retryable = status === 429 || status >= 500;
    return {
      retryable,
      retryAfter: err.headers.get("retry-after"),
      error: new InternError(retryable ? "INTERN_LLM_UNAVAILABLE" : "INTERN_LLM_REQUEST", `${where} answered HTTP ${status}: ${body}`),
    };
  }
  if (err instanceof RequestTimeoutError) {
    return {
      retryable: false,
      retryAfter: null,
      error: new InternError("INTERN_LLM_TIMEOUT", `no answer from ${where} within ${settings.timeoutMs / 1000}s`, {
        hint: "raise agent.timeout in the recipe, or check the endpoint",
      }),
    };
  }
  if (err instanceof ConnectionError) {
    return { retryable: true, retryAfter: null, error: new InternError("INTERN_LLM_UNAVAILABLE", `cannot reach ${where}`, { hint: "check MISTRAL_SERVER_URL / agent.server_url and the network" }) };
  }
  if (err instanceof RequestAbortedError) return { retryable: false, retryAfter: null, error: cancelled("the LLM call") };
  const message = err instanceof Error ? err.message : String(err);
  return { retryable: false, retryAfter: null, error: new InternError("INTERN_LLM_REQUEST", `call to ${where} failed: ${redact(message, secrets)}`) };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled("the LLM call"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled("the LLM call"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function sdkRequest(settings: SamplingSettings, req: ChatRequest): ChatCompletionRequest {
  const out: ChatCompletionRequest = {
    model: settings.model,
    temperature: settings.temperature,
    randomSeed: settings.seed,
    maxTokens: settings.maxTokens,
    messages: req.messages.map(sdkMessage),
  };
  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (req.toolChoice !== undefined) {
    out.toolChoice = typeof req.toolChoice === "string" ? req.toolChoice : { type: "function", function: { name: req.toolChoice.name } };
  }
  return out;
}

function sdkMessage(m: ChatMessage): ChatCompletionRequest["messages"][number] {
  switch (m.role) {
    case "system":
      return { role: "system", content: m.content };
    case "user":
      return { role: "user", content: m.content };
    case "assistant":
      return {
        role: "assistant",
        content: m.content,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? { toolCalls: m.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
    case "tool":
      return { role: "tool", toolCallId: m.toolCallId, name: m.name, content: m.content };
  }
}

function fromSdkResponse(res: ChatCompletionResponse): ChatResponse {
  const choice = res.choices[0];
  const message = choice?.message;
  const content = typeof message?.content === "string" ? message.content : Array.isArray(message?.content) ? message.content.map((c) => ("text" in c && typeof c.text === "string" ? c.text : "")).join("") : null;
  const toolCalls: ToolCallRequest[] = (message?.toolCalls ?? []).map((c) => ({ id: c.id ?? "", name: c.function.name, arguments: c.function.arguments }));
  return {
    id: res.id,
    model: res.model,
    content,
    toolCalls,
    finishReason: String(choice?.finishReason ?? "stop"),
    usage: { promptTokens: res.usage.promptTokens ?? 0, completionTokens: res.usage.completionTokens ?? 0 },
  };
}

/** MISTRAL_API_KEY from the environment, or the error that says how to set it. */
export function requireApiKey(env: Readonly<Record<string, string | undefined>>): string {
  const apiKey = env.MISTRAL_API_KEY;
  if (apiKey === undefined || apiKey.trim() === "") {
    throw new InternError("INTERN_LLM_NO_API_KEY", "MISTRAL_API_KEY is not set: agentic stages call the Mistral API with it", {
      hint: "export MISTRAL_API_KEY=... (a key from console.mistral.ai, or your endpoint's key); it is read from the environment only; `--replay RUN` needs none",
    });
  }
  return apiKey;
}
