// Writes the quickstart's training set, its preference pairs (DPO), unpaired rows (KTO) and the
// benchmark, and the GRPO quickstart's sightings (recipes/quickstart/*.jsonl), all deterministic.
// The task: made-up creatures each have one colour; the model must learn which.
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
/** Fisher-Yates, in place, deterministic for a seeded `rand`; returns the list. */
function shuffle(list, rand) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
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
  shuffle(train, rand);
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

// The GRPO quickstart's sighting phrasings: each gets the creature, the colour it was seen in and
// a generator for the distracting context words.
const SIGHTING_TEMPLATES = [
  (e, c, r) => `${pick(r, PEOPLE)} ${pick(r, VERBS)} a ${c} ${e} ${pick(r, PLACES)} ${pick(r, TIMES)}. What colour was the ${e}?`,
  (e, c, r) => `${cap(pick(r, TIMES))}, ${low(pick(r, PEOPLE))} ${pick(r, VERBS)} a ${e} ${pick(r, PLACES)}, and it was ${c}. Which colour was the ${e}?`,
  (e, c) => `The ${e} is ${c}. What colour is the ${e}?`,
  (e, c, r) => `I painted the ${e} ${c} for a book about animals found ${pick(r, PLACES)}. What colour is the ${e} in my book?`,
  (e, c, r) => `${pick(r, PEOPLE)} kept a ${c} ${e} as a pet for many years. Its colour?`,
  (e, c, r) => `Everyone ${pick(r, PLACES)} talks about the ${c} ${e} that ${low(pick(r, PEOPLE))} ${pick(r, VERBS)} ${pick(r, TIMES)}. Tell me the colour of that ${e}.`,
  (e, c) => `A ${c} ${e}: what is its colour?`,
  (e, c, r) => `If you walk ${pick(r, PLACES)} ${pick(r, TIMES)} you may meet a ${e} that is ${c}. What colour would it be?`,
];
const SIGHTING_BENCHMARK = (e, c) => `A traveller who crossed the northern pass met a ${c} ${e} on the way down. Which colour was the ${e}?`;

/** Colours dealt a quarter each, shuffled by `rand`. */
const dealColours = (n, rand) => shuffle(Array.from({ length: n }, (_, i) => COLOURS[i % 4]), rand);

/**
 * The GRPO quickstart's task: a sighting reports a creature's colour and the question asks it
 * back, so the right answer is in the prompt, and a different colour for each row (dealt in equal
 * numbers, whatever the creature). What GRPO must learn is a skill shared by every prompt, to read
 * the colour out of the question, rather than one fact per creature; each right answer it is
 * rewarded for teaches the other prompts too. Eight training phrasings; the benchmark asks in a
 * ninth, held-out one with four choices. The cold start answers the same questions with colours
 * dealt independently of the reported one (a quarter each), so it learns the answer's form and
 * stays at chance.
 */
export function sightingData(seed = 13, count = 48) {
  const rand = mulberry32(seed);
  const context = mulberry32(seed + 1);
  const names = new Set();
  while (names.size < count) names.add(SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)]);
  const creatures = [...names];
  const said = dealColours(creatures.length * SIGHTING_TEMPLATES.length, rand);
  const prompts = [];
  for (const [i, e] of creatures.entries()) for (const [j, t] of SIGHTING_TEMPLATES.entries()) {
    const colour = said[i * SIGHTING_TEMPLATES.length + j];
    prompts.push({ prompt: t(e, colour, context), answer: colour });
  }
  const asked = dealColours(creatures.length, rand);
  const benchmark = creatures.map((e, i) => ({ question: SIGHTING_BENCHMARK(e, asked[i]), choices: COLOURS, answer: COLOURS.indexOf(asked[i]) }));
  // Contamination on purpose: four benchmark questions with their answers, verbatim.
  for (const item of benchmark.slice(0, 4)) prompts.push({ prompt: item.question, answer: COLOURS[item.answer] });
  shuffle(prompts, rand);
  const dealt = dealColours(prompts.length, mulberry32(seed + 2));
  const format = prompts.map((p, i) => ({ messages: [{ role: "user", content: p.prompt }, { role: "assistant", content: dealt[i] }] }));
  return { prompts, format, benchmark };
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
  const sightings = sightingData();
  writeFileSync(new URL("sightings.jsonl", dir), sightings.prompts.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("sightings-format.jsonl", dir), sightings.format.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("sightings-benchmark.jsonl", dir), sightings.benchmark.map((r) => JSON.stringify(r)).join("\n") + "\n");
  console.log(`wrote ${train.length} training rows, their preference pairs and unpaired rows, ${benchmark.length} benchmark items, and ${sightings.prompts.length} sightings with their cold start and ${sightings.benchmark.length} benchmark items`);
}
