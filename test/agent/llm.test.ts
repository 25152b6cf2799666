import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMistralClient, llmSettings } from "../../src/agent/llm.js";
import type { ChatRequest } from "../../src/agent/messages.js";
import { InternError } from "../../src/errors.js";
import type { Recipe } from "../../src/recipe/types.js";
import { failure } from "../helpers/errors.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";
import { API_KEY, client, SETTINGS } from "./support.js";

const HELLO: ChatRequest = { messages: [{ role: "user", content: "hello" }] };

let emu: MistralEmulator;
beforeEach(async () => {
  emu = await startMistralEmulator({ apiKey: API_KEY });
});
afterEach(async () => {
  await emu.close();
});

describe("llmSettings", () => {
  const agent: Recipe["agent"] = {
    provider: "mistral",
    model: "mistral-large-latest",
    serverUrl: "http://recipe.example",
    temperature: 0.2,
    seed: 11,
    maxSteps: 9,
    maxTokens: 1024,
    maxPromptTokens: 8000,
    timeoutSeconds: 60,
    pricing: null,
  };

  it("takes MISTRAL_SERVER_URL over agent.server_url over the SDK default", () => {
    expect(llmSettings(agent, { MISTRAL_SERVER_URL: "http://env.example" }).serverUrl).toBe("http://env.example");
    expect(llmSettings(agent, {}).serverUrl).toBe("http://recipe.example");
    expect(llmSettings({ ...agent, serverUrl: null }, {}).serverUrl).toBeNull();
  });

  it("carries model, sampling, max_tokens, max_prompt_tokens and the timeout from the recipe", () => {
    expect(llmSettings(agent, {})).toEqual({ model: "mistral-large-latest", temperature: 0.2, seed: 11, maxTokens: 1024, maxPromptTokens: 8000, serverUrl: "http://recipe.example", timeoutMs: 60_000 });
  });
});

describe("the Mistral client", () => {
  it("sends the recipe's model, temperature, random_seed and max_tokens with the key as a Bearer token", async () => {
    emu.reply({ content: "hi", usage: { prompt: 5, completion: 1 } });
    const { llm } = client(emu.url);
    const res = await llm.complete(HELLO);
    expect(res).toMatchObject({ content: "hi", toolCalls: [], finishReason: "stop", usage: { promptTokens: 5, completionTokens: 1 }, model: SETTINGS.model });
    expect(emu.requests).toHaveLength(1);
    const req = emu.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.body).toMatchObject({ model: SETTINGS.model, temperature: 0, random_seed: 7, max_tokens: 256, messages: [{ role: "user", content: "hello" }] });
  });

  it("refuses to start without MISTRAL_API_KEY, before any request", () => {
    let error: unknown;
    try {
      createMistralClient({ settings: { ...SETTINGS, serverUrl: emu.url }, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InternError);
    expect((error as InternError).code).toBe("INTERN_LLM_NO_API_KEY");
    expect((error as InternError).message).toContain("MISTRAL_API_KEY");
    expect(emu.requests).toHaveLength(0);
  });

  it("turns a 401 into an error naming MISTRAL_API_KEY, without the key, and does not retry it", async () => {
    const { llm, waits } = client(emu.url, { env: { MISTRAL_API_KEY: "mk-wrong-key-value-999" } });
    const error = await failure(llm.complete(HELLO));
    expect(error.code).toBe("INTERN_LLM_UNAUTHORIZED");
    expect(error.message).toContain("MISTRAL_API_KEY");
    const everything = `${error.message} ${error.hint ?? ""} ${error.stack ?? ""} ${String(error.cause ?? "")}`;
    expect(everything).not.toContain("mk-wrong-key-value-999");
    expect(emu.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("waits what Retry-After says (seconds) after a 429, then succeeds", async () => {
    emu.reply({ status: 429, retryAfter: "3" }, { content: "ok" });
    const { llm, waits } = client(emu.url);
    expect((await llm.complete(HELLO)).content).toBe("ok");
    expect(waits).toEqual([3000]);
    expect(emu.requests).toHaveLength(2);
  });

  it("reads Retry-After as an HTTP date too", async () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    emu.reply({ status: 429, retryAfter: new Date(now + 7000).toUTCString() }, { content: "ok" });
    const { llm, waits } = client(emu.url, { now: () => now });
    await llm.complete(HELLO);
    expect(waits).toEqual([7000]);
    expect(emu.requests).toHaveLength(2);
  });

  it("backs off exponentially on 5xx without Retry-After", async () => {
    emu.reply({ status: 500 }, { status: 503 }, { content: "ok" });
    const { llm, waits } = client(emu.url, { retry: { initialDelayMs: 100 } });
    expect((await llm.complete(HELLO)).content).toBe("ok");
    expect(waits).toEqual([100, 200]);
    expect(emu.requests).toHaveLength(3);
  });

  it("makes exactly maxAttempts requests, not the SDK's retries on top of its own", async () => {
    emu.reply({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const { llm, waits } = client(emu.url, { retry: { maxAttempts: 3, initialDelayMs: 10 } });
    const error = await failure(llm.complete(HELLO));
    expect(error.code).toBe("INTERN_LLM_UNAVAILABLE");
    expect(error.message).toContain("HTTP 500");
    expect(error.message).toContain("after 3 attempts");
    expect(emu.requests).toHaveLength(3);
    expect(waits).toEqual([10, 20]);
  });

  it("retries a refused connection, then says it cannot reach the endpoint", async () => {
    const url = emu.url;
    await emu.close();
    const { llm, waits } = client(url, { retry: { maxAttempts: 2, initialDelayMs: 5 } });
    const error = await failure(llm.complete(HELLO));
    expect(error.code).toBe("INTERN_LLM_UNAVAILABLE");
    expect(error.message).toContain(`cannot reach ${url}`);
    expect(waits).toEqual([5]);
    emu = await startMistralEmulator();
  });

  it("gives up a call after the per-call timeout, without retrying it", async () => {
    emu.reply({ content: "late", delayMs: 3000 });
    const { llm, waits } = client(emu.url, { settings: { timeoutMs: 200 } });
    const started = Date.now();
    const error = await failure(llm.complete(HELLO));
    expect(error.code).toBe("INTERN_LLM_TIMEOUT");
    expect(error.message).toContain("0.2s");
    expect(Date.now() - started).toBeLessThan(2500);
    expect(emu.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("stops when the caller's signal aborts", async () => {
    emu.reply({ content: "late", delayMs: 3000 });
    const { llm } = client(emu.url);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(llm.complete(HELLO, controller.signal));
    expect(error.code).toBe("INTERN_CANCELLED");
    expect(error.message).toBe("the LLM call was cancelled");
  });

  it("sends tool calls and tool results in Mistral's wire format and reads tool calls back", async () => {
    emu.reply({ toolCalls: [{ name: "search", arguments: { q: "gpqa" } }] });
    const { llm } = client(emu.url);
    const first = await llm.complete({
      messages: [{ role: "user", content: "find" }],
      tools: [{ name: "search", description: "search", parameters: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: "any",
    });
    expect(first.finishReason).toBe("tool_calls");
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(JSON.parse(call.arguments as string)).toEqual({ q: "gpqa" });
    expect(emu.requests[0]!.body.tool_choice).toBe("any");
    expect(emu.requests[0]!.body.tools).toEqual([{ type: "function", function: { name: "search", description: "search", parameters: { type: "object", properties: { q: { type: "string" } } } } }]);

    emu.reply({ content: "done" });
    await llm.complete({
      messages: [
        { role: "user", content: "find" },
        { role: "assistant", content: null, toolCalls: first.toolCalls },
        { role: "tool", toolCallId: call.id, name: "search", content: "[]" },
      ],
      toolChoice: { name: "search" },
    });
    const body = emu.requests[1]!.body;
    expect(body.messages[1]!.tool_calls![0]!.id).toBe(call.id);
    expect(body.messages[2]).toMatchObject({ role: "tool", tool_call_id: call.id, name: "search", content: "[]" });
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "search" } });
  });
});
