import { describe, expect, it } from "vitest";
import { conversationKey, Deduper } from "../../src/data/dedupe.js";
import type { ChatMessage } from "../../src/data/map-row.js";
import { normalizeText } from "../../src/data/normalize-text.js";

const key = (messages: ChatMessage[]) => conversationKey(messages, messages.map((m) => normalizeText(m.content)));
const chat = (user: string, assistant: string): ChatMessage[] => [{ role: "user", content: user }, { role: "assistant", content: assistant }];

describe("conversationKey", () => {
  it("is equal for conversations that differ only in case, punctuation, spacing or Unicode form", () => {
    expect(key(chat("What colour is the Dadaju?", "Red."))).toBe(key(chat("what  colour is the dadaju", "ｒｅｄ")));
  });

  it("differs when the words, the roles or the turn boundaries differ", () => {
    const base = key(chat("What colour is the dadaju?", "red"));
    expect(key(chat("What colour is the dadaju?", "blue"))).not.toBe(base);
    expect(key([{ role: "system", content: "What colour is the dadaju?" }, { role: "assistant", content: "red" }])).not.toBe(base);
    expect(key(chat("What colour is the", "dadaju red"))).not.toBe(base);
  });
});

describe("Deduper", () => {
  it("keeps the first of each key and counts the rest", () => {
    const d = new Deduper();
    expect(["a", "b", "a", "c", "b", "a"].map((k) => d.isDuplicate(k))).toEqual([false, false, true, false, true, true]);
    expect(d.removed).toBe(3);
  });
});
