// Writes the quickstart's training set, its preference pairs (DPO), unpaired rows (KTO), prompts
// (GRPO) and colour-format rows (the GRPO quickstart's cold start), and the benchmark (recipes/quickstart/*.jsonl), all deterministic. The task: made-up creatures each have one colour; the model must learn which.
// Training asks in twelve phrasings: four short questions and eight long ones that bury the
// creature in distracting context (people, places, times drawn at random), so that the model
// learns to find the creature in a long prompt. The benchmark asks in a thirteenth, held-out
// phrasing with four choices (chance is 25%); no training phrasing shares a 13-word n-gram with
// it. Five benchmark items are copied into the training set on purpose, and a few training rows
// are exact duplicates, so dedupe and decontamination have work to do.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "./mulberry32.js";

const COLOURS = ["red", "green", "blue", "yellow"];
const SYLLABLES = ["da", "ko", "mi", "ru", "ze", "pa", "lo", "ti", "ba", "ne", "fu", "sa", "gi", "vo", "he", "ju"];
const PEOPLE = ["A shepherd", "An old fisher", "My aunt", "A child", "The miller", "Two hunters", "A merchant", "The baker", "A sailor", "Our guide"];
const PLACES = ["by the river", "in the valley", "near the mill", "on the hill", "at the market", "under the bridge", "behind the barn", "in the forest", "along the coast", "at the harbour"];
const TIMES = ["this morning", "last winter", "at dusk", "on a rainy day", "yesterday", "long ago", "in spring", "at noon"];
const VERBS = ["saw", "found", "spotted", "painted", "followed", "fed", "drew", "watched"];
const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const cap = (s) => s[0].toUpperCase() + s.slice(1);
const low = (s) => s[0].toLowerCase() + s.slice(1);
// Each template gets the creature's name and a generator for the distracting context words.
const TRAIN_TEMPLATES = [
  (e) => `What colour is the ${e}?`,
  (e) => `Tell me which colour the ${e} has.`,
  (e) => `The ${e}: what is its colour?`,
  (e) => `Name the colour of the ${e}, please.`,
  (e, r) => `${pick(r, PEOPLE)} ${pick(r, VERBS)} a ${e} ${pick(r, PLACES)} ${pick(r, TIMES)}. What colour was the ${e}?`,
  (e, r) => `${cap(pick(r, TIMES))}, ${low(pick(r, PEOPLE))} ${pick(r, VERBS)} a ${e} ${pick(r, PLACES)}. What is the colour of that ${e}?`,
  (e, r) => `Everyone ${pick(r, PLACES)} talks about the ${e}, and ${low(pick(r, PEOPLE))} ${pick(r, VERBS)} one ${pick(r, TIMES)}. Tell me the colour of the ${e}.`,
  (e, r) => `If you walk ${pick(r, PLACES)} ${pick(r, TIMES)} you may meet a ${e}. What colour would it be?`,
  (e, r) => `Stories told ${pick(r, PLACES)} always mention the ${e}. In one word, what colour does the ${e} have?`,
  (e, r) => `I am drawing a ${e} for a book about animals found ${pick(r, PLACES)}. Which paint should I use for the ${e}: what colour is it?`,
  (e, r) => `${pick(r, PEOPLE)} kept a ${e} as a pet for many years. Its colour?`,
  (e, r) => `Question about the ${e}, the small creature people see ${pick(r, PLACES)} ${pick(r, TIMES)}: what colour is a ${e}?`,
];
const BENCHMARK = (e) => `Travellers who have crossed the northern pass describe every ${e} they meet by a single colour. Which colour is the ${e}?`;

export function quickstartData(seed = 7, count = 48) {
  const rand = mulberry32(seed);
  const context = mulberry32(seed + 1);
  const names = new Set();
  while (names.size < count) names.add(SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)]);
  const creatures = [...names].map((name, i) => ({ name, colour: COLOURS[i % 4] }));
  const train = [];
  for (const c of creatures) for (const t of TRAIN_TEMPLATES) train.push({ messages: [{ role: "user", content: t(c.name, context) }, { role: "assistant", content: c.colour }] });
  const benchmark = creatures.map((c) => ({ question: BENCHMARK(c.name), choices: COLOURS, answer: COLOURS.indexOf(c.colour) }));
  // Contamination on purpose: five benchmark questions with their answers, verbatim.
  for (const item of benchmark.slice(0, 5)) train.push({ messages: [{ role: "user", content: item.question }, { role: "assistant", content: COLOURS[item.answer] }] });
  // Exact duplicates on purpose.
  train.push(...train.slice(0, 6).map((r) => structuredClone(r)));
  // Shuffle deterministically so duplicates and contamination are not all at the end.
  for (let i = train.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [train[i], train[j]] = [train[j], train[i]];
  }
  return { train, benchmark };
}

/**
 * The DPO quickstart's preference pairs, from the training rows: the same prompt, the right colour
 * chosen and a wrong one rejected (the next colours in turn, so every wrong colour appears).
 */
export function preferenceData(train) {
  return train.map((row, i) => {
    const [user, assistant] = row.messages;
    const right = COLOURS.indexOf(assistant.content);
    return { prompt: user.content, chosen: assistant.content, rejected: COLOURS[(right + 1 + (i % 3)) % 4] };
  });
}

/**
 * The KTO quickstart's rows, from the preference pairs: each pair becomes two unpaired rows, the
 * right colour labelled desirable and the wrong one not.
 */
export function unpairedData(pairs) {
  return pairs.flatMap((p) => [
    { prompt: p.prompt, completion: p.chosen, label: true },
    { prompt: p.prompt, completion: p.rejected, label: false },
  ]);
}

/**
 * The GRPO quickstart's prompts, from the training rows: the question alone, and the reference
 * answer in a column of its own that TRL hands to the reward function.
 */
export function promptData(train) {
  return train.map((row) => ({ prompt: row.messages[0].content, answer: row.messages[1].content }));
}

/**
 * The GRPO quickstart's cold start: the training rows' questions, each answered with a colour that
 * says nothing about the creature. The colours are dealt in equal numbers (a quarter each) and
 * shuffled with their own seed, independently of the right answers, so a model fine-tuned on them
 * learns to answer with a colour and stop, but not which creature has which (it stays at chance).
 */
export function formatData(train, seed = 11) {
  const rand = mulberry32(seed);
  const colours = train.map((_, i) => COLOURS[i % 4]);
  for (let i = colours.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [colours[i], colours[j]] = [colours[j], colours[i]];
  }
  return train.map((row, i) => ({ messages: [{ role: "user", content: row.messages[0].content }, { role: "assistant", content: colours[i] }] }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = new URL("../recipes/quickstart/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const { train, benchmark } = quickstartData();
  writeFileSync(new URL("train.jsonl", dir), train.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("benchmark.jsonl", dir), benchmark.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const pairs = preferenceData(train);
  writeFileSync(new URL("preferences.jsonl", dir), pairs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("unpaired.jsonl", dir), unpairedData(pairs).map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("prompts.jsonl", dir), promptData(train).map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("format.jsonl", dir), formatData(train).map((r) => JSON.stringify(r)).join("\n") + "\n");
  console.log(`wrote ${train.length} training rows, their preference pairs, unpaired rows, prompts and colour-format rows, and ${benchmark.length} benchmark items`);
}
