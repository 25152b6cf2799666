// Writes the quickstart's training set and benchmark (recipes/quickstart/*.jsonl), both
// deterministic. The task: made-up creatures each have one colour; the model must learn which.
// Training asks in four phrasings; the benchmark asks in a fifth, held-out phrasing with four
// choices (chance is 25%). Five benchmark items are copied into the training set on purpose,
// and a few training rows are exact duplicates, so dedupe and decontamination have work to do.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "./mulberry32.js";

const COLOURS = ["red", "green", "blue", "yellow"];
const SYLLABLES = ["da", "ko", "mi", "ru", "ze", "pa", "lo", "ti", "ba", "ne", "fu", "sa", "gi", "vo", "he", "ju"];
const TRAIN_TEMPLATES = [
  (e) => `What colour is the ${e}?`,
  (e) => `Tell me which colour the ${e} has.`,
  (e) => `The ${e}: what is its colour?`,
  (e) => `Name the colour of the ${e}, please.`,
];
const BENCHMARK = (e) => `Travellers who have crossed the northern pass describe every ${e} they meet by a single colour. Which colour is the ${e}?`;

export function quickstartData(seed = 7, count = 48) {
  const rand = mulberry32(seed);
  const names = new Set();
  while (names.size < count) names.add(SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)] + SYLLABLES[Math.floor(rand() * 16)]);
  const creatures = [...names].map((name, i) => ({ name, colour: COLOURS[i % 4] }));
  const train = [];
  for (const c of creatures) for (const t of TRAIN_TEMPLATES) train.push({ messages: [{ role: "user", content: t(c.name) }, { role: "assistant", content: c.colour }] });
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = new URL("../recipes/quickstart/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const { train, benchmark } = quickstartData();
  writeFileSync(new URL("train.jsonl", dir), train.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(new URL("benchmark.jsonl", dir), benchmark.map((r) => JSON.stringify(r)).join("\n") + "\n");
  console.log(`wrote ${train.length} training rows and ${benchmark.length} benchmark items`);
}
