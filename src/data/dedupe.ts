import { createHash } from "node:crypto";
import type { ChatMessage } from "./map-row.js";

/**
 * The identity of a conversation for exact dedupe: sha256 over each turn's role and normalised
 * content (see normalize-text.ts), so rows that differ only in case, punctuation, spacing or
 * Unicode compatibility forms are one row.
 */
export function conversationKey(messages: readonly ChatMessage[], normalized: readonly string[]): string {
  let text = "";
  for (let i = 0; i < messages.length; i++) text += messages[i]!.role + "\u0000" + normalized[i]! + "\u0001";
  return createHash("sha256").update(text).digest("base64");
}

/** Keeps the first row of each key: `isDuplicate` answers true for every later one. */
export class Deduper {
  private readonly seen = new Set<string>();
  removed = 0;

  isDuplicate(key: string): boolean {
    if (this.seen.has(key)) {
      this.removed++;
      return true;
    }
    this.seen.add(key);
    return false;
  }
}
