import { describe, expect, it } from "vitest";
import type { AgentOutcome } from "../../src/agent/index.js";
import { stopReason } from "../../src/stages/agent-stage.js";
import type { StageContext } from "../../src/stages/types.js";

const ctx = { recipe: { agent: { maxSteps: 7 } } } as unknown as StageContext;
const progress = { steps: 7, usage: { promptTokens: 0, completionTokens: 0 }, toolCalls: [], lastContent: null };

describe("why an agentic stage stopped", () => {
  it("is null when the agent answered, the budget's reason, or the step limit it reached", () => {
    expect(stopReason(ctx, { kind: "answer", value: {}, ...progress } as AgentOutcome)).toBeNull();
    expect(stopReason(ctx, { kind: "budget", reason: "budget.llm.tokens (5000) reached", ...progress } as AgentOutcome)).toEqual({ why: "budget", reason: "budget.llm.tokens (5000) reached" });
    expect(stopReason(ctx, { kind: "steps", ...progress } as AgentOutcome)).toEqual({ why: "steps", reason: "agent.max_steps (7) reached without an answer" });
  });
});
