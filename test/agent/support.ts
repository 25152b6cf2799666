import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMistralClient, type LlmClient, type LlmSettings } from "../../src/agent/llm.js";
import type { RetryPolicy } from "../../src/agent/retry.js";

export const API_KEY = "mk-test-0123456789abcdef";
export const HF_TOKEN = "hf_secretTokenValue42";

export const SETTINGS: LlmSettings = { model: "mistral-small-latest", temperature: 0, seed: 7, maxTokens: 256, serverUrl: null, timeoutMs: 5000 };

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "intern-agent-"));
}

/** A client against `url` whose waits are recorded, not slept. */
export function client(url: string, options: { settings?: Partial<LlmSettings>; retry?: Partial<RetryPolicy>; now?: () => number; env?: Record<string, string> } = {}): { llm: LlmClient; waits: number[] } {
  const waits: number[] = [];
  const llm = createMistralClient({
    settings: { ...SETTINGS, serverUrl: url, ...options.settings },
    env: options.env ?? { MISTRAL_API_KEY: API_KEY, HF_TOKEN },
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.now ? { now: options.now } : {}),
    sleep: async (ms) => void waits.push(ms),
  });
  return { llm, waits };
}
