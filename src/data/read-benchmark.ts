import { InternError } from "../errors.js";
import type { BenchmarkText } from "./decontaminate.js";
import { readRecords, type RecordSource } from "./read-records.js";
import type { FileDigest } from "./read-lines.js";

/**
 * A local benchmark's items as text for decontamination: each record's `question` and its
 * `choices` (strings or numbers). `answer` is not needed here. A record without a question is
 * an error, not a skipped item: an unchecked item could hide contamination.
 */
export async function readBenchmark(source: RecordSource): Promise<{ items: BenchmarkText[]; digest: FileDigest }> {
  const items: BenchmarkText[] = [];
  const fail = (index: number, what: string): never => {
    throw new InternError("INTERN_BENCHMARK_INVALID", `${source.path}:${index + 1}: ${what}`, {
      hint: 'each benchmark line is {"question": "...", "choices": ["...", ...], "answer": 0}',
    });
  };
  const summary = await readRecords(source, { columns: ["question", "choices"], limit: null }, (index, value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(index, "not an object");
    const item = value as Record<string, unknown>;
    if (typeof item.question !== "string") return fail(index, 'no "question" string');
    const parts = [item.question];
    if (item.choices !== undefined && item.choices !== null) {
      if (!Array.isArray(item.choices)) return fail(index, '"choices" is not a list');
      for (const choice of item.choices) {
        if (typeof choice !== "string" && typeof choice !== "number") return fail(index, '"choices" holds something other than strings');
        parts.push(String(choice));
      }
    }
    items.push({ index, text: parts.join("\n") });
  });
  return { items, digest: { sha256: summary.sha256, bytes: summary.bytes } };
}

/** The text of a record from a Hub benchmark, whatever its columns: every string and number in it, in order. */
function recordText(value: unknown, out: string[], depth = 0): void {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "bigint") out.push(String(value));
  else if (depth < 8 && Array.isArray(value)) for (const v of value) recordText(v, out, depth + 1);
  else if (depth < 8 && value !== null && typeof value === "object") for (const v of Object.values(value)) recordText(v, out, depth + 1);
}

/**
 * A Hub benchmark's items as text for decontamination, from the files of its split in order
 * (items numbered in that order across them). Benchmarks on the Hub name their columns as they like
 * (`Question`, `Correct Answer`, `choices`, ...), so every text field of an item counts: more
 * text can only find more overlap, never hide it.
 */
export async function readHubBenchmark(sources: readonly RecordSource[]): Promise<{ items: BenchmarkText[]; files: FileDigest[] }> {
  const items: BenchmarkText[] = [];
  const files: FileDigest[] = [];
  for (const source of sources) {
    const summary = await readRecords(source, { columns: "all", limit: null }, (_index, value) => {
      const parts: string[] = [];
      recordText(value, parts);
      items.push({ index: items.length, text: parts.join("\n") });
    });
    files.push({ sha256: summary.sha256, bytes: summary.bytes });
  }
  return { items, files };
}
