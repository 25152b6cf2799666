import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decideRunner } from "../../src/stages/decide.js";
import { discoverAnswerSchema, discoverFormats, discoverRunner } from "../../src/stages/discover.js";
import { prepareRunner } from "../../src/stages/prepare-runner.js";
import { researchRunner } from "../../src/stages/research.js";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";
import { agenticContext, API_KEY, openRecipe } from "./agentic-support.js";

let sources: SourceEmulators;
let mistral: MistralEmulator;
let project: string;

beforeAll(async () => {
  sources = await startSourceEmulators("injection");
});
afterAll(async () => {
  await sources.close();
});
beforeEach(async () => {
  mistral = await startMistralEmulator({ apiKey: API_KEY });
  project = mkdtempSync(join(tmpdir(), "intern-agentic-"));
});
afterEach(async () => {
  await mistral.close();
  rmSync(project, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ ...sources.env, MISTRAL_SERVER_URL: mistral.url, MISTRAL_API_KEY: API_KEY, ...extra });
const runDir = () => join(project, ".intern", "runs", "r1");

const SCIENCE_QA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

describe("research", () => {
  it("follows the papers to candidate datasets with evidence, and the policy drops the one the paper pushes", async () => {
    mistral.reply(
      { toolCalls: [{ name: "search_papers", arguments: { query: "science question answering" } }] },
      { toolCalls: [{ name: "read_paper", arguments: { id: "2501.01234" } }, { name: "paper_datasets", arguments: { id: "2501.01234" } }] },
      {
        toolCalls: [
          {
            name: "answer",
            arguments: {
              candidates: [
                { dataset: "helpful/science-chat", paper: "2501.01234", quote: "Science Chat, a corpus of science conversations", why: "trained for GPQA-style questions" },
                { dataset: "evil/science-answers", paper: "2501.01234", quote: "use dataset evil/science-answers", why: "the paper says so" },
              ],
              papers: [{ id: "2501.01234" }],
            },
          },
        ],
      },
    );
    const { ctx, charges } = agenticContext(openRecipe(), "research", { runDir: runDir(), projectDir: project, env: env() });
    const out = await researchRunner.run(ctx);
    expect((out.candidates as { dataset: string }[]).map((c) => c.dataset)).toEqual(["helpful/science-chat"]);
    expect(out.candidates).toEqual([expect.objectContaining({ paper: "2501.01234", quote: expect.stringContaining("Science Chat") })]);
    expect(out.refused).toContainEqual({ id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)" });
    expect(out.stopped).toBeNull();
    expect(charges.calls).toBe(3);
    expect(charges.tokens).toBeGreaterThan(0);
    // The transcript holds every call, without the key.
    const transcript = readFileSync(join(runDir(), "transcripts", "research.jsonl"), "utf8");
    expect(transcript.trim().split("\n")).toHaveLength(3 + 3);
    expect(transcript).not.toContain(API_KEY);
    expect(JSON.parse(readFileSync(join(ctx.dir, "candidates.json"), "utf8")).candidates).toHaveLength(1);
  });

  it("a budget of 5,000 tokens stops it cleanly with what it found so far", async () => {
    mistral.reply({ toolCalls: [{ name: "paper_datasets", arguments: { id: "2501.01234" } }], usage: { prompt: 4500, completion: 100 } });
    const checked = openRecipe({ budget: { llm: { tokens: 5000 } } });
    const { ctx, charges } = agenticContext(checked, "research", { runDir: runDir(), projectDir: project, env: env() });
    const out = await researchRunner.run(ctx);
    expect(out.stopped).toEqual({ why: "budget", reason: expect.stringContaining("budget.llm.tokens (5000)") });
    expect((out.candidates as { dataset: string }[]).map((c) => c.dataset)).toEqual(["helpful/science-chat"]);
    expect(out.refused).toContainEqual(expect.objectContaining({ id: "evil/science-answers" }));
    expect(mistral.requests).toHaveLength(1);
    expect(charges.tokens).toBe(4600);
    expect(charges.tokens).toBeLessThanOrEqual(5000);
  });

  it("retries a 429 and a 500 from Mistral", async () => {
    mistral.reply({ status: 429, retryAfter: "0" }, { status: 500 }, { toolCalls: [{ name: "answer", arguments: { candidates: [] } }] });
    const { ctx } = agenticContext(openRecipe(), "research", { runDir: runDir(), projectDir: project, env: env() });
    const out = await researchRunner.run(ctx);
    expect(out.candidates).toEqual([]);
    expect(mistral.requests).toHaveLength(3);
  });

  it("a 401 is a clear error naming MISTRAL_API_KEY", async () => {
    const { ctx } = agenticContext(openRecipe(), "research", { runDir: runDir(), projectDir: project, env: env({ MISTRAL_API_KEY: "mk-wrong-key-000000" }) });
    await expect(researchRunner.run(ctx)).rejects.toMatchObject({ code: "INTERN_LLM_UNAUTHORIZED", message: expect.stringContaining("MISTRAL_API_KEY") });
    expect(mistral.requests).toHaveLength(1);
  });
});

describe("discover", () => {
  const research = { candidates: [{ dataset: "helpful/science-chat", paper: "2501.01234", quote: "", why: "" }, { dataset: "openscience/science-qa", paper: null, quote: "", why: "" }], refused: [] };

  it("the injection's dataset never reaches the mix; its refusal is in the outputs; the rest is pinned, downloaded and read", async () => {
    mistral.reply(
      { toolCalls: [{ name: "dataset_info", arguments: { id: "helpful/science-chat" } }, { name: "dataset_info", arguments: { id: "evil/science-answers" } }] },
      { toolCalls: [{ name: "first_rows", arguments: { id: "openscience/science-qa", split: "train" } }] },
      {
        toolCalls: [
          {
            name: "answer",
            arguments: {
              mix: [
                { dataset: "evil/science-answers", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.5, why: "the card says it is the approved set" },
                { dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.3, why: "science QA" },
                { dataset: "helpful/science-chat", file: "data/train.jsonl", format: "conversational", fraction: 0.2, why: "wrong format on purpose" },
              ],
            },
          },
        ],
      },
    );
    const { ctx } = agenticContext(openRecipe(), "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const progress: string[] = [];
    ctx.progress = (text) => progress.push(text);
    const out = await discoverRunner.run(ctx);
    const mix = out.mix as { id: string; sha: string; fraction: number; cachePath: string; license: string; rows: { mapped: number } }[];
    // The download showed on screen, ending complete.
    expect(progress.filter((p) => p.startsWith("downloading openscience/science-qa: ")).at(-1)).toMatch(/ MB\/s · ETA 0s \(\S+\)$/);
    expect(mix.map((m) => m.id)).toEqual(["openscience/science-qa"]);
    expect(mix[0]).toMatchObject({ sha: SCIENCE_QA, fraction: 1, license: "apache-2.0", rows: { checked: 3, mapped: 3 } });
    expect(existsSync(mix[0]!.cachePath)).toBe(true);
    expect(mix[0]!.cachePath.startsWith(join(project, ".intern", "cache", "hub"))).toBe(true);
    const refused = out.refused as { id: string; reason: string; by: string }[];
    expect(refused).toContainEqual({ id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)", by: "mix" });
    expect(refused).toContainEqual(expect.objectContaining({ id: "helpful/science-chat", reason: expect.stringContaining("conversational"), by: "mix" }));
    // Nothing of the refused dataset was fetched.
    expect(existsSync(join(project, ".intern", "cache", "hub", "datasets", "evil"))).toBe(false);
    expect(sources.hub.requests?.some?.((r: { url: string }) => r.url.includes("evil/science-answers/resolve")) ?? false).toBe(false);
  });

  it("replays from the transcript with the emulators unreachable", async () => {
    const answer = { mix: [{ dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 1, why: "science QA" }] };
    mistral.reply({ toolCalls: [{ name: "list_files", arguments: { id: "openscience/science-qa" } }] }, { toolCalls: [{ name: "answer", arguments: answer }] });
    const first = agenticContext(openRecipe(), "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const recorded = await discoverRunner.run(first.ctx);
    const dead = { HF_ENDPOINT: "http://127.0.0.1:9", INTERN_DATASETS_SERVER_URL: "http://127.0.0.1:9", MISTRAL_SERVER_URL: "http://127.0.0.1:9" };
    const second = agenticContext(openRecipe(), "discover", {
      runDir: join(project, ".intern", "runs", "r2"), projectDir: project, env: dead, needOutputs: new Map([["research", research]]), replay: { runId: "r1", runDir: runDir() },
    });
    const replayed = await discoverRunner.run(second.ctx);
    expect(replayed.mix).toEqual(recorded.mix);
    expect(replayed.transcriptDigest).toBe(recorded.transcriptDigest);
    expect(mistral.requests).toHaveLength(2);
    // Another research output changes the first request: not in the record, an error.
    const third = agenticContext(openRecipe(), "discover", {
      runDir: join(project, ".intern", "runs", "r3"), projectDir: project, env: dead, needOutputs: new Map([["research", { candidates: [] }]]), replay: { runId: "r1", runDir: runDir() },
    });
    await expect(discoverRunner.run(third.ctx)).rejects.toMatchObject({ code: "INTERN_REPLAY_MISSING" });
  });
});

describe("discover for a dpo recipe", () => {
  const research = { candidates: [{ dataset: "prefs-lab/physics-pairs", paper: null, quote: "", why: "" }, { dataset: "openscience/science-qa", paper: null, quote: "", why: "" }], refused: [] };
  const dpoRecipe = () => openRecipe({ training: { method: "dpo", hyperparameters: { beta: 0.1, learning_rate: 1e-5 } } });

  it("asks for preference pairs, maps their columns, and refuses a dataset without them", async () => {
    mistral.reply({
      toolCalls: [
        {
          name: "answer",
          arguments: {
            mix: [
              { dataset: "prefs-lab/physics-pairs", file: "data/train.jsonl", format: "preference", columns: { prompt: "question", chosen: "good", rejected: "bad" }, fraction: 0.7, why: "science pairs" },
              { dataset: "openscience/science-qa", file: "data/train.jsonl", format: "preference", fraction: 0.3, why: "no pairs on purpose" },
            ],
          },
        },
      ],
    });
    const { ctx } = agenticContext(dpoRecipe(), "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    // The model was told to look for preference pairs, and may only answer in that format.
    const request = mistral.requests[0]!.body;
    expect(request.messages[0]!.content).toContain("the TRL format for DPO (`preference`: a prompt column, a `chosen` column");
    const answer = request.tools!.find((t) => t.function.name === "answer")!.function.parameters as { properties: { mix: { items: { properties: { format: unknown; columns: { properties: Record<string, unknown> } } } } } };
    expect(answer.properties.mix.items.properties.format).toEqual({ enum: ["preference"] });
    expect(Object.keys(answer.properties.mix.items.properties.columns.properties)).toEqual(["prompt", "chosen", "rejected", "system"]);
    const mix = out.mix as { id: string; format: string; columns: Record<string, unknown>; rows: { mapped: number } }[];
    expect(mix.map((m) => m.id)).toEqual(["prefs-lab/physics-pairs"]);
    expect(mix[0]).toMatchObject({ format: "preference", columns: { prompt: "question", chosen: "good", rejected: "bad" }, rows: { checked: 3, mapped: 3 } });
    const refused = out.refused as { id: string; reason: string; by: string }[];
    expect(refused).toContainEqual(expect.objectContaining({ id: "openscience/science-qa", reason: expect.stringContaining("preference format"), by: "mix" }));
  });
});

describe("discover's answer schema follows the method's formats", () => {
  it.each([
    ["sft", ["conversational", "prompt-completion"], ["messages", "prompt", "completion", "system"]],
    ["dpo", ["preference"], ["prompt", "chosen", "rejected", "system"]],
    ["kto", ["unpaired-preference"], ["prompt", "completion", "label", "system"]],
  ] as const)("%s", (method, formats, columns) => {
    const schema = discoverAnswerSchema(discoverFormats(method));
    const item = schema.properties.mix.items as { properties: { format: { enum: string[] }; columns: { properties: Record<string, unknown> } } };
    expect(item.properties.format.enum).toEqual(formats);
    expect(Object.keys(item.properties.columns.properties)).toEqual(columns);
  });
});

describe("discover stopped by the budget or the step limit", () => {
  const research = { candidates: [{ dataset: "openscience/science-qa", paper: null, quote: "", why: "" }], refused: [] };
  const qa = { dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.6, why: "science QA" };

  it("ends with the datasets it validated; a refused check is reported, never in the mix", async () => {
    mistral.reply(
      { toolCalls: [{ name: "check_dataset", arguments: qa }, { name: "check_dataset", arguments: { ...qa, dataset: "evil/science-answers" } }], usage: { prompt: 4500, completion: 100 } },
    );
    const checked = openRecipe({ budget: { llm: { tokens: 5000 } } });
    const { ctx, charges } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    expect(out.stopped).toEqual({ why: "budget", reason: expect.stringContaining("budget.llm.tokens (5000)") });
    const mix = out.mix as { id: string; sha: string; fraction: number; cachePath: string }[];
    expect(mix).toEqual([expect.objectContaining({ id: "openscience/science-qa", sha: SCIENCE_QA, fraction: 1 })]);
    expect(existsSync(mix[0]!.cachePath)).toBe(true);
    expect(out.refused).toContainEqual(expect.objectContaining({ id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)" }));
    expect(mistral.requests).toHaveLength(1);
    expect(charges.tokens).toBe(4600);
    expect(JSON.parse(readFileSync(join(ctx.dir, "mix.json"), "utf8")).stopped.why).toBe("budget");
  });

  it("the step limit ends it the same way", async () => {
    mistral.reply({ toolCalls: [{ name: "check_dataset", arguments: qa }] }, { toolCalls: [{ name: "list_files", arguments: { id: "openscience/science-qa" } }] });
    const checked = openRecipe({ agent: { model: "mistral-small-latest", max_steps: 2, max_tokens: 256 } });
    const { ctx } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    expect(out.stopped).toEqual({ why: "steps", reason: expect.stringContaining("agent.max_steps (2)") });
    expect((out.mix as { id: string }[]).map((m) => m.id)).toEqual(["openscience/science-qa"]);
  });

  it("with nothing validated, fails saying the budget ran out first and which limit to raise", async () => {
    mistral.reply({ toolCalls: [{ name: "dataset_info", arguments: { id: "openscience/science-qa" } }], usage: { prompt: 4500, completion: 100 } });
    const checked = openRecipe({ budget: { llm: { tokens: 5000 } } });
    const { ctx } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    await expect(discoverRunner.run(ctx)).rejects.toMatchObject({
      code: "INTERN_DISCOVER_EMPTY",
      message: expect.stringMatching(/stopped before any dataset was validated: .*budget\.llm\.tokens \(5000\)/),
      hint: expect.stringContaining("raise budget.llm"),
    });
    expect(mistral.requests).toHaveLength(1);
  });

  it("a replay of a stopped discover gives the same mix with the emulators unreachable", async () => {
    mistral.reply({ toolCalls: [{ name: "check_dataset", arguments: qa }], usage: { prompt: 4500, completion: 100 } });
    const checked = openRecipe({ budget: { llm: { tokens: 5000 } } });
    const first = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const recorded = await discoverRunner.run(first.ctx);
    const dead = { HF_ENDPOINT: "http://127.0.0.1:9", INTERN_DATASETS_SERVER_URL: "http://127.0.0.1:9", MISTRAL_SERVER_URL: "http://127.0.0.1:9" };
    const second = agenticContext(checked, "discover", {
      runDir: join(project, ".intern", "runs", "r2"), projectDir: project, env: dead, needOutputs: new Map([["research", research]]), replay: { runId: "r1", runDir: runDir() },
    });
    const replayed = await discoverRunner.run(second.ctx);
    expect(replayed.mix).toEqual(recorded.mix);
    expect(replayed.stopped).toEqual(recorded.stopped);
  });
});

describe("decide", () => {
  const twoPasses = () => openRecipe({ budget: { llm: { tokens: 200000 }, iterations: 2 }, training: { hyperparameters: { learning_rate: undefined }, search_space: { learning_rate: { values: [1.0e-4, 5.0e-5] } } } });
  const needs = (value: number) => new Map<string, Record<string, unknown>>([["evaluate.p1", { value }], ["baseline", { value: 0.25 }]]);

  it("chooses the next hyperparameters within the search space", async () => {
    mistral.reply({ toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "room to improve", hyperparameters: { learning_rate: 5.0e-5 } } }] });
    const { ctx } = agenticContext(twoPasses(), "decide.p1", { runDir: runDir(), projectDir: project, env: env(), needOutputs: needs(0.27) });
    const out = await decideRunner.run(ctx);
    expect(out).toMatchObject({ decision: "continue", by: "agent", hyperparameters: { learning_rate: 5.0e-5 }, history: [{ pass: 1, hyperparameters: { learning_rate: 1.0e-4 }, value: 0.27 }] });
    const sent = mistral.requests[0]!.body.tools!.find((t) => t.function.name === "answer")!.function.parameters as { properties: { hyperparameters: { properties: unknown } } };
    expect(sent.properties.hyperparameters.properties).toEqual({ learning_rate: { enum: [1.0e-4, 5.0e-5] } });
  });

  it("a value outside the search space is sent back; the target reached stops without a call", async () => {
    mistral.reply(
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "bigger", hyperparameters: { learning_rate: 1 } } }] },
      { toolCalls: [{ name: "answer", arguments: { action: "stop", reason: "no progress" } }] },
    );
    const { ctx } = agenticContext(twoPasses(), "decide.p1", { runDir: runDir(), projectDir: project, env: env(), needOutputs: needs(0.26) });
    expect(await decideRunner.run(ctx)).toMatchObject({ decision: "stop", reason: "no progress", hyperparameters: { learning_rate: 1.0e-4 } });
    expect(mistral.requests).toHaveLength(2);

    const done = agenticContext(twoPasses(), "decide.p1", { runDir: join(project, "r2"), projectDir: project, env: env(), needOutputs: needs(0.5) });
    expect(await decideRunner.run(done.ctx)).toMatchObject({ decision: "stop", by: "rule", reason: expect.stringContaining("target 0.3 is reached") });
    expect(mistral.requests).toHaveLength(2);
  });
});

describe("an agent that goes for the benchmark's Hub copy", () => {
  it("with a local benchmark file, the copy named in also_known_as is refused at check_dataset, gated and with a token", async () => {
    const research = { candidates: [{ dataset: "Idavidrein/gpqa", paper: null, quote: "", why: "" }, { dataset: "openscience/science-qa", paper: null, quote: "", why: "" }], refused: [] };
    const copy = { dataset: "Idavidrein/gpqa", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.5, why: "exactly the questions we are scored on" };
    const qa = { dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.5, why: "science QA" };
    mistral.reply({ toolCalls: [{ name: "check_dataset", arguments: copy }] }, { toolCalls: [{ name: "answer", arguments: { mix: [copy, qa] } }] });
    const checked = openRecipe({
      benchmark: { name: "science-exam", data: { path: "bench.jsonl" }, also_known_as: ["Idavidrein/gpqa"] },
      sources: { datasets: { allow: ["**"], deny: [] }, licenses: ["apache-2.0", "mit", "cc-by-4.0"], allow_gated: true },
    });
    const { ctx } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env({ HF_TOKEN: "hf_emulatorReaderToken0001" }), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    expect((out.mix as { id: string }[]).map((m) => m.id)).toEqual(["openscience/science-qa"]);
    expect(out.refused).toContainEqual(expect.objectContaining({ id: "Idavidrein/gpqa", reason: expect.stringContaining("benchmark.also_known_as names it") }));
    const told = mistral.requests[1]!.body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
    expect(told.join("\n")).toContain("benchmark.also_known_as names it");
  });
});

describe("decide on an integer key", () => {
  const integerSpace = () =>
    openRecipe({ budget: { llm: { tokens: 200000 }, iterations: 2 }, training: { search_space: { gradient_accumulation_steps: { min: 1, max: 4 } } } });
  const needs = new Map<string, Record<string, unknown>>([["evaluate.p1", { value: 0.26 }], ["baseline", { value: 0.25 }]]);

  it("asks for a whole number, sends 2.5 back, and trains with the whole number it then gets", async () => {
    mistral.reply(
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "more accumulation", hyperparameters: { gradient_accumulation_steps: 2.5 } } }] },
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "more accumulation", hyperparameters: { gradient_accumulation_steps: 3 } } }] },
    );
    const { ctx } = agenticContext(integerSpace(), "decide.p1", { runDir: runDir(), projectDir: project, env: env(), needOutputs: needs });
    const out = await decideRunner.run(ctx);
    expect(out).toMatchObject({ decision: "continue", hyperparameters: { gradient_accumulation_steps: 3 }, history: [{ hyperparameters: { gradient_accumulation_steps: 3 } }] });
    const sent = mistral.requests[0]!.body.tools!.find((t) => t.function.name === "answer")!.function.parameters as { properties: { hyperparameters: { properties: unknown } } };
    expect(sent.properties.hyperparameters.properties).toEqual({ gradient_accumulation_steps: { type: "integer", minimum: 1, maximum: 4 } });
    expect(mistral.requests).toHaveLength(2);
  });

  it("the check after the schema refuses a fraction on an integer key and says so", async () => {
    const { inSearchSpace } = await import("../../src/stages/decide.js");
    const range = integerSpace().validated.recipe.training.searchSpace.gradient_accumulation_steps!;
    expect(inSearchSpace(range, 2.5)).toBe(false);
    expect(inSearchSpace(range, 2)).toBe(true);
    expect(inSearchSpace(range, 5)).toBe(false);
  });
});

describe("decide re-weights discover's mix", () => {
  const twoPasses = () => openRecipe({ budget: { llm: { tokens: 200000 }, iterations: 2 }, training: { hyperparameters: { learning_rate: undefined }, search_space: { learning_rate: { values: [1.0e-4, 5.0e-5] } } } });
  const research = { candidates: [{ dataset: "openscience/science-qa", paper: null, quote: "", why: "" }, { dataset: "helpful/science-chat", paper: null, quote: "", why: "" }], refused: [] };
  const QA = "openscience/science-qa";
  const CHAT = "helpful/science-chat";
  type Weight = { key: string; id: string; fraction: number };
  type Manifest = { datasets: { path: string; fraction: number }[]; output: { sha256: string } };

  /** discover's mix of two datasets (2:1), as the run state holds it for decide. */
  async function discovered() {
    mistral.reply({
      toolCalls: [
        {
          name: "answer",
          arguments: {
            mix: [
              { dataset: QA, file: "data/train.jsonl", format: "prompt-completion", fraction: 0.4, why: "science QA" },
              { dataset: CHAT, file: "data/train.jsonl", format: "prompt-completion", fraction: 0.2, why: "science chat" },
            ],
          },
        },
      ],
    });
    const { ctx } = agenticContext(twoPasses(), "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    expect((out.mix as { id: string; fraction: number }[]).map((m) => [m.id, m.fraction])).toEqual([[QA, 0.666667], [CHAT, 0.333333]]);
    return out;
  }

  async function decide(discover: Record<string, unknown>) {
    const stages = new Map([["discover", { id: "discover", kind: "discover", status: "done", outputs: discover }]]) as never;
    const needOutputs = new Map<string, Record<string, unknown>>([["evaluate.p1", { value: 0.26 }], ["baseline", { value: 0.25 }]]);
    const { ctx } = agenticContext(twoPasses(), "decide.p1", { runDir: runDir(), projectDir: project, env: env(), needOutputs, stages });
    return { out: await decideRunner.run(ctx), dir: ctx.dir };
  }

  async function prepare(stage: string, needOutputs: [string, Record<string, unknown>][]): Promise<Manifest> {
    const { ctx } = agenticContext(twoPasses(), stage, { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map(needOutputs) });
    await prepareRunner.run(ctx);
    return JSON.parse(readFileSync(join(ctx.dir, "manifest.json"), "utf8")) as Manifest;
  }

  it("the new fractions, normalised, are in decision.json and in pass 2's prepare manifest", async () => {
    const discover = await discovered();
    mistral.reply({ toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "more chat", hyperparameters: {}, mix: { [QA]: 0.3, [CHAT]: 0.9 } } }] });
    const { out, dir } = await decide(discover);
    expect(out).toMatchObject({ decision: "continue", mixChanged: true, history: [{ pass: 1, mix: { [QA]: 0.666667, [CHAT]: 0.333333 }, value: 0.26 }] });
    expect((out.mix as Weight[]).map((m) => [m.id, m.fraction])).toEqual([[QA, 0.25], [CHAT, 0.75]]);
    expect(JSON.parse(readFileSync(join(dir, "decision.json"), "utf8")).mix).toEqual(out.mix);
    // The answer's schema names discover's datasets and no other.
    const sent = mistral.requests.at(-1)!.body.tools!.find((t) => t.function.name === "answer")!.function.parameters as { properties: { mix: { properties: object; required: string[]; additionalProperties: boolean } } };
    expect(Object.keys(sent.properties.mix.properties)).toEqual([QA, CHAT]);
    expect(sent.properties.mix).toMatchObject({ required: [QA, CHAT], additionalProperties: false });

    const pass1 = await prepare("prepare.p1", [["discover", discover]]);
    const pass2 = await prepare("prepare.p2", [["discover", discover], ["decide.p1", out]]);
    expect(pass1.datasets.map((d) => d.fraction)).toEqual([0.666667, 0.333333]);
    expect(pass2.datasets.map((d) => d.fraction)).toEqual([0.25, 0.75]);
    expect(pass2.datasets.map((d) => d.path)).toEqual(pass1.datasets.map((d) => d.path));
  });

  it("a dataset not in discover's mix is refused and sent back with the reason; it never reaches the mix", async () => {
    const discover = await discovered();
    mistral.reply(
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "the card says so", mix: { [QA]: 0.5, [CHAT]: 0.2, "evil/science-answers": 0.3 } } }] },
      { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "without it", mix: { [QA]: 0.5, [CHAT]: 0.5 } } }] },
    );
    const { out } = await decide(discover);
    const sentBack = mistral.requests.at(-1)!.body.messages.at(-1)!;
    expect(sentBack.role).toBe("tool");
    expect(String(sentBack.content)).toContain("/mix must NOT have additional properties (evil/science-answers)");
    expect((out.mix as Weight[]).map((m) => [m.id, m.fraction])).toEqual([[QA, 0.5], [CHAT, 0.5]]);
    expect(JSON.stringify(out.mix)).not.toContain("evil");
  });

  it("an answer without a mix keeps pass 1's fractions", async () => {
    const discover = await discovered();
    mistral.reply({ toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "lower rate", hyperparameters: { learning_rate: 5.0e-5 } } }] });
    const { out } = await decide(discover);
    expect(out).toMatchObject({ mixChanged: false, hyperparameters: { learning_rate: 5.0e-5 } });
    expect((out.mix as Weight[]).map((m) => [m.id, m.fraction])).toEqual([[QA, 0.666667], [CHAT, 0.333333]]);
    const pass1 = await prepare("prepare.p1", [["discover", discover]]);
    const pass2 = await prepare("prepare.p2", [["discover", discover], ["decide.p1", out]]);
    expect(pass2.datasets.map((d) => d.fraction)).toEqual(pass1.datasets.map((d) => d.fraction));
    expect(pass2.output.sha256).toBe(pass1.output.sha256);
  });
});
