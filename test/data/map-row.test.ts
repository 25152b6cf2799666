import { describe, expect, it } from "vitest";
import { columnsOf, isMisfit, mapRow, preparedRow, turnsOf, type MappedRow, type Misfit } from "../../src/data/map-row.js";
import type { PinnedDataset } from "../../src/recipe/types.js";

type Shape = Pick<PinnedDataset, "format" | "columns">;
const conversational = (columns: Partial<Shape["columns"]> = {}): Shape => ({
  format: "conversational",
  columns: { messages: "messages", prompt: null, completion: null, system: null, text: null, ...columns },
});
const promptCompletion = (columns: Partial<Shape["columns"]> = {}): Shape => ({
  format: "prompt-completion",
  columns: { messages: null, prompt: "prompt", completion: "completion", system: null, text: null, ...columns },
});
const plainText = (column = "text"): Shape => ({ format: "text", columns: { messages: null, prompt: null, completion: null, system: null, text: column } });

function misfit(row: unknown, shape: Shape): Misfit {
  const out = mapRow(row, shape);
  if (!isMisfit(out)) throw new Error(`expected a misfit, got ${JSON.stringify(out)}`);
  return out;
}

describe("mapRow: shapes that fit", () => {
  it("takes role/content messages as they are, dropping other keys", () => {
    const row = { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi", name: "x" }, { role: "assistant", content: "Hello" }], id: 3 };
    expect(mapRow(row, conversational())).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
    ]);
  });

  it("maps ShareGPT from/value with human, gpt and system", () => {
    const row = { conversations: [{ from: "system", value: "S" }, { from: "human", value: "Q" }, { from: "gpt", value: "A" }] };
    expect(mapRow(row, conversational({ messages: "conversations" }))).toEqual([
      { role: "system", content: "S" },
      { role: "user", content: "Q" },
      { role: "assistant", content: "A" },
    ]);
  });

  it("turns string prompt and completion into user then assistant", () => {
    expect(mapRow({ prompt: "2+2?", completion: "4" }, promptCompletion())).toEqual([
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
    ]);
  });

  it("takes conversational prompt and completion lists, with renamed columns", () => {
    const row = { q: [{ role: "user", content: "Q1" }, { role: "assistant", content: "A1" }, { role: "user", content: "Q2" }], a: [{ role: "assistant", content: "A2" }] };
    expect(mapRow(row, promptCompletion({ prompt: "q", completion: "a" }))).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
      { role: "assistant", content: "A2" },
    ]);
  });

  it("puts the system column first, in both formats, and skips it when absent or blank", () => {
    expect(mapRow({ prompt: "P", completion: "C", sys: "You are terse." }, promptCompletion({ system: "sys" }))).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "P" },
      { role: "assistant", content: "C" },
    ]);
    const messages = [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }];
    expect(mapRow({ messages, sys: "S" }, conversational({ system: "sys" }))).toEqual([{ role: "system", content: "S" }, ...messages]);
    expect(mapRow({ messages }, conversational({ system: "sys" }))).toEqual(messages);
    expect(mapRow({ messages, sys: null }, conversational({ system: "sys" }))).toEqual(messages);
    expect(mapRow({ messages, sys: "  " }, conversational({ system: "sys" }))).toEqual(messages);
  });
});

describe("mapRow: common shapes through the columns", () => {
  it("maps question/answer as prompt and completion", () => {
    const shape = promptCompletion({ prompt: "question", completion: "answer" });
    expect(mapRow({ question: "Q", answer: "A" }, shape)).toEqual([{ role: "user", content: "Q" }, { role: "assistant", content: "A" }]);
  });

  it("joins instruction and input into one prompt, leaving out an input that is empty or null", () => {
    const shape = promptCompletion({ prompt: ["instruction", "input"], completion: "output" });
    expect(mapRow({ instruction: "Translate to French.", input: "Good morning", output: "Bonjour" }, shape)).toEqual([
      { role: "user", content: "Translate to French.\n\nGood morning" },
      { role: "assistant", content: "Bonjour" },
    ]);
    expect(mapRow({ instruction: "Name a prime.", input: "", output: "7" }, shape)).toEqual([{ role: "user", content: "Name a prime." }, { role: "assistant", content: "7" }]);
    expect(mapRow({ instruction: "Name a prime.", input: null, output: "7" }, shape)).toEqual([{ role: "user", content: "Name a prime." }, { role: "assistant", content: "7" }]);
  });

  it("joins several completion columns too", () => {
    const shape = promptCompletion({ prompt: "problem", completion: ["reasoning", "final"] });
    expect(mapRow({ problem: "1+1?", reasoning: "One and one.", final: "2" }, shape)).toEqual([{ role: "user", content: "1+1?" }, { role: "assistant", content: "One and one.\n\n2" }]);
  });

  it("reads one column as TRL's text format", () => {
    expect(mapRow({ content: "Some prose.", id: 1 }, plainText("content"))).toEqual({ text: "Some prose." });
  });
});

describe("mapRow: rows that do not fit, with a reason", () => {
  const ok = [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }];
  it.each([
    ["a list row", [1, 2], conversational(), "not-an-object", "the row is a list, not an object"],
    ["a string row", "hello", conversational(), "not-an-object", "the row is a string, not an object"],
    ["no messages column", { text: "x" }, conversational(), "missing-column", 'no column "messages"'],
    ["null messages", { messages: null }, conversational(), "missing-column", 'column "messages" is null'],
    ["messages as a string", { messages: "hi" }, conversational(), "wrong-type", 'column "messages" is a string, not a list of messages'],
    ["an empty list", { messages: [] }, conversational(), "empty-content", 'column "messages" is an empty list'],
    ["a message that is a number", { messages: [ok[0], 5] }, conversational(), "wrong-type", "messages[1] is a number, not a message"],
    ["a message with no role or from", { messages: [{ text: "x" }] }, conversational(), "wrong-type", "messages[0] has neither role/content nor from/value"],
    ["an unknown role", { messages: [{ role: "narrator", content: "x" }, ok[1]] }, conversational(), "unknown-role", 'messages[0] has role "narrator"; expected system, user, assistant, tool, human or gpt'],
    ["an unknown ShareGPT from", { messages: [{ from: "bot", value: "x" }] }, conversational(), "unknown-role", 'messages[0] has role "bot"; expected system, user, assistant, tool, human or gpt'],
    ["non-string content", { messages: [{ role: "user", content: 3 }, ok[1]] }, conversational(), "wrong-type", "messages[0].content is a number, not a string"],
    ["empty content", { messages: [ok[0], { role: "assistant", content: " \n" }] }, conversational(), "empty-content", "messages[1].content is empty"],
    ["empty ShareGPT value", { messages: [{ from: "human", value: "" }] }, conversational(), "empty-content", "messages[0].value is empty"],
    ["no assistant turn", { messages: [ok[0]] }, conversational(), "no-assistant-turn", "the conversation has no assistant message to learn from"],
    ["no completion column", { prompt: "P" }, promptCompletion(), "missing-column", 'no column "completion"'],
    ["a numeric prompt", { prompt: 4, completion: "C" }, promptCompletion(), "wrong-type", 'column "prompt" is a number, not a string'],
    ["an empty completion", { prompt: "P", completion: "" }, promptCompletion(), "empty-content", 'column "completion" is empty'],
    ["a non-string system", { prompt: "P", completion: "C", sys: ["x"] }, promptCompletion({ system: "sys" }), "wrong-type", 'column "sys" is a list, not a string'],
    ["a joined column the row lacks (a misspelt name)", { instruction: "I", output: "O" }, promptCompletion({ prompt: ["instruction", "imput"], completion: "output" }), "missing-column", 'no column "imput"'],
    ["joined columns all empty", { instruction: " ", input: "", output: "O" }, promptCompletion({ prompt: ["instruction", "input"], completion: "output" }), "empty-content", 'columns "instruction", "input" are all empty'],
    ["a joined column that is not a string", { instruction: "I", input: 3, output: "O" }, promptCompletion({ prompt: ["instruction", "input"], completion: "output" }), "wrong-type", 'column "input" is a number, not a string'],
    ["no text column", { body: "x" }, plainText(), "missing-column", 'no column "text"'],
    ["text that is a list", { text: ["x"] }, plainText(), "wrong-type", 'column "text" is a list, not a string'],
    ["blank text", { text: "  " }, plainText(), "empty-content", 'column "text" is empty'],
  ])("%s", (_name, row, shape, reason, detail) => {
    expect(misfit(row, shape)).toEqual({ reason, detail });
  });
});

describe("mapRow: preference pairs (dpo)", () => {
  const preference = (columns: Partial<Shape["columns"]> = {}): Shape => ({
    format: "preference",
    columns: { messages: null, prompt: "prompt", completion: null, system: null, text: null, chosen: "chosen", rejected: "rejected", ...columns },
  });

  it("maps a prompt and two string answers to TRL's conversational preference rows", () => {
    expect(mapRow({ prompt: "Colour of the sky?", chosen: "blue", rejected: "green" }, preference())).toEqual({
      prompt: [{ role: "user", content: "Colour of the sky?" }],
      chosen: [{ role: "assistant", content: "blue" }],
      rejected: [{ role: "assistant", content: "green" }],
    });
  });

  it("reads renamed columns, message lists and a system prompt", () => {
    const row = { q: [{ role: "user", content: "Hi" }], good: [{ from: "gpt", value: "Hello!" }], bad: "Go away.", sys: "Be kind." };
    expect(mapRow(row, preference({ prompt: "q", chosen: "good", rejected: "bad", system: "sys" }))).toEqual({
      prompt: [{ role: "system", content: "Be kind." }, { role: "user", content: "Hi" }],
      chosen: [{ role: "assistant", content: "Hello!" }],
      rejected: [{ role: "assistant", content: "Go away." }],
    });
  });

  it("says why a pair does not fit: a missing answer, two equal answers, an answer with no assistant turn", () => {
    expect(misfit({ prompt: "P", chosen: "a" }, preference())).toEqual({ reason: "missing-column", detail: 'no column "rejected"' });
    expect(misfit({ prompt: "P", chosen: "same", rejected: "same" }, preference())).toEqual({ reason: "same-answers", detail: "the chosen and rejected answers are the same: nothing to prefer" });
    expect(misfit({ prompt: "P", chosen: [{ role: "user", content: "x" }], rejected: "b" }, preference())).toEqual({ reason: "no-assistant-turn", detail: "the chosen answer has no assistant message" });
  });
});

describe("mapRow: unpaired preference rows (kto)", () => {
  const unpaired = (columns: Partial<Shape["columns"]> = {}): Shape => ({
    format: "unpaired-preference",
    columns: { messages: null, prompt: "prompt", completion: "completion", system: null, text: null, label: "label", ...columns },
  });

  it("maps a prompt, a completion and a boolean or 1/0 label to TRL's conversational unpaired rows", () => {
    expect(mapRow({ prompt: "Colour of the sky?", completion: "blue", label: true }, unpaired())).toEqual({
      prompt: [{ role: "user", content: "Colour of the sky?" }],
      completion: [{ role: "assistant", content: "blue" }],
      label: true,
    });
    const row = { q: "Colour of the sky?", a: [{ from: "gpt", value: "green" }], ok: 0, sys: "Be brief." };
    expect(mapRow(row, unpaired({ prompt: "q", completion: "a", label: "ok", system: "sys" }))).toEqual({
      prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "Colour of the sky?" }],
      completion: [{ role: "assistant", content: "green" }],
      label: false,
    });
  });

  it("says why a row does not fit: no label, a label that is not true or false, a completion with no assistant turn", () => {
    expect(misfit({ prompt: "P", completion: "a" }, unpaired())).toEqual({ reason: "missing-column", detail: 'no column "label"' });
    expect(misfit({ prompt: "P", completion: "a", label: "yes" }, unpaired())).toEqual({ reason: "wrong-type", detail: 'column "label" is a string, not true or false (or 1 or 0)' });
    expect(misfit({ prompt: "P", completion: [{ role: "user", content: "x" }], label: true }, unpaired())).toEqual({ reason: "no-assistant-turn", detail: "the completion has no assistant message" });
  });

  it("keeps the label in the turns dedupe and decontamination read, so a good and a bad answer never collapse", () => {
    const good = mapRow({ prompt: "P", completion: "a", label: true }, unpaired());
    const bad = mapRow({ prompt: "P", completion: "a", label: false }, unpaired());
    expect(turnsOf(good as MappedRow)).toEqual([{ role: "user", content: "P" }, { role: "desirable:assistant", content: "a" }]);
    expect(turnsOf(bad as MappedRow)).not.toEqual(turnsOf(good as MappedRow));
  });
});

describe("mapRow: prompt rows (grpo)", () => {
  const promptOnly = (columns: Partial<Shape["columns"]> = {}): Shape => ({
    format: "prompt",
    columns: { messages: null, prompt: "prompt", completion: null, system: null, text: null, ...columns },
  });

  it("maps a prompt, its reference answer and the kept columns to the row TRL hands the reward functions", () => {
    const shape = promptOnly({ prompt: "question", answer: "final", keep: ["level", "tags"], system: "sys" });
    const mapped = mapRow({ question: "What is 2 + 2?", final: 4, level: 3n, tags: ["easy"], sys: "Be brief.", other: "dropped" }, shape);
    expect(mapped).toEqual({ prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "What is 2 + 2?" }], answer: "4", kept: { level: 3, tags: ["easy"] } });
    // The prepared line: kept columns beside the prompt and answer, under their own names.
    expect(preparedRow(mapped as MappedRow)).toEqual({ level: 3, tags: ["easy"], prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "What is 2 + 2?" }], answer: "4" });
    // Parquet decodes only what the format reads.
    expect(columnsOf({ columns: shape.columns }).sort()).toEqual(["final", "level", "question", "sys", "tags"]);
  });

  it("reads a conversational prompt, and no answer when none is mapped", () => {
    const turns = [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }, { role: "user", content: "Colour of the sky?" }];
    expect(mapRow({ prompt: turns }, promptOnly())).toEqual({ prompt: turns, kept: {} });
  });

  it("counts rows that cannot be prompted or scored, with a reason", () => {
    expect(misfit({ question: "q" }, promptOnly())).toEqual({ reason: "missing-column", detail: 'no column "prompt"' });
    expect(misfit({ prompt: "q" }, promptOnly({ answer: "answer" }))).toEqual({ reason: "missing-column", detail: 'no column "answer"' });
    expect(misfit({ prompt: "q", answer: null }, promptOnly({ answer: "answer" }))).toEqual({ reason: "missing-column", detail: 'column "answer" is null' });
    expect(misfit({ prompt: "q", answer: "  " }, promptOnly({ answer: "answer" }))).toEqual({ reason: "empty-content", detail: 'column "answer" is empty' });
    expect(misfit({ prompt: "q", answer: "a" }, promptOnly({ answer: "answer", keep: ["solution"] }))).toEqual({ reason: "missing-column", detail: 'no column "solution"' });
    expect(misfit({ prompt: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] }, promptOnly())).toEqual({ reason: "wrong-type", detail: "the prompt ends with an assistant turn; the model answers the last user turn" });
  });

  it("dedupe and decontamination read the prompt and the answer, not the kept columns", () => {
    const a = mapRow({ prompt: "P", answer: "blue", n: 1 }, promptOnly({ answer: "answer", keep: ["n"] }));
    const b = mapRow({ prompt: "P", answer: "blue", n: 2 }, promptOnly({ answer: "answer", keep: ["n"] }));
    const c = mapRow({ prompt: "P", answer: "red", n: 1 }, promptOnly({ answer: "answer", keep: ["n"] }));
    expect(turnsOf(a as MappedRow)).toEqual([{ role: "user", content: "P" }, { role: "answer", content: "blue" }]);
    expect(turnsOf(b as MappedRow)).toEqual(turnsOf(a as MappedRow));
    expect(turnsOf(c as MappedRow)).not.toEqual(turnsOf(a as MappedRow));
  });
});
