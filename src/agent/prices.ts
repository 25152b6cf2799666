/**
 * List prices per million tokens (USD) of the models intern knows, for budget estimates and
 * the token ledger. A recipe's `agent.pricing` overrides them (negotiated prices, new models).
 */
export const PRICE_TABLE: Readonly<Record<string, { input: number; output: number }>> = {
  "mistral-large-latest": { input: 2, output: 6 },
  "mistral-medium-latest": { input: 0.4, output: 2 },
  "mistral-small-latest": { input: 0.1, output: 0.3 },
  "magistral-medium-latest": { input: 2, output: 5 },
  "codestral-latest": { input: 0.3, output: 0.9 },
  "open-mistral-nemo": { input: 0.15, output: 0.15 },
};

export function priceOf(model: string, override: { inputUsdPerMtok: number; outputUsdPerMtok: number } | null): { input: number; output: number } | null {
  if (override) return { input: override.inputUsdPerMtok, output: override.outputUsdPerMtok };
  return PRICE_TABLE[model] ?? null;
}
