import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { foldEvents } from "../../src/run/run-state.js";
import { reportMarkdown } from "../../src/report/build-report.js";
import { discoverRunner } from "../../src/stages/discover.js";
import { researchRunner } from "../../src/stages/research.js";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";
import { moveRef } from "../emulators/scenario.js";
import type { Checked } from "../helpers/recipe.js";
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
  project = mkdtempSync(join(tmpdir(), "intern-agentic-reports-"));
});
afterEach(async () => {
  await mistral.close();
  rmSync(project, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ ...sources.env, MISTRAL_SERVER_URL: mistral.url, MISTRAL_API_KEY: API_KEY, ...extra });
const runDir = (id = "r1") => join(project, ".intern", "runs", id);
const DEAD = { HF_ENDPOINT: "http://127.0.0.1:9", INTERN_DATASETS_SERVER_URL: "http://127.0.0.1:9", INTERN_ARXIV_URL: "http://127.0.0.1:9", INTERN_SEMANTIC_SCHOLAR_URL: "http://127.0.0.1:9", MISTRAL_SERVER_URL: "http://127.0.0.1:9" };

const QA = "openscience/science-qa";
const QA_MAIN = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const QA_V1 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
const SCIENCE_CHAT_TITLE = "Science Chat: Instruction Tuning Small Models for Graduate-Level Science Questions";

/** The report of a run whose stages finished with these outputs. */
function report(checked: Checked, outputs: Record<string, Record<string, unknown>>): string {
  const at = "2026-11-26T10:00:00.000Z";
  const g = checked.graph!;
  const events: RunEvent[] = [
    { type: "run_started", at, run: "r1", recipe: "recipe.yaml", recipeDigest: "d", name: checked.validated.recipe.name, backend: "local", stages: g.stages.map((s) => ({ id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: 0 })), budget: { gpuHours: null, wallClockSeconds: null, llmTokens: 200000, llmUsd: null }, intern: "0", pid: 1 },
    ...Object.entries(outputs).map(([stage, o]): RunEvent => ({ type: "stage_done", at, stage, key: "k", seconds: 1, gpuHours: 0, outputs: o })),
  ];
  return reportMarkdown({ recipe: checked.validated.recipe, graph: g, state: foldEvents(events)! });
}

describe("refusals tell the truth", () => {
  const research = { candidates: [{ dataset: QA, paper: null, quote: "", why: "" }, { dataset: "helpful/science-chat", paper: null, quote: "", why: "" }], refused: [] };
  const qa = { dataset: QA, file: "data/train.jsonl", format: "prompt-completion", fraction: 0.5, why: "science QA" };

  it("a dataset refused once and then accepted is not listed as never used; each distinct reason of a refused one is kept", async () => {
    mistral.reply(
      {
        toolCalls: [
          // Refused: its rows have no messages column.
          { name: "check_dataset", arguments: { ...qa, format: "conversational" } },
          { name: "check_dataset", arguments: { ...qa, dataset: "helpful/science-chat", format: "conversational", columns: { messages: "nope" } } },
        ],
      },
      {
        toolCalls: [
          {
            name: "answer",
            arguments: { mix: [qa, { ...qa, dataset: "helpful/science-chat", file: "data/missing.jsonl" }, { ...qa, dataset: "evil/science-answers" }] },
          },
        ],
      },
    );
    const checked = openRecipe();
    const { ctx } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const out = await discoverRunner.run(ctx);
    expect((out.mix as { id: string }[]).map((m) => m.id)).toEqual([QA]);
    const refused = out.refused as { id: string; reason: string; by: string }[];
    expect(refused.map((r) => r.id)).not.toContain(QA);
    expect(out.refusedThenAccepted).toEqual([{ id: QA, reason: expect.stringContaining("maps to the conversational format"), by: "search" }]);
    // Two reasons for the same dataset, both on record.
    const chat = refused.filter((r) => r.id === "helpful/science-chat");
    expect(chat).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("maps to the conversational format"), by: "search" }),
      expect.objectContaining({ reason: expect.stringContaining("data/missing.jsonl"), by: "mix" }),
    ]);
    expect(refused).toContainEqual({ id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)", by: "mix" });
    expect(JSON.parse(readFileSync(join(ctx.dir, "mix.json"), "utf8")).refusedThenAccepted).toEqual(out.refusedThenAccepted);

    const md = report(checked, { discover: out });
    const neverUsed = md.split("Refused by the recipe's sources policy or by the checks (never used for training):")[1]!.split("\n\n")[1]!;
    expect(neverUsed).toContain("| evil/science-answers |");
    expect(neverUsed).toContain("| helpful/science-chat |");
    expect(neverUsed).not.toContain(QA);
    expect(md).toMatch(new RegExp(`Refused once, then accepted \\(these datasets are in the mix above\\):\\n\\n\\| Dataset \\| Refused once because \\|\\n\\| --- \\| --- \\|\\n\\| ${QA} \\| none of its first \\d+ rows maps to the conversational format`));
  });

  it("the report never lists a dataset of the mix as never used, even from outputs that still do", () => {
    const md = report(openRecipe(), { discover: { mix: [{ id: QA, sha: QA_MAIN, file: "data/train.jsonl", fraction: 1, license: "mit" }], refused: [{ id: QA, reason: "a bad file", by: "search" }, { id: "evil/x", reason: "denied", by: "mix" }] } });
    expect(md).toContain("(never used for training):\n\n| Dataset | Why |\n| --- | --- |\n| evil/x | denied |\n\n");
    expect(md).toContain(`Refused once, then accepted (these datasets are in the mix above):\n\n| Dataset | Refused once because |\n| --- | --- |\n| ${QA} | a bad file |`);
  });
});

describe("research's papers are the ones a tool fetched", () => {
  it("a paper the model names that no tool returned is left out of the papers and the evidence, and noted as unverified", async () => {
    mistral.reply(
      { toolCalls: [{ name: "paper", arguments: { id: "2501.01234" } }] },
      {
        toolCalls: [
          {
            name: "answer",
            arguments: {
              candidates: [
                { dataset: "helpful/science-chat", paper: "2501.01234v2", quote: "Science Chat", why: "science conversations" },
                { dataset: QA, paper: "2409.99999", quote: "we release science-qa", why: "an invented paper says so" },
              ],
              papers: [{ id: "2501.01234", title: "A title the model made up" }, { id: "2409.99999", title: "A paper that does not exist" }],
            },
          },
        ],
      },
    );
    const { ctx } = agenticContext(openRecipe(), "research", { runDir: runDir(), projectDir: project, env: env() });
    const notes: string[] = [];
    ctx.note = (text) => notes.push(text);
    const out = await researchRunner.run(ctx);
    // The title is the source's, not the model's.
    expect(out.papers).toEqual([{ id: "2501.01234", title: SCIENCE_CHAT_TITLE }]);
    expect(out.candidates).toEqual([
      expect.objectContaining({ dataset: "helpful/science-chat", paper: "2501.01234v2" }),
      expect.objectContaining({ dataset: QA, paper: null }),
    ]);
    expect(out.unverifiedPapers).toEqual([
      { id: "2409.99999", named: `as the paper behind ${QA}` },
      { id: "2409.99999", named: "in the answer's papers" },
    ]);
    expect(notes).toEqual([expect.stringMatching(/^papers the model named that no tool fetched, left out: 2409\.99999 /)]);
    expect(report(openRecipe(), { research: out })).toContain("Papers the model named that no tool fetched (unverified, left out of the evidence and the lock): 2409.99999");
  });
});

describe("a branch that moved between research and discover", () => {
  it("discover pins the new commit and says which commit research saw", async () => {
    // research reads the dataset while main is at its first release ...
    mistral.reply(
      { toolCalls: [{ name: "dataset_info", arguments: { id: QA } }] },
      { toolCalls: [{ name: "answer", arguments: { candidates: [{ dataset: QA, why: "science QA" }] } }] },
    );
    const before = moveRef(sources.scenario, "dataset", QA, "main", QA_V1);
    let research: Record<string, unknown>;
    try {
      research = await researchRunner.run(agenticContext(openRecipe(), "research", { runDir: runDir(), projectDir: project, env: env() }).ctx);
    } finally {
      moveRef(sources.scenario, "dataset", QA, "main", before!);
    }
    expect(research.revisionsSeen).toContainEqual({ id: QA, revision: "main", sha: QA_V1 });
    // ... and main has moved when discover pins it.
    mistral.reply({ toolCalls: [{ name: "answer", arguments: { mix: [{ dataset: QA, file: "data/train.jsonl", format: "prompt-completion", fraction: 1, why: "science QA" }] } }] });
    const checked = openRecipe();
    const { ctx } = agenticContext(checked, "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const notes: string[] = [];
    ctx.note = (text) => notes.push(text);
    const out = await discoverRunner.run(ctx);
    expect(out.mix).toEqual([expect.objectContaining({ id: QA, revision: "main", sha: QA_MAIN })]);
    expect(out.revisionMoved).toEqual([{ id: QA, revision: "main", seen: QA_V1, pinned: QA_MAIN, by: "research" }]);
    expect(notes).toEqual([`${QA}: main moved since research saw it at ${QA_V1}; pinned ${QA_MAIN}`]);
    expect(JSON.parse(readFileSync(join(ctx.dir, "mix.json"), "utf8")).revisionMoved).toEqual(out.revisionMoved);
    expect(report(checked, { discover: out })).toContain(`| ${QA} | main | research | ${QA_V1} | ${QA_MAIN} |`);

    // Nothing moved: nothing said.
    mistral.reply({ toolCalls: [{ name: "answer", arguments: { mix: [{ dataset: QA, file: "data/train.jsonl", format: "prompt-completion", fraction: 1, why: "science QA" }] } }] });
    const still = { ...research, revisionsSeen: [{ id: QA, revision: "main", sha: QA_MAIN }] };
    const again = await discoverRunner.run(agenticContext(checked, "discover", { runDir: runDir("r2"), projectDir: project, env: env(), needOutputs: new Map([["research", still]]) }).ctx);
    expect(again.revisionMoved).toEqual([]);
    expect(report(checked, { discover: again })).not.toContain("moved on the Hub");
  });
});

describe("a replay spends nothing", () => {
  const research = { candidates: [{ dataset: QA, paper: null, quote: "", why: "" }], refused: [] };
  const answer = { mix: [{ dataset: QA, file: "data/train.jsonl", format: "prompt-completion", fraction: 1, why: "science QA" }] };

  it("replayed calls are not charged: the recorded figures go to chargeReplayed, the outputs say 0 spent", async () => {
    mistral.reply({ toolCalls: [{ name: "list_files", arguments: { id: QA } }], usage: { prompt: 1000, completion: 50 } }, { toolCalls: [{ name: "answer", arguments: answer }], usage: { prompt: 1200, completion: 40 } });
    const first = agenticContext(openRecipe(), "discover", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["research", research]]) });
    const recorded = await discoverRunner.run(first.ctx);
    expect(first.charges.tokens).toBe(2290);
    expect(recorded.usage).toEqual({ promptTokens: 2200, completionTokens: 90 });

    const second = agenticContext(openRecipe(), "discover", { runDir: runDir("r2"), projectDir: project, env: DEAD, needOutputs: new Map([["research", research]]), replay: { runId: "r1", runDir: runDir() } });
    const replayedCharges: number[] = [];
    second.ctx.chargeReplayed = (tokens) => replayedCharges.push(tokens);
    const replayed = await discoverRunner.run(second.ctx);
    expect(replayed.mix).toEqual(recorded.mix);
    expect(second.charges).toEqual({ tokens: 0, usd: 0, calls: 0 });
    expect(replayedCharges).toEqual([1050, 1240]);
    expect(replayed).toMatchObject({ replayed: true, usage: { promptTokens: 0, completionTokens: 0 }, recordedUsage: { promptTokens: 2200, completionTokens: 90 } });
  });

  it("takes the recorded run's budget decisions again, counting what earlier replayed stages were charged then", async () => {
    // Recorded: an earlier stage had spent 4,900 of 5,000 tokens; research stops before any call.
    const checked = openRecipe({ budget: { llm: { tokens: 5000 } } });
    const first = agenticContext(checked, "research", { runDir: runDir(), projectDir: project, env: env() });
    first.ctx.charge!(4900, 0);
    const recorded = await researchRunner.run(first.ctx);
    expect(recorded.stopped).toEqual({ why: "budget", reason: expect.stringContaining("budget.llm.tokens (5000)") });
    expect(mistral.requests).toHaveLength(0);

    // Replayed: the earlier stage spent nothing this time; its recorded 4,900 still count for the decision.
    const second = agenticContext(checked, "research", { runDir: runDir("r2"), projectDir: project, env: DEAD, replay: { runId: "r1", runDir: runDir() } });
    const state = second.ctx.state;
    second.ctx.state = () => ({ ...state(), replayed: { llmTokens: 4900, llmUsd: 0 } });
    const replayed = await researchRunner.run(second.ctx);
    expect(replayed.stopped).toEqual(recorded.stopped);
    expect(second.charges.tokens).toBe(0);
  });
});
