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
  return [c.messages, c.prompt, c.completion, c.system, c.text].flatMap((x) => (x === null || x === undefined ? [] : typeof x === "string" ? [x] : [...x]));
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

/** Whether mapRow said why a row does not fit. */
export function isMisfit(mapped: ChatMessage[] | TextRow | Misfit): mapped is Misfit {
  return !Array.isArray(mapped) && "reason" in mapped;
}

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

/**
 * A prompt or completion. From one column, a string becomes one message of `role` and a list is
 * taken as messages. From several (`[instruction, input]`), their strings are joined with a blank
 * line into one message; a column that is null or blank in a row is left out, one the row lacks
 * is a misfit (a misspelt name shows in the manifest instead of silently thinning every prompt).
 */
function turn(row: Record<string, unknown>, columns: string | readonly string[], role: ChatRole): ChatMessage[] | Misfit {
  if (typeof columns === "string") {
    const value = row[columns];
    if (value === undefined || value === null) return misfit("missing-column", value === null ? `column "${columns}" is null` : `no column "${columns}"`);
    if (Array.isArray(value)) return messages(value, columns);
    const content = text(value, `column "${columns}"`);
    return typeof content === "string" ? [{ role, content }] : content;
  }
  const parts: string[] = [];
  for (const column of columns) {
    const value = row[column];
    if (value === undefined) return misfit("missing-column", `no column "${column}"`);
    if (value === null) continue;
    if (typeof value !== "string") return misfit("wrong-type", `column "${column}" is ${describe(value)}, not a string`);
    if (value.trim() !== "") parts.push(value);
  }
  if (parts.length === 0) return misfit("empty-content", `columns ${columns.map((c) => `"${c}"`).join(", ")} are all empty`);
  return [{ role, content: parts.join("\n\n") }];
}

/** A plain-text row, for TRL's language-modeling format. */
export interface TextRow {
  text: string;
}

/**
 * One source row to the TRL format it trains as, or why it does not fit. Conversational rows
 * read the messages column; prompt-completion rows become user then assistant messages, and an
 * optional system column goes first: both train as conversations. Text rows read one string
 * column and train as TRL's language-modeling format. Never throws: bad rows are counted, not
 * fatal.
 */
export function mapRow(row: unknown, dataset: Pick<PinnedDataset, "format" | "columns">): ChatMessage[] | TextRow | Misfit {
  if (!isObject(row)) return misfit("not-an-object", `the row is ${describe(row)}, not an object`);
  const c = dataset.columns;
  if (dataset.format === "text") {
    const column = c.text ?? "text";
    const value = row[column];
    if (value === undefined || value === null) return misfit("missing-column", value === null ? `column "${column}" is null` : `no column "${column}"`);
    const content = text(value, `column "${column}"`);
    return typeof content === "string" ? { text: content } : content;
  }
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
