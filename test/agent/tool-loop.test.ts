import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLedger, type LlmCharge, type LlmLimits } from "../../src/agent/ledger.js";
import { runAgent, type AgentTool, type RunAgentInput } from "../../src/agent/tool-loop.js";
import { recordTranscript } from "../../src/agent/transcript.js";
import { failure } from "../helpers/errors.js";
import { startMistralEmulator, type MistralEmulator, type WireMessage } from "../emulators/mistral/server.js";
import { API_KEY, client, tempDir } from "./support.js";

const ANSWER_SCHEMA = {
  type: "object",
  properties: { datasets: { type: "array", items: { type: "string" }, minItems: 1 } },
  required: ["datasets"],
  additionalProperties: false,
};

let emu: MistralEmulator;
beforeEach(async () => {
  emu = await startMistralEmulator({ apiKey: API_KEY });
});
afterEach(async () => {
  await emu.close();
});

function searchTool(calls: unknown[] = []): AgentTool {
  return {
    name: "search_datasets",
    description: "Search Hub datasets",
    parameters: { type: "object", properties: { query: { type: "string" }, limit: { type: "integer", minimum: 1 } }, required: ["query"], additionalProperties: false },
    run: async (args) => {
      calls.push(args);
      return [{ id: `org/${String(args.query)}-data` }];
    },
  };
}

function setup(overrides: Partial<RunAgentInput> & { limits?: LlmLimits; charges?: LlmCharge[] } = {}): RunAgentInput {
  const { llm } = client(emu.url);
  const { limits, charges, ...rest } = overrides;
  return {
    llm,
    system: "You find datasets.",
    user: "Find datasets for GPQA.",
    tools: [searchTool()],
    answer: { schema: ANSWER_SCHEMA },
    maxSteps: 10,
    ledger: createLedger({ limits: limits ?? { tokens: null, usd: null }, model: llm.settings.model, pricing: null, onCharge: (c) => charges?.push(c) }),
    transcript: recordTranscript({ file: join(tempDir(), "research.jsonl"), env: {} }),
    ...rest,
  };
}

const toolMessages = (messages: WireMessage[]): WireMessage[] => messages.filter((m) => m.role === "tool");

describe("runAgent", () => {
  it("runs two tool calls, echoes their ids, and returns the validated answer", async () => {
    const seen: unknown[] = [];
    emu.reply(
      { toolCalls: [{ name: "search_datasets", arguments: { query: "science" }, id: "aaaaaaaa1" }], usage: { prompt: 100, completion: 20 } },
      { toolCalls: [{ name: "search_datasets", arguments: { query: "physics", limit: 3 }, id: "bbbbbbbb2" }], usage: { prompt: 150, completion: 20 } },
      { toolCalls: [{ name: "answer", arguments: { datasets: ["org/science-data"] } }], usage: { prompt: 200, completion: 10 } },
    );
    const charges: LlmCharge[] = [];
    const outcome = await runAgent(setup({ tools: [searchTool(seen)], charges }));
    expect(outcome).toMatchObject({ kind: "answer", value: { datasets: ["org/science-data"] }, steps: 3, usage: { promptTokens: 450, completionTokens: 50 } });
    expect(outcome.toolCalls.map((c) => [c.id, c.name, c.result])).toEqual([
      ["aaaaaaaa1", "search_datasets", { ok: true, value: [{ id: "org/science-data" }] }],
      ["bbbbbbbb2", "search_datasets", { ok: true, value: [{ id: "org/physics-data" }] }],
    ]);
    expect(seen).toEqual([{ query: "science" }, { query: "physics", limit: 3 }]);
    expect(emu.requests).toHaveLength(3);
    const last = emu.requests[2]!.body;
    expect(toolMessages(last.messages)).toEqual([
      { role: "tool", tool_call_id: "aaaaaaaa1", name: "search_datasets", content: JSON.stringify([{ id: "org/science-data" }]) },
      { role: "tool", tool_call_id: "bbbbbbbb2", name: "search_datasets", content: JSON.stringify([{ id: "org/physics-data" }]) },
    ]);
    // The answer is a tool with the answer's schema, and the model must call a tool each step.
    expect(last.tools!.map((t) => t.function.name)).toEqual(["search_datasets", "answer"]);
    expect(last.tools![1]!.function.parameters).toEqual(ANSWER_SCHEMA);
    expect(last.tool_choice).toBe("any");
    expect(charges.map((c) => c.tokens)).toEqual([120, 170, 210]);
    expect(charges[2]!.total.tokens).toBe(500);
  });

  it("sends invalid tool arguments back as an error without running the tool", async () => {
    const seen: unknown[] = [];
    emu.reply(
      { toolCalls: [{ name: "search_datasets", arguments: { query: 42, extra: true } }] },
      { toolCalls: [{ name: "search_datasets", arguments: "{not json" }] },
      { toolCalls: [{ name: "no_such_tool", arguments: {} }] },
      { toolCalls: [{ name: "answer", arguments: { datasets: ["x/y"] } }] },
    );
    const outcome = await runAgent(setup({ tools: [searchTool(seen)] }));
    expect(outcome.kind).toBe("answer");
    expect(seen).toEqual([]);
    const results = toolMessages(emu.requests[3]!.body.messages).map((m) => JSON.parse(String(m.content)) as { error: string });
    expect(results[0]!.error).toContain("invalid arguments for search_datasets");
    expect(results[0]!.error).toContain("/query must be string");
    expect(results[0]!.error).toContain("extra");
    expect(results[1]!.error).toContain("not valid JSON");
    expect(results[2]!.error).toContain("there is no tool no_such_tool");
  });

  it("turns a tool's exception into a result the model reads", async () => {
    const failing: AgentTool = { ...searchTool(), run: async () => { throw new Error("Hub answered 503"); } };
    emu.reply({ toolCalls: [{ name: "search_datasets", arguments: { query: "q" } }] }, { toolCalls: [{ name: "answer", arguments: { datasets: ["a/b"] } }] });
    const outcome = await runAgent(setup({ tools: [failing] }));
    expect(outcome.kind).toBe("answer");
    expect(outcome.toolCalls[0]!.result).toEqual({ ok: false, error: "Hub answered 503" });
    expect(JSON.parse(String(toolMessages(emu.requests[1]!.body.messages)[0]!.content))).toEqual({ error: "Hub answered 503" });
  });

  it("sends an invalid answer back once with the validation errors, and takes the corrected one", async () => {
    emu.reply(
      { toolCalls: [{ name: "answer", arguments: { datasets: [] }, id: "answer001" }] },
      { toolCalls: [{ name: "answer", arguments: { datasets: ["ok/data"] } }] },
    );
    const outcome = await runAgent(setup());
    expect(outcome).toMatchObject({ kind: "answer", value: { datasets: ["ok/data"] }, steps: 2 });
    const [feedback] = toolMessages(emu.requests[1]!.body.messages);
    expect(feedback!.tool_call_id).toBe("answer001");
    expect(String(feedback!.content)).toContain("/datasets must NOT have fewer than 1 items");
  });

  it("fails the stage when the corrected answer is invalid too", async () => {
    emu.reply(
      { toolCalls: [{ name: "answer", arguments: { datasets: [] } }] },
      { toolCalls: [{ name: "answer", arguments: { sets: ["x"] } }] },
      { toolCalls: [{ name: "answer", arguments: { datasets: ["never/asked"] } }] },
    );
    const error = await failure(runAgent(setup()));
    expect(error.code).toBe("INTERN_AGENT_ANSWER_INVALID");
    expect(error.message).toContain("must have required property 'datasets'");
    expect(emu.requests).toHaveLength(2);
  });

  it("asks again when the model answers in text instead of calling a tool", async () => {
    emu.reply({ content: "I think org/data." }, { toolCalls: [{ name: "answer", arguments: { datasets: ["org/data"] } }] });
    const outcome = await runAgent(setup());
    expect(outcome).toMatchObject({ kind: "answer", steps: 2, lastContent: "I think org/data." });
    expect(emu.requests[1]!.body.messages.at(-1)).toMatchObject({ role: "user" });
  });

  it("stops cleanly before a call that could cross a 2,000-token budget, with what it found", async () => {
    // max_tokens 256: each call's worst case is its prompt estimate + 256.
    const turn = (query: string) => ({ toolCalls: [{ name: "search_datasets", arguments: { query } }], usage: { prompt: 500, completion: 100 } });
    emu.reply(turn("one"), turn("two"), turn("three"), turn("four"));
    const charges: LlmCharge[] = [];
    const input = setup({ limits: { tokens: 2000, usd: null }, charges });
    const outcome = await runAgent(input);
    expect(outcome.kind).toBe("budget");
    if (outcome.kind !== "budget") return;
    expect(outcome.reason).toContain("budget.llm.tokens (2000)");
    expect(outcome.steps).toBe(2);
    expect(emu.requests).toHaveLength(2);
    expect(outcome.toolCalls.map((c) => c.arguments)).toEqual([JSON.stringify({ query: "one" }), JSON.stringify({ query: "two" })]);
    expect(input.ledger.spent().tokens).toBe(1200);
    expect(charges).toHaveLength(2);
  });

  it("stops before a call that could cross the USD limit", async () => {
    emu.reply({ toolCalls: [{ name: "search_datasets", arguments: { query: "a" } }], usage: { prompt: 1000, completion: 100 } });
    const { llm } = client(emu.url);
    // $1 per million tokens both ways: the first call may cost ~$0.0003, the second not.
    const ledger = createLedger({ limits: { tokens: null, usd: 0.0015 }, model: llm.settings.model, pricing: { inputUsdPerMtok: 1, outputUsdPerMtok: 1 } });
    const outcome = await runAgent(setup({ ledger }));
    expect(outcome.kind).toBe("budget");
    expect(emu.requests).toHaveLength(1);
    expect(ledger.spent().usd).toBeCloseTo(0.0011, 10);
  });

  it("forces the answer on the last allowed step", async () => {
    const search = { toolCalls: [{ name: "search_datasets", arguments: { query: "q" } }] };
    emu.reply(search, search, { toolCalls: [{ name: "answer", arguments: { datasets: ["forced/one"] } }] });
    const outcome = await runAgent(setup({ maxSteps: 3 }));
    expect(outcome).toMatchObject({ kind: "answer", value: { datasets: ["forced/one"] }, steps: 3 });
    expect(emu.requests.map((r) => r.body.tool_choice)).toEqual(["any", "any", { type: "function", function: { name: "answer" } }]);
  });

  it("ends with a step-limit outcome when the model does not answer within max_steps", async () => {
    const search = { toolCalls: [{ name: "search_datasets", arguments: { query: "q" } }] };
    emu.reply(search, search, search, search);
    const outcome = await runAgent(setup({ maxSteps: 3 }));
    expect(outcome.kind).toBe("steps");
    expect(outcome.steps).toBe(3);
    expect(outcome.toolCalls).toHaveLength(3);
    expect(emu.requests).toHaveLength(3);
  });

  it("stops with INTERN_CANCELLED when the run's signal aborts between steps", async () => {
    const controller = new AbortController();
    emu.reply((request) => {
      // The turn is a function of the request: it sees the system prompt the loop sent.
      expect(request.body.messages[0]).toEqual({ role: "system", content: "You find datasets." });
      controller.abort();
      return { toolCalls: [{ name: "search_datasets", arguments: { query: "q" } }] };
    });
    const seen: unknown[] = [];
    const error = await failure(runAgent(setup({ tools: [searchTool(seen)], signal: controller.signal })));
    expect(error.code).toBe("INTERN_CANCELLED");
    expect(emu.requests).toHaveLength(1);
  });
});

describe("prompt size and budget bounds", () => {
  /** A tool whose results are big JSON, as dataset cards and file lists are. */
  function bigTool(chars: number): AgentTool {
    return {
      name: "search_datasets",
      description: "Search Hub datasets",
      parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"], additionalProperties: false },
      run: async (args) => ({ query: args.query, rows: Array.from({ length: Math.ceil(chars / 60) }, (_, i) => ({ id: `org/dataset-${i}`, sha: "0123456789abcdef0123456789abcdef01234567" })) }),
    };
  }
  const search = (query: string) => ({ toolCalls: [{ name: "search_datasets", arguments: { query } }] });

  it("keeps every prompt under agent.max_prompt_tokens by dropping the oldest tool results", async () => {
    emu.reply(search("a"), search("b"), search("c"), search("d"), search("e"), { toolCalls: [{ name: "answer", arguments: { datasets: ["org/dataset-1"] } }] });
    const { llm } = client(emu.url, { settings: { maxPromptTokens: 3000 } });
    const outcome = await runAgent(setup({ llm, tools: [bigTool(3000)] }));
    expect(outcome.kind).toBe("answer");
    // The emulator counts a prompt at four characters of the request body a token.
    const prompts = emu.requests.map((r) => Math.ceil(r.raw.length / 4));
    expect(Math.max(...prompts)).toBeLessThanOrEqual(3000);
    const last = toolMessages(emu.requests.at(-1)!.body.messages);
    expect(last).toHaveLength(5);
    expect(last[0]!.content).toMatch(/^\{"dropped":"the search_datasets result \(\d+ characters\) was dropped to keep the prompt under agent.max_prompt_tokens/);
    // The latest result is still whole.
    expect(JSON.parse(last.at(-1)!.content as string)).toMatchObject({ query: "e" });
  });

  it("fails clearly when the instructions and tools alone do not fit", async () => {
    const { llm } = client(emu.url, { settings: { maxPromptTokens: 256 } });
    const err = await failure(runAgent(setup({ llm, system: "You find datasets. ".repeat(200) })));
    expect(err.code).toBe("INTERN_AGENT_PROMPT_TOO_LARGE");
    expect(err.hint).toContain("agent.max_prompt_tokens");
    expect(emu.requests).toHaveLength(0);
  });

  it("never lets a call cross budget.llm.tokens, even with a tokenizer that packs 2.5 bytes a token", async () => {
    // Each reply charges what a JSON-heavy tokenizer would count for the request as sent.
    const charged = (query: string) => (request: { raw: string }) => ({ ...search(query), usage: { prompt: Math.ceil(request.raw.length / 2.5), completion: 40 } });
    emu.reply(...["a", "b", "c", "d", "e", "f", "g", "h"].map(charged));
    for (const limit of [1200, 1400, 1600, 3000, 5000, 8000]) {
      emu.requests.length = 0;
      const outcome = await runAgent(setup({ limits: { tokens: limit, usd: null }, system: "You find datasets for a science benchmark. ".repeat(80), tools: [bigTool(1500)] }));
      expect(outcome.kind).toBe("budget");
      const input = emu.requests.reduce((sum, r) => sum + Math.ceil(r.raw.length / 2.5) + 40, 0);
      expect(input).toBeLessThanOrEqual(limit);
      emu.reply(...["a", "b", "c", "d", "e", "f", "g", "h"].map(charged));
    }
  });
});
