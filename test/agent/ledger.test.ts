import { describe, expect, it } from "vitest";
import { createLedger, PromptMeter, type LlmCharge } from "../../src/agent/ledger.js";
import { parseRetryAfter, retryDelayMs, DEFAULT_RETRY } from "../../src/agent/retry.js";
import { InternError } from "../../src/errors.js";

describe("the LLM ledger", () => {
  it("charges tokens and USD from usage at the price table's rates, from what was spent before", () => {
    const charges: LlmCharge[] = [];
    const ledger = createLedger({ limits: { tokens: 10_000, usd: 1 }, spent: { tokens: 100, usd: 0.01 }, model: "mistral-large-latest", pricing: null, onCharge: (c) => charges.push(c) });
    const c = ledger.charge("mistral-large-latest", { promptTokens: 1000, completionTokens: 500 });
    // $2 in and $6 out per million tokens.
    expect(c).toMatchObject({ tokens: 1500, promptTokens: 1000, completionTokens: 500 });
    expect(c.usd).toBeCloseTo(0.005, 12);
    expect(ledger.spent().tokens).toBe(1600);
    expect(ledger.spent().usd).toBeCloseTo(0.015, 12);
    expect(charges).toEqual([c]);
  });

  it("uses the recipe's agent.pricing over the table", () => {
    const ledger = createLedger({ limits: { tokens: null, usd: null }, model: "mistral-large-latest", pricing: { inputUsdPerMtok: 10, outputUsdPerMtok: 0 } });
    expect(ledger.charge("mistral-large-latest", { promptTokens: 1_000_000, completionTokens: 1_000_000 }).usd).toBeCloseTo(10, 9);
  });

  it("refuses a worst case that would cross either limit, and allows one that fits exactly", () => {
    const ledger = createLedger({ limits: { tokens: 2000, usd: null }, model: "m", pricing: { inputUsdPerMtok: 1, outputUsdPerMtok: 1 } });
    expect(ledger.refusal({ promptTokens: 1000, completionTokens: 1000 })).toBeNull();
    expect(ledger.refusal({ promptTokens: 1001, completionTokens: 1000 })).toContain("budget.llm.tokens (2000)");
    const usd = createLedger({ limits: { tokens: null, usd: 0.001 }, model: "m", pricing: { inputUsdPerMtok: 1, outputUsdPerMtok: 1 } });
    expect(usd.refusal({ promptTokens: 500, completionTokens: 500 })).toBeNull();
    expect(usd.refusal({ promptTokens: 500, completionTokens: 501 })).toContain("budget.llm.usd");
  });

  it("will not enforce a USD limit for a model without a price", () => {
    expect(() => createLedger({ limits: { tokens: null, usd: 1 }, model: "unknown-model", pricing: null })).toThrow(InternError);
    expect(() => createLedger({ limits: { tokens: 100, usd: null }, model: "unknown-model", pricing: null })).not.toThrow();
  });

  it("estimates a request from its wire JSON at three bytes a token or the highest rate charged since, with headroom", () => {
    const wire = { model: "m", messages: [{ role: "user", content: "x".repeat(3000) }] };
    const bytes = Buffer.byteLength(JSON.stringify(wire));
    const meter = new PromptMeter();
    expect(meter.estimate(wire)).toBe(Math.ceil((bytes / 3) * 1.1));
    // Multi-byte text counts by bytes, not characters.
    expect(meter.estimate({ messages: [{ role: "user", content: "é".repeat(3000) }] })).toBeGreaterThan(2000);
    // A tokenizer that packs two bytes a token teaches it a higher rate; a lower one never lowers it.
    meter.observe(wire, Math.ceil(bytes / 2));
    expect(meter.estimate(wire)).toBeGreaterThanOrEqual(Math.ceil((bytes / 2) * 1.1) - 1);
    meter.observe(wire, 10);
    expect(meter.estimate(wire)).toBeGreaterThanOrEqual(Math.ceil((bytes / 2) * 1.1) - 1);
  });
});

describe("retry delays", () => {
  it("reads Retry-After in seconds or as an HTTP date", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Sun, 01 Jun 2025 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Sun, 01 Jun 2025 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("backs off exponentially up to a cap, and cuts a very long Retry-After", () => {
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, null, DEFAULT_RETRY, 0))).toEqual([1000, 2000, 4000, 30_000]);
    expect(retryDelayMs(1, "3600", DEFAULT_RETRY, 0)).toBe(DEFAULT_RETRY.maxRetryAfterMs);
    expect(retryDelayMs(4, "1", DEFAULT_RETRY, 0)).toBe(1000);
  });
});
