/**
 * Text from a recipe, a dataset, a model or a log, made safe to print. A terminal obeys control
 * characters: ESC starts sequences that clear the screen or retitle the window, BEL rings, a
 * carriage return or a newline lets a value print a line of its own (a forged `FILE: valid`), and
 * bidirectional overrides reorder what a reader sees. Each becomes a visible escape (`\x1b`,
 * `\n`, `\u202e`); everything else is left as it is.
 */

// C0 controls (tab aside), DEL, C1 controls, and the bidirectional embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of text: every control character escaped, newlines included. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Text of several lines (a list in a message, a log's tail): newlines kept, every other control escaped. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_KEEP_NEWLINES, escape);
}

/**
 * JSON for a terminal or a pipe. JSON.stringify escapes C0 controls but leaves DEL, C1 controls
 * and bidirectional overrides raw; they can only appear inside strings, where `\uXXXX` means the same.
 */
export function printableJson(value: unknown, indent = 2): string {
  return printableJsonText(JSON.stringify(value, null, indent));
}

/** What printableJson does to JSON.stringify's text, for JSON written a piece at a time. */
export function printableJsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
