import { InternError } from "../errors.js";
import type { TokenUsage } from "./messages.js";
import { priceOf } from "./prices.js";

/** The run's LLM limits; null means no limit. */
export interface LlmLimits {
  tokens: number | null;
  usd: number | null;
}

export interface LlmSpend {
  tokens: number;
  usd: number;
}

/** One charged call, handed to `onCharge` so the engine can record it as an event. */
export interface LlmCharge {
  model: string;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
  usd: number;
  /** Spent by the run after this charge. */
  total: LlmSpend;
}

/**
 * What a call may still spend. The engine creates one per run (or stage) with what the run had
 * spent before, and records every charge it is told about.
 */
export interface Ledger {
  readonly limits: LlmLimits;
  spent(): LlmSpend;
  /** Null when a call of this worst case fits; otherwise why it does not. */
  refusal(worst: { promptTokens: number; completionTokens: number }): string | null;
  charge(model: string, usage: TokenUsage): LlmCharge;
}

export interface LedgerOptions {
  limits: LlmLimits;
  /** Spent before this ledger (earlier stages, an earlier session of the run). */
  spent?: LlmSpend;
  model: string;
  /** The recipe's `agent.pricing`; the built-in price table otherwise. */
  pricing: { inputUsdPerMtok: number; outputUsdPerMtok: number } | null;
  onCharge?: (charge: LlmCharge) => void;
}

export function createLedger(options: LedgerOptions): Ledger {
  const { limits } = options;
  const price = priceOf(options.model, options.pricing);
  if (price === null && limits.usd !== null) {
    throw new InternError("INTERN_LLM_PRICE_UNKNOWN", `no price is known for model ${options.model}, so budget.llm.usd cannot be enforced`, {
      hint: "set agent.pricing (input_usd_per_mtok, output_usd_per_mtok) in the recipe",
    });
  }
  const usdOf = (prompt: number, completion: number): number => (price ? (prompt * price.input + completion * price.output) / 1e6 : 0);
  let spent: LlmSpend = { ...(options.spent ?? { tokens: 0, usd: 0 }) };
  return {
    limits,
    spent: () => ({ ...spent }),
    refusal(worst) {
      const tokens = worst.promptTokens + worst.completionTokens;
      if (limits.tokens !== null && spent.tokens + tokens > limits.tokens) {
        return `a call may use up to ${tokens} tokens and ${Math.max(0, limits.tokens - spent.tokens)} of budget.llm.tokens (${limits.tokens}) are left`;
      }
      const usd = usdOf(worst.promptTokens, worst.completionTokens);
      if (limits.usd !== null && spent.usd + usd > limits.usd) {
        return `a call may cost up to $${usd.toFixed(4)} and $${Math.max(0, limits.usd - spent.usd).toFixed(4)} of budget.llm.usd ($${limits.usd}) are left`;
      }
      return null;
    },
    charge(model, usage) {
      const tokens = usage.promptTokens + usage.completionTokens;
      const usd = usdOf(usage.promptTokens, usage.completionTokens);
      spent = { tokens: spent.tokens + tokens, usd: spent.usd + usd };
      const charge: LlmCharge = { model, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, tokens, usd, total: { ...spent } };
      options.onCharge?.(charge);
      return charge;
    },
  };
}

/** Tokens per byte of a request's JSON assumed before any call was charged: JSON-heavy text runs near three bytes a token. */
export const FIRST_TOKENS_PER_BYTE = 1 / 3;
/** Headroom over the highest rate seen, for tokenizers whose rate varies from one text to the next. */
const MARGIN = 1.1;

/**
 * Estimates a request's prompt tokens without the provider's tokenizer, leaning high: the request
 * as it goes over the wire (its JSON, in UTF-8 bytes) at the highest tokens-per-byte rate any
 * earlier call was charged, never below {@link FIRST_TOKENS_PER_BYTE}, plus a margin. `observe`
 * teaches it each call's real count.
 */
export class PromptMeter {
  private rate = FIRST_TOKENS_PER_BYTE;

  /** The prompt tokens `wire` (the request's JSON body) may count. */
  estimate(wire: Record<string, unknown>): number {
    return Math.ceil(wireBytes(wire) * this.rate * MARGIN);
  }

  /** A call's real prompt tokens, as the provider charged them, for the request `wire`. */
  observe(wire: Record<string, unknown>, promptTokens: number): void {
    const bytes = wireBytes(wire);
    if (bytes > 0 && promptTokens / bytes > this.rate) this.rate = promptTokens / bytes;
  }
}

function wireBytes(wire: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(wire), "utf8");
}
