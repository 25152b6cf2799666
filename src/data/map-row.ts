import type { PinnedDataset } from "../recipe/types.js";

export type ChatRole = "system" | "user" | "assistant" | "tool";

/** One turn of TRL's conversational format. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Why a row does not fit; stable names, counted in the manifest. */
export type MisfitReason = "not-an-object" | "missing-column" | "wrong-type" | "unknown-role" | "empty-content" | "no-assistant-turn";

export interface Misfit {
  reason: MisfitReason;
  /** Which column or message, and what was found. */
  detail: string;
}

/** Columns a dataset's rows are read from: Parquet decodes only these. */
export function columnsOf(dataset: Pick<PinnedDataset, "columns">): string[] {
  const c = dataset.columns;
  return [c.messages, c.prompt, c.completion, c.system].filter((x): x is string => x !== null);
}

/** OpenAI-style roles and ShareGPT's `from` values, to TRL's roles. */
const ROLES: Readonly<Record<string, ChatRole>> = {
  system: "system",
  user: "user",
  assistant: "assistant",
  tool: "tool",
  human: "user",
  gpt: "assistant",
};

const misfit = (reason: MisfitReason, detail: string): Misfit => ({ reason, detail });

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  const t = typeof value;
  return t === "object" ? "an object" : t === "string" ? "a string" : `a ${t}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown, where: string): string | Misfit {
  if (typeof value !== "string") return misfit("wrong-type", `${where} is ${describe(value)}, not a string`);
  if (value.trim() === "") return misfit("empty-content", `${where} is empty`);
  return value;
}

/** A list of {role, content} or ShareGPT {from, value} messages. */
function messages(value: unknown, column: string): ChatMessage[] | Misfit {
  if (!Array.isArray(value)) return misfit("wrong-type", `column "${column}" is ${describe(value)}, not a list of messages`);
  if (value.length === 0) return misfit("empty-content", `column "${column}" is an empty list`);
  const out: ChatMessage[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const m: unknown = value[i];
    const where = `${column}[${i}]`;
    if (!isObject(m)) return misfit("wrong-type", `${where} is ${describe(m)}, not a message`);
    const shareGpt = m.role === undefined && m.from !== undefined;
    const rawRole = shareGpt ? m.from : m.role;
    if (rawRole === undefined) return misfit("wrong-type", `${where} has neither role/content nor from/value`);
    const role = typeof rawRole === "string" ? ROLES[rawRole] : undefined;
    if (role === undefined) return misfit("unknown-role", `${where} has role ${JSON.stringify(rawRole)}; expected system, user, assistant, tool, human or gpt`);
    const content = text(shareGpt ? m.value : m.content, `${where}.${shareGpt ? "value" : "content"}`);
    if (typeof content !== "string") return content;
    out[i] = { role, content };
  }
  return out;
}

/** A prompt or completion: a string becomes one message of `role`, a list is taken as messages. */
function turn(row: Record<string, unknown>, column: string, role: ChatRole): ChatMessage[] | Misfit {
  const value = row[column];
  if (value === undefined || value === null) return misfit("missing-column", value === null ? `column "${column}" is null` : `no column "${column}"`);
  if (Array.isArray(value)) return messages(value, column);
  const content = text(value, `column "${column}"`);
  return typeof content === "string" ? [{ role, content }] : content;
}

/**
 * One source row to TRL's conversational format, or why it does not fit. Conversational rows
 * read the messages column; prompt-completion rows become user then assistant messages. An
 * optional system column goes first. Never throws: bad rows are counted, not fatal.
 */
export function mapRow(row: unknown, dataset: Pick<PinnedDataset, "format" | "columns">): ChatMessage[] | Misfit {
  if (!isObject(row)) return misfit("not-an-object", `the row is ${describe(row)}, not an object`);
  const c = dataset.columns;
  let out: ChatMessage[] | Misfit;
  if (dataset.format === "conversational") {
    const column = c.messages ?? "messages";
    const value = row[column];
    if (value === undefined || value === null) return misfit("missing-column", value === null ? `column "${column}" is null` : `no column "${column}"`);
    out = messages(value, column);
  } else {
    const prompt = turn(row, c.prompt ?? "prompt", "user");
    if (!Array.isArray(prompt)) return prompt;
    const completion = turn(row, c.completion ?? "completion", "assistant");
    if (!Array.isArray(completion)) return completion;
    out = prompt.concat(completion);
  }
  if (!Array.isArray(out)) return out;
  if (c.system !== null) {
    const value = row[c.system];
    // The system column is optional per row: absent, null or blank means no system prompt.
    if (value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "")) {
      if (typeof value !== "string") return misfit("wrong-type", `column "${c.system}" is ${describe(value)}, not a string`);
      out.unshift({ role: "system", content: value });
    }
  }
  if (!out.some((m) => m.role === "assistant")) return misfit("no-assistant-turn", "the conversation has no assistant message to learn from");
  return out;
}
