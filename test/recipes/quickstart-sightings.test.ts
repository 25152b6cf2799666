import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sightingData } from "../../scripts/make-quickstart-data.js";
import { ROOT } from "../helpers/recipe.js";

const COLOURS = ["red", "green", "blue", "yellow"];
const lines = (name: string): unknown[] =>
  readFileSync(join(ROOT, "recipes/quickstart", name), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);
const said = (text: string): string[] => COLOURS.filter((c) => new RegExp(`\\b${c}\\b`).test(text));

type Prompt = { prompt: string; answer: string };
type Format = { messages: { role: string; content: string }[] };
type Item = { question: string; choices: string[]; answer: number };

// The GRPO quickstart's data: what makes its task one skill (the colour is in the question) and
// its cold start uninformative (colours dealt independently of the question).
describe("the GRPO quickstart's sightings", () => {
  const prompts = lines("sightings.jsonl") as Prompt[];
  const format = lines("sightings-format.jsonl") as Format[];
  const benchmark = lines("sightings-benchmark.jsonl") as Item[];

  it("are what scripts/make-quickstart-data.js writes", () => {
    const made = sightingData() as { prompts: Prompt[]; format: Format[]; benchmark: Item[] };
    expect(prompts).toEqual(made.prompts);
    expect(format).toEqual(made.format);
    expect(benchmark).toEqual(made.benchmark);
  });

  it("name exactly one colour in each question, and it is the answer", () => {
    for (const p of prompts) expect(said(p.prompt), p.prompt).toEqual([p.answer]);
    for (const b of benchmark) expect(said(b.question), b.question).toEqual([b.choices[b.answer]]);
  });

  it("deal the colours a quarter each, and the cold start's answers independently of the question's", () => {
    const count = (list: string[]) => COLOURS.map((c) => list.filter((x) => x === c).length);
    expect(count(benchmark.map((b) => b.choices[b.answer]))).toEqual([12, 12, 12, 12]);
    expect(Math.max(...count(prompts.map((p) => p.answer))) - Math.min(...count(prompts.map((p) => p.answer)))).toBeLessThanOrEqual(4);
    expect(format.map((f) => f.messages[0].content)).toEqual(prompts.map((p) => p.prompt));
    const answers = format.map((f) => f.messages[1].content);
    expect(count(answers)).toEqual([97, 97, 97, 97]);
    // Right by chance about a quarter of the time: the rows teach the form, not the skill.
    const right = answers.filter((a, i) => a === prompts[i].answer).length / answers.length;
    expect(right).toBeGreaterThan(0.18);
    expect(right).toBeLessThan(0.32);
  });

  it("ask the benchmark in a phrasing no training sighting shares a 13-word run with, but for the copies made on purpose", () => {
    const grams = (text: string) => {
      const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
      return new Set(words.slice(0, Math.max(0, words.length - 12)).map((_, i) => words.slice(i, i + 13).join(" ")));
    };
    const questions = new Set(benchmark.map((b) => b.question));
    const bench = new Set(benchmark.flatMap((b) => [...grams(b.question)]));
    const copies = prompts.filter((p) => questions.has(p.prompt));
    expect(copies).toHaveLength(4);
    for (const p of prompts) if (!questions.has(p.prompt)) for (const g of grams(p.prompt)) expect(bench.has(g), p.prompt).toBe(false);
  });
});
