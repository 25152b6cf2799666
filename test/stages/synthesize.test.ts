import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PrepareManifest } from "../../src/data/manifest.js";
import { prepareRunner } from "../../src/stages/prepare-runner.js";
import { synthesizeRunner } from "../../src/stages/synthesize.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";
import { compileText, recipeYaml, ROOT } from "../helpers/recipe.js";
import { agenticContext, API_KEY } from "./agentic-support.js";

let mistral: MistralEmulator;
let project: string;

beforeEach(async () => {
  mistral = await startMistralEmulator({ apiKey: API_KEY });
  project = mkdtempSync(join(tmpdir(), "intern-synthesize-"));
  copyFileSync(join(ROOT, "recipes/quickstart/train.jsonl"), join(project, "train.jsonl"));
  copyFileSync(join(ROOT, "recipes/quickstart/benchmark.jsonl"), join(project, "benchmark.jsonl"));
});
afterEach(async () => {
  await mistral.close();
  rmSync(project, { recursive: true, force: true });
});

const env = () => ({ MISTRAL_SERVER_URL: mistral.url, MISTRAL_API_KEY: API_KEY });
const runDir = (id = "r1") => join(project, ".intern", "runs", id);

/** The quickstart's data and benchmark, pinned, with synthetic data allowed. */
const recipe = (changes: Record<string, unknown> = {}) =>
  compileText(
    recipeYaml({
      benchmark: { name: "creature-colours", harness: "builtin", task: undefined, metric: "acc", target: 0.6, data: { path: "benchmark.jsonl" } },
      data: { seed: 1, datasets: [{ path: "train.jsonl", license: "cc0-1.0", format: "conversational" }], decontaminate: { ngram: 13, threshold: 1 } },
      sources: { synthetic: { allow: true, max_examples: 3 } },
      agent: { model: "mistral-small-latest", max_steps: 6, max_tokens: 256 },
      budget: { llm: { tokens: 200000 } },
      ...changes,
    }),
  );

const chat = (user: string, assistant: string) => ({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });
const BENCH_QUESTION = JSON.parse(readFileSync(join(ROOT, "recipes/quickstart/benchmark.jsonl"), "utf8").split("\n")[10]!).question as string;

function script(m: MistralEmulator): void {
  m.reply(
    {
      toolCalls: [
        {
          name: "add_examples",
          arguments: {
            gap: "creatures named in a longer question",
            examples: [chat("Which colour does the kelomi have, according to travellers?", "blue"), chat(BENCH_QUESTION, "red"), { messages: [{ role: "user", content: "no reply" }, { role: "user", content: "still none" }] }],
          },
        },
      ],
    },
    { toolCalls: [{ name: "add_examples", arguments: { gap: "short answers", examples: [chat("Colour of the nupato?", "green"), chat("Colour of the zerami?", "yellow")] } }] },
    { toolCalls: [{ name: "answer", arguments: { gaps: [{ gap: "creatures named in a longer question", why: "the data asks short questions" }] } }] },
  );
}

describe("synthesize", () => {
  it("writes the examples it keeps, bounded by max_examples, with a digest and the transcript", async () => {
    script(mistral);
    const { ctx, charges } = agenticContext(recipe(), "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const out = await synthesizeRunner.run(ctx);
    expect(out.examples).toBe(3);
    expect(out.stopped).toBeNull();
    const lines = readFileSync(join(ctx.dir, "synthetic.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toEqual(chat("Which colour does the kelomi have, according to travellers?", "blue"));
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.gaps).toEqual([
      { gap: "creatures named in a longer question", examples: 2, why: "the data asks short questions" },
      { gap: "short answers", examples: 1, why: null },
    ]);
    // The model was told what was dropped and why.
    const second = mistral.requests[1]!.body.messages.at(-1)!;
    expect(String(second.content)).toContain("does not end with an assistant reply");
    const third = mistral.requests[2]!.body.messages.at(-1)!;
    expect(String(third.content)).toContain("sources.synthetic.max_examples (3) reached");
    expect(charges.calls).toBe(3);
    expect(readFileSync(join(runDir(), "transcripts", "synthesize.jsonl"), "utf8")).not.toContain(API_KEY);
  });

  it("its examples reach prepare, and the one copying a benchmark item is removed by decontamination", async () => {
    script(mistral);
    const checked = recipe();
    const synth = agenticContext(checked, "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const out = await synthesizeRunner.run(synth.ctx);
    const prep = agenticContext(checked, "prepare", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["synthesize", out]]) });
    const { manifest } = (await prepareRunner.run(prep.ctx)) as { manifest: PrepareManifest };
    expect(manifest.datasets).toHaveLength(2);
    expect(manifest.datasets[1]).toMatchObject({ path: "synthesize/synthetic.jsonl", sha256: out.sha256, rows: { read: 3, mapped: 3, taken: 3 } });
    const fromSynthetic = manifest.decontamination !== null && "removed" in manifest.decontamination ? manifest.decontamination.removed.filter((r) => r.dataset === 1) : [];
    expect(fromSynthetic).toEqual([expect.objectContaining({ row: 1, benchmarkItem: 10 })]);
    // The five benchmark items the quickstart copied into its training file on purpose, and the synthetic one.
    expect(manifest.totals.contaminatedRemoved).toBe(6);
    const train = readFileSync(join(prep.ctx.dir, "data", "train.jsonl"), "utf8");
    expect(train).toContain("kelomi");
    expect(train).not.toContain(BENCH_QUESTION);
  });

  it("a budget stop ends with the examples kept so far", async () => {
    mistral.reply({ toolCalls: [{ name: "add_examples", arguments: { gap: "short answers", examples: [chat("Colour of the nupato?", "green")] } }], usage: { prompt: 1800, completion: 100 } });
    const { ctx } = agenticContext(recipe({ budget: { llm: { tokens: 2000 } } }), "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const out = await synthesizeRunner.run(ctx);
    expect(out.stopped).toEqual({ why: "budget", reason: expect.stringContaining("budget.llm.tokens (2000)") });
    expect(out.examples).toBe(1);
    expect(mistral.requests).toHaveLength(1);
  });

  it("a budget too small for any call writes an empty file, and prepare runs on the rest", async () => {
    const checked = recipe({ budget: { llm: { tokens: 100 } } });
    const synth = agenticContext(checked, "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const out = await synthesizeRunner.run(synth.ctx);
    expect(out).toMatchObject({ examples: 0, stopped: { why: "budget" } });
    expect(mistral.requests).toHaveLength(0);
    const prep = agenticContext(checked, "prepare", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["synthesize", out]]) });
    const { manifest } = (await prepareRunner.run(prep.ctx)) as { manifest: PrepareManifest };
    expect(manifest.datasets[1]).toMatchObject({ path: "synthesize/synthetic.jsonl", rows: { read: 0, taken: 0 } });
    expect(manifest.output.rows).toBeGreaterThan(150);
  });

  it("with data.max_rows, the synthetic examples are taken whole and the other datasets share the rest", async () => {
    script(mistral);
    const checked = recipe({ data: { seed: 1, max_rows: 50, datasets: [{ path: "train.jsonl", license: "cc0-1.0", format: "conversational" }], decontaminate: { ngram: 13, threshold: 1 } } });
    const synth = agenticContext(checked, "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const out = await synthesizeRunner.run(synth.ctx);
    const prep = agenticContext(checked, "prepare", { runDir: runDir(), projectDir: project, env: env(), needOutputs: new Map([["synthesize", out]]) });
    const { manifest } = (await prepareRunner.run(prep.ctx)) as { manifest: PrepareManifest };
    expect(manifest.mix).toMatchObject({ maxRows: 50, target: 50, taken: 50 });
    expect(manifest.datasets.map((d) => d.rows.taken)).toEqual([47, 3]);
  });

  it("a replay writes the same file, with the LLM unreachable", async () => {
    script(mistral);
    const first = agenticContext(recipe(), "synthesize", { runDir: runDir(), projectDir: project, env: env() });
    const recorded = await synthesizeRunner.run(first.ctx);
    const second = agenticContext(recipe(), "synthesize", { runDir: runDir("r2"), projectDir: project, env: { MISTRAL_SERVER_URL: "http://127.0.0.1:9" }, replay: { runId: "r1", runDir: runDir() } });
    const replayed = await synthesizeRunner.run(second.ctx);
    expect(replayed.sha256).toBe(recorded.sha256);
    expect(readFileSync(join(second.ctx.dir, "synthetic.jsonl"))).toEqual(readFileSync(join(first.ctx.dir, "synthetic.jsonl")));
    expect(mistral.requests).toHaveLength(3);
  });
});
