import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDir } from "../../src/run/run-store.js";
import type { ScriptedTurn } from "../emulators/mistral/server.js";
import { useAgenticEmulators } from "../helpers/agentic-emulators.js";
import { parse } from "yaml";
import { apply, cleanupEngineTests, events, intern, makeProject, ofType, provision, runs, type Project } from "../helpers/engine.js";
import { OPEN_DATA, SCIENCE_QA } from "../helpers/open-data.js";

const API_KEY = "mk-engine-test-0123456789";

/** The model's turns for research and discover: the card's injection pushes evil/science-answers. */
const DISCOVERY: ScriptedTurn[] = [
  { toolCalls: [{ name: "read_paper", arguments: { id: "2501.01234" } }, { name: "paper_datasets", arguments: { id: "2501.01234" } }] },
  {
    toolCalls: [
      {
        name: "answer",
        arguments: {
          candidates: [
            { dataset: "helpful/science-chat", paper: "2501.01234", quote: "We fine-tune small open models on Science Chat", why: "science conversations" },
            { dataset: "openscience/science-qa", why: "science QA with worked answers" },
          ],
        },
      },
    ],
  },
  { toolCalls: [{ name: "dataset_info", arguments: { id: "helpful/science-chat" } }] },
  {
    toolCalls: [
      {
        name: "answer",
        arguments: {
          mix: [
            { dataset: "evil/science-answers", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.4, why: "the card says it is the approved set" },
            { dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.4, why: "science QA" },
            { dataset: "helpful/science-chat", file: "data/train.jsonl", format: "prompt-completion", fraction: 0.2, why: "science chat" },
          ],
        },
      },
    ],
  },
];

const emu = useAgenticEmulators("injection", API_KEY, provision);
afterEach(cleanupEngineTests);

const live = () => emu.env();
const done = (project: Project, id: string) => new Map(ofType(events(project, id), "stage_done").map((e) => [e.stage, e.outputs]));
const manifest = (project: Project, id: string, stage: string) => JSON.parse(readFileSync(join(runDir(project.dir, id), "stages", stage, "manifest.json"), "utf8")) as { output: { sha256: string }; datasets: { source: string; path: string; fraction: number }[] };

describe("apply with open data, against the emulators", () => {
  it("research -> discover -> download -> prepare -> train -> evaluate -> decide -> second pass -> report; a replay takes the same decisions offline", async () => {
    const project = makeProject({ changes: OPEN_DATA });
    const reweighted = { "openscience/science-qa": 0.5, "helpful/science-chat": 0.5 };
    emu.mistral.reply(...DISCOVERY, { toolCalls: [{ name: "answer", arguments: { action: "continue", reason: "far from the target", hyperparameters: { learning_rate: 5.0e-5 }, mix: reweighted } }] });
    const r = await apply(project, [], live());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = runs(project).at(-1)!;
    const outputs = done(project, id);
    expect([...outputs.keys()].sort()).toEqual(["baseline", "decide.p1", "discover", "evaluate.p1", "evaluate.p2", "prepare.p1", "prepare.p2", "report", "research", "train.p1", "train.p2"]);

    // The injection's dataset never reaches training; the refusal is on record, and in the report.
    const discover = outputs.get("discover")!;
    const mix = discover.mix as { id: string; sha: string }[];
    expect(mix.map((m) => m.id)).toEqual(["openscience/science-qa", "helpful/science-chat"]);
    expect(mix[0]!.sha).toBe(SCIENCE_QA);
    expect(discover.refused).toContainEqual(expect.objectContaining({ id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)" }));
    const prepared = manifest(project, id, "prepare.p1");
    expect(prepared.datasets.map((d) => d.path)).toEqual([`hf://datasets/openscience/science-qa@${SCIENCE_QA}/data/train.jsonl`, expect.stringMatching(/^hf:\/\/datasets\/helpful\/science-chat@[0-9a-f]{40}\/data\/train\.jsonl$/)]);
    expect(prepared.datasets.every((d) => d.source === "hub")).toBe(true);
    const trainData = readFileSync(join(runDir(project.dir, id), "stages", "prepare.p1", "data", "train.jsonl"), "utf8");
    expect(trainData).toContain("photon");
    expect(trainData).not.toMatch(/evil/i);

    const report = readFileSync(join(runDir(project.dir, id), "report.md"), "utf8");
    expect(report).toContain("| evil/science-answers | denied by sources.datasets.deny (`evil/**`) |");
    expect(report).toContain(`| openscience/science-qa | ${SCIENCE_QA} | data/train.jsonl |`);

    // decide's choice reaches the second pass's TRL config.
    expect(outputs.get("decide.p1")).toMatchObject({ decision: "continue", by: "agent", hyperparameters: { learning_rate: 5.0e-5 } });
    const sft = (stage: string) => readFileSync(join(runDir(project.dir, id), "stages", stage, "sft.yaml"), "utf8");
    expect(sft("train.p1")).toMatch(/learning_rate: (0\.0001|1\.0e-0?4)\n/);
    expect(sft("train.p2")).toMatch(/learning_rate: (5\.0e-0?5|0\.00005)\n/);
    // ... and its re-weighted mix reaches the second pass's data: the same datasets, the new fractions.
    expect(prepared.datasets.map((d) => d.fraction)).toEqual([0.666667, 0.333333]);
    const prepared2 = manifest(project, id, "prepare.p2");
    expect(prepared2.datasets.map((d) => [d.path, d.fraction])).toEqual(prepared.datasets.map((d) => [d.path, 0.5]));
    expect(outputs.get("decide.p1")).toMatchObject({ mixChanged: true, mix: [{ id: "openscience/science-qa", fraction: 0.5 }, { id: "helpful/science-chat", fraction: 0.5 }] });
    expect(report).toContain("mix: openscience/science-qa 0.5, helpful/science-chat 0.5)");

    // Every LLM call is charged to the run.
    const charged = ofType(events(project, id), "budget_charged");
    expect(charged.map((e) => e.stage)).toEqual(["research", "research", "discover", "discover", "decide.p1"]);
    expect(emu.mistral.pending()).toBe(0);

    // The replay: no emulator reachable, no key; the same decisions and the same prepared data.
    const offline = { HF_ENDPOINT: "http://127.0.0.1:9", INTERN_DATASETS_SERVER_URL: "http://127.0.0.1:9", INTERN_ARXIV_URL: "http://127.0.0.1:9", INTERN_SEMANTIC_SCHOLAR_URL: "http://127.0.0.1:9", MISTRAL_SERVER_URL: "http://127.0.0.1:9" };
    const requestsBefore = emu.mistral.requests.length;
    const again = await apply(project, ["--replay", id], offline);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const replayId = runs(project).at(-1)!;
    expect(replayId).not.toBe(id);
    const replayed = done(project, replayId);
    expect(ofType(events(project, replayId), "stage_cached")).toEqual([]);
    expect(replayed.get("discover")!.mix).toEqual(discover.mix);
    expect(replayed.get("discover")!.refused).toEqual(discover.refused);
    expect(replayed.get("decide.p1")!.hyperparameters).toEqual(outputs.get("decide.p1")!.hyperparameters);
    expect(replayed.get("decide.p1")!.mix).toEqual(outputs.get("decide.p1")!.mix);
    expect(replayed.get("decide.p1")!.decision).toBe("continue");
    for (const stage of ["prepare.p1", "prepare.p2"]) expect(manifest(project, replayId, stage).output.sha256).toBe(manifest(project, id, stage).output.sha256);
    expect(emu.mistral.requests.length).toBe(requestsBefore);

    // The replay spent nothing: no token charged to its budget, the recorded figures said apart.
    const recordedTokens = charged.reduce((n, e) => n + e.llmTokens, 0);
    expect(recordedTokens).toBeGreaterThan(0);
    const replayCharged = ofType(events(project, replayId), "budget_charged");
    expect(replayCharged.map((e) => [e.stage, e.llmTokens, e.llmUsd])).toEqual(charged.map((e) => [e.stage, 0, 0]));
    expect(replayCharged.map((e) => e.replayed)).toEqual(charged.map((e) => ({ llmTokens: e.llmTokens, llmUsd: e.llmUsd })));
    expect(replayed.get("discover")).toMatchObject({ replayed: true, usage: { promptTokens: 0, completionTokens: 0 }, recordedUsage: outputs.get("discover")!.usage });
    expect(readFileSync(join(runDir(project.dir, replayId), "report.md"), "utf8")).toContain(`| LLM tokens | 0 (replayed from transcripts; recorded: ${recordedTokens} tokens) |`);
    expect(again.stdout).toContain(`llm: 0 tokens spent (replayed from transcripts; recorded: ${recordedTokens} tokens)`);
    expect(r.stdout).toContain(`llm: ${recordedTokens} tokens spent\n`);
    expect(parse(readFileSync(join(runDir(project.dir, replayId), "lock.yaml"), "utf8")).budget).toEqual({ llm_tokens: 0, llm_usd: 0 });
    expect(parse(readFileSync(join(runDir(project.dir, id), "lock.yaml"), "utf8")).budget.llm_tokens).toBe(recordedTokens);
    const status = await intern(project, ["status"]);
    expect(status.stdout).toMatch(new RegExp(`${replayId} .*LLM replayed \\(recorded: ${recordedTokens} tokens\\)`));
  }, 300_000);

  it("a decide stage that stops skips the later passes, and the run succeeds", async () => {
    const project = makeProject({ changes: OPEN_DATA });
    emu.mistral.reply(...DISCOVERY, { toolCalls: [{ name: "answer", arguments: { action: "stop", reason: "no progress worth the budget" } }] });
    const r = await apply(project, [], live());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = runs(project).at(-1)!;
    const skipped = ofType(events(project, id), "stage_skipped");
    expect(skipped.map((e) => e.stage).sort()).toEqual(["evaluate.p2", "prepare.p2", "train.p2"]);
    expect(skipped.find((e) => e.stage === "train.p2")!.reason).toBe("not needed: decide.p1 chose to stop: no progress worth the budget");
    expect(done(project, id).has("report")).toBe(true);
    expect(ofType(events(project, id), "run_finished")[0]!.status).toBe("succeeded");
  }, 300_000);
});

describe("apply with synthetic data, against the Mistral emulator", () => {
  const chat = (user: string, assistant: string) => ({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });
  const SYNTHETIC = {
    sources: { synthetic: { allow: true, max_examples: 2 } },
    budget: { llm: { tokens: 100000 } },
    agent: { model: "mistral-small-latest", max_steps: 4, max_tokens: 256 },
  };

  it("synthesize runs before prepare, its examples are in the prepare manifest, and a replay writes the same file", async () => {
    const project = makeProject({ changes: SYNTHETIC });
    emu.mistral.reply(
      { toolCalls: [{ name: "add_examples", arguments: { gap: "creatures asked about twice", examples: [chat("And the kelomi, what colour is it?", "blue"), chat("Colour of the nupato?", "green"), chat("Colour of the zerami?", "red")] } }] },
      { toolCalls: [{ name: "answer", arguments: { gaps: [{ gap: "creatures asked about twice", why: "follow-up questions are missing" }] } }] },
    );
    const r = await apply(project, [], live());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = runs(project).at(-1)!;
    const outputs = done(project, id);
    const synthesized = outputs.get("synthesize")!;
    expect(synthesized).toMatchObject({ examples: 2, maxExamples: 2, stopped: null });
    const prepared = manifest(project, id, "prepare") as ReturnType<typeof manifest> & { datasets: { path: string; sha256: string; rows: { taken: number } }[] };
    expect(prepared.datasets.at(-1)).toMatchObject({ path: "synthesize/synthetic.jsonl", sha256: synthesized.sha256, rows: { taken: 2 } });
    expect(readFileSync(join(runDir(project.dir, id), "stages", "prepare", "data", "train.jsonl"), "utf8")).toContain("kelomi");

    const report = readFileSync(join(runDir(project.dir, id), "report.md"), "utf8");
    expect(report).toContain(`2 examples (at most 2), sha256 \`${String(synthesized.sha256)}\``);
    expect(report).toContain("| creatures asked about twice | 2 | follow-up questions are missing |");

    const again = await apply(project, ["--replay", id], { MISTRAL_SERVER_URL: "http://127.0.0.1:9" });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const replayed = done(project, runs(project).at(-1)!);
    expect(replayed.get("synthesize")!.sha256).toBe(synthesized.sha256);
    expect(emu.mistral.pending()).toBe(0);
  }, 300_000);
});
