import type { PinnedDataset } from "../recipe/types.js";

export type ChatRole = "system" | "user" | "assistant" | "tool";

/** One turn of TRL's conversational format. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Why a row does not fit; stable names, counted in the manifest. */
export type MisfitReason = "not-an-object" | "missing-column" | "wrong-type" | "unknown-role" | "empty-content" | "no-assistant-turn" | "same-answers";

export interface Misfit {
  reason: MisfitReason;
  /** Which column or message, and what was found. */
  detail: string;
}

/** Columns a dataset's rows are read from: Parquet decodes only these. */
export function columnsOf(dataset: Pick<PinnedDataset, "columns">): string[] {
  const c = dataset.columns;
  return [c.messages, c.prompt, c.completion, c.system, c.text, c.chosen, c.rejected, c.label, c.answer, ...(c.keep ?? [])].flatMap((x) => (x === null || x === undefined ? [] : typeof x === "string" ? [x] : [...x]));
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
/** A row whose `column` is absent, or null where a value is needed. */
const missingColumn = (column: string, value: unknown): Misfit => misfit("missing-column", value === null ? `column "${column}" is null` : `no column "${column}"`);

/** Whether mapRow said why a row does not fit. */
export function isMisfit(mapped: MappedRow | Misfit): mapped is Misfit {
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
    if (value === undefined || value === null) return missingColumn(columns, value);
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

/** A preference row, TRL's conversational preference format: the prompt's turns, then each answer's. */
export interface PreferenceRow {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}

/** An unpaired preference row, TRL's conversational format for KTO: a prompt, one completion, and whether it is desirable. */
export interface UnpairedRow {
  prompt: ChatMessage[];
  completion: ChatMessage[];
  label: boolean;
}

/**
 * A prompt row, TRL's conversational prompt-only format for GRPO: the prompt's turns, the
 * reference answer when the dataset maps one, and the columns it keeps, which TRL passes to the
 * reward functions as keyword arguments.
 */
export interface PromptRow {
  prompt: ChatMessage[];
  answer?: string;
  /** The kept columns by name, written beside the prompt in the prepared row. */
  kept: Record<string, unknown>;
}

/** A row in the format it trains as. */
export type MappedRow = ChatMessage[] | TextRow | PreferenceRow | UnpairedRow | PromptRow;

/**
 * Every turn of a mapped row, in order, as dedupe and decontamination read them. A preference
 * row's answers keep their side in the role, so a pair never equals a conversation or its mirror.
 */
export function turnsOf(mapped: MappedRow): { role: string; content: string }[] {
  if (Array.isArray(mapped)) return mapped;
  if ("text" in mapped) return [{ role: "text", content: mapped.text }];
  if ("kept" in mapped) {
    // A prompt row: the prompt, and the answer it is scored against (kept columns are not read).
    return mapped.answer === undefined ? mapped.prompt : [...mapped.prompt, { role: "answer", content: mapped.answer }];
  }
  if ("label" in mapped) return [...mapped.prompt, ...mapped.completion.map((m) => ({ role: `${mapped.label ? "desirable" : "undesirable"}:${m.role}`, content: m.content }))];
  return [...mapped.prompt, ...mapped.chosen.map((m) => ({ role: `chosen:${m.role}`, content: m.content })), ...mapped.rejected.map((m) => ({ role: `rejected:${m.role}`, content: m.content }))];
}

/** A mapped row as a line of the prepared file: a conversation under `messages`, a prompt row's kept columns beside its prompt. */
export function preparedRow(mapped: MappedRow): Record<string, unknown> {
  if (Array.isArray(mapped)) return { messages: mapped };
  if ("kept" in mapped) return { ...mapped.kept, prompt: mapped.prompt, ...(mapped.answer === undefined ? {} : { answer: mapped.answer }) };
  return mapped as unknown as Record<string, unknown>;
}

/**
 * Puts the row's system prompt first in `turns`, when the dataset maps a system column. The column
 * is optional per row: absent, null or blank means no system prompt.
 */
function withSystem(row: Record<string, unknown>, c: PinnedDataset["columns"], turns: ChatMessage[]): ChatMessage[] | Misfit {
  if (c.system === null) return turns;
  const value = row[c.system];
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return turns;
  if (typeof value !== "string") return misfit("wrong-type", `column "${c.system}" is ${describe(value)}, not a string`);
  turns.unshift({ role: "system", content: value });
  return turns;
}

/** The prompt of a preference row: a string, messages, or columns joined, after the system column if any. */
function preferencePrompt(row: Record<string, unknown>, c: PinnedDataset["columns"]): ChatMessage[] | Misfit {
  const prompt = turn(row, c.prompt ?? "prompt", "user");
  return Array.isArray(prompt) ? withSystem(row, c, prompt) : prompt;
}

/** A preference row: the prompt (a string, messages, or columns joined), and two answers to it that differ. */
function preference(row: Record<string, unknown>, c: PinnedDataset["columns"]): PreferenceRow | Misfit {
  const prompt = preferencePrompt(row, c);
  if (!Array.isArray(prompt)) return prompt;
  const chosen = turn(row, c.chosen ?? "chosen", "assistant");
  if (!Array.isArray(chosen)) return chosen;
  const rejected = turn(row, c.rejected ?? "rejected", "assistant");
  if (!Array.isArray(rejected)) return rejected;
  for (const [side, answer] of [["chosen", chosen], ["rejected", rejected]] as const) {
    if (!answer.some((m) => m.role === "assistant")) return misfit("no-assistant-turn", `the ${side} answer has no assistant message`);
  }
  if (JSON.stringify(chosen) === JSON.stringify(rejected)) return misfit("same-answers", "the chosen and rejected answers are the same: nothing to prefer");
  return { prompt, chosen, rejected };
}

/** Labels TRL reads as desirable or not: booleans, and the 1/0 many datasets write. */
const LABELS = new Map<unknown, boolean>([[true, true], [false, false], [1, true], [0, false]]);

/** An unpaired preference row: the prompt, one completion with an assistant turn, and a true/false label. */
function unpaired(row: Record<string, unknown>, c: PinnedDataset["columns"]): UnpairedRow | Misfit {
  const prompt = preferencePrompt(row, c);
  if (!Array.isArray(prompt)) return prompt;
  const completion = turn(row, c.completion ?? "completion", "assistant");
  if (!Array.isArray(completion)) return completion;
  if (!completion.some((m) => m.role === "assistant")) return misfit("no-assistant-turn", "the completion has no assistant message");
  const column = c.label ?? "label";
  const value = row[column];
  if (value === undefined || value === null) return missingColumn(column, value);
  const label = LABELS.get(value);
  if (label === undefined) return misfit("wrong-type", `column "${column}" is ${describe(value)}, not true or false (or 1 or 0)`);
  return { prompt, completion, label };
}

/** A kept column's value as JSON can hold it: Parquet's 64-bit integers arrive as bigint. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/**
 * A prompt row: the prompt (a string, messages, or columns joined) after the system column if
 * any, whose last turn is the user's for the model to answer; the reference answer as text (a
 * number is written as text); and each kept column as it is.
 */
function promptOnly(row: Record<string, unknown>, c: PinnedDataset["columns"]): PromptRow | Misfit {
  const prompt = preferencePrompt(row, c);
  if (!Array.isArray(prompt)) return prompt;
  if (prompt[prompt.length - 1]!.role === "assistant") return misfit("wrong-type", "the prompt ends with an assistant turn; the model answers the last user turn");
  const out: PromptRow = { prompt, kept: {} };
  if (c.answer !== undefined) {
    const value = row[c.answer];
    if (value === undefined || value === null) return missingColumn(c.answer, value);
    const answer = typeof value === "number" || typeof value === "bigint" ? String(value) : text(value, `column "${c.answer}"`);
    if (typeof answer !== "string") return answer;
    out.answer = answer;
  }
  for (const column of c.keep ?? []) {
    const value = row[column];
    if (value === undefined) return misfit("missing-column", `no column "${column}"`);
    out.kept[column] = plain(value);
  }
  return out;
}

/**
 * One source row to the TRL format it trains as, or why it does not fit. Conversational rows
 * read the messages column; prompt-completion rows become user then assistant messages, and an
 * optional system column goes first: both train as conversations. Text rows read one string
 * column and train as TRL's language-modeling format. Preference rows read a prompt and two
 * answers (DPO); unpaired preference rows a prompt, a completion and a label (KTO); prompt rows
 * a prompt, and what the reward functions read (GRPO). Never throws: bad rows are counted, not fatal.
 */
export function mapRow(row: unknown, dataset: Pick<PinnedDataset, "format" | "columns">): MappedRow | Misfit {
  if (!isObject(row)) return misfit("not-an-object", `the row is ${describe(row)}, not an object`);
  const c = dataset.columns;
  if (dataset.format === "preference") return preference(row, c);
  if (dataset.format === "unpaired-preference") return unpaired(row, c);
  if (dataset.format === "prompt") return promptOnly(row, c);
  if (dataset.format === "text") {
    const column = c.text ?? "text";
    const value = row[column];
    if (value === undefined || value === null) return missingColumn(column, value);
    const content = text(value, `column "${column}"`);
    return typeof content === "string" ? { text: content } : content;
  }
  let out: ChatMessage[] | Misfit;
  if (dataset.format === "conversational") {
    const column = c.messages ?? "messages";
    const value = row[column];
    if (value === undefined || value === null) return missingColumn(column, value);
    out = messages(value, column);
  } else {
    const prompt = turn(row, c.prompt ?? "prompt", "user");
    if (!Array.isArray(prompt)) return prompt;
    const completion = turn(row, c.completion ?? "completion", "assistant");
    if (!Array.isArray(completion)) return completion;
    out = prompt.concat(completion);
  }
  if (!Array.isArray(out)) return out;
  out = withSystem(row, c, out);
  if (!Array.isArray(out)) return out;
  if (!out.some((m) => m.role === "assistant")) return misfit("no-assistant-turn", "the conversation has no assistant message to learn from");
  return out;
}
