import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { InternError } from "../errors.js";
import { fileSha256 } from "../project/content-digest.js";
import { stableJson } from "../graph/stable-json.js";
import { redact, secretValues } from "../process/redact.js";
import type { ChatResponse } from "./messages.js";

/**
 * Recording and replay of what an agentic stage exchanged with the world.
 *
 * A transcript is a JSONL file (`transcripts/<stage>.jsonl` in the run), one entry per LLM call
 * (the wire request and the response) and per tool call (name and arguments, and the result),
 * in the order they happened. Secrets are redacted before anything is written. Each entry
 * carries the sha256 digest of its request in canonical JSON (keys sorted), computed after
 * redaction, so a replay computes the same digest for the same request.
 *
 * Replay serves responses and tool results from the file by request digest, in order, and never
 * calls the function it was given: a request that is not in the recording is an error.
 */

/** A tool call's result as the model saw it: a value, or an error message. */
export type ToolResult = { ok: true; value: unknown } | { ok: false; error: string };

export interface TranscriptEntry {
  seq: number;
  kind: "llm" | "tool";
  /** `sha256:<hex>` of the canonical, redacted request. */
  digest: string;
  request: unknown;
  response: unknown;
}

export interface Transcript {
  readonly mode: "record" | "replay";
  readonly file: string;
  /** `request` is the wire request (see `wireRequest`); `call` makes it, when recording. */
  llm(request: Record<string, unknown>, call: () => Promise<ChatResponse>): Promise<ChatResponse>;
  tool(request: { name: string; arguments: unknown }, call: () => Promise<ToolResult>): Promise<ToolResult>;
  /** `sha256:<hex>` of the transcript file as written (recording) or read (replay). */
  digest(): string;
}

/** `sha256:<hex>` of a value's canonical JSON. */
export function digestOf(value: unknown): string {
  return "sha256:" + createHash("sha256").update(stableJson(value)).digest("hex");
}

/** `sha256:<hex>` of a transcript file's bytes. */
export function transcriptDigest(file: string): string {
  return `sha256:${fileSha256(file)}`;
}

const AUTH_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key)$/i;

/** A deep copy with secret values replaced by `***`, and credential headers blanked whatever they hold. */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = AUTH_KEY.test(k) && v !== null && v !== undefined ? "***" : redactValue(v, secrets);
    return out;
  }
  return value;
}

/** Starts a new transcript at `file` (replacing one an earlier attempt left). */
export function recordTranscript(options: { file: string; env: Readonly<Record<string, string | undefined>> }): Transcript {
  const { file } = options;
  const secrets = secretValues(options.env);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, "");
  const hash = createHash("sha256");
  let seq = 0;
  // Entries are appended in call order even when calls overlap.
  const write = (kind: TranscriptEntry["kind"], request: unknown, response: unknown): void => {
    const safeRequest = redactValue(request, secrets);
    const entry: TranscriptEntry = { seq: seq++, kind, digest: digestOf(safeRequest), request: safeRequest, response: redactValue(response, secrets) };
    const line = JSON.stringify(entry) + "\n";
    appendFileSync(file, line);
    hash.update(line);
  };
  return {
    mode: "record",
    file,
    async llm(request, call) {
      const response = await call();
      write("llm", request, response);
      return response;
    },
    async tool(request, call) {
      const result = await call();
      write("tool", request, result);
      return result;
    },
    digest: () => "sha256:" + hash.copy().digest("hex"),
  };
}

/** Serves a recorded transcript back; `env` gives the secrets to redact requests with, as when recording. */
export function replayTranscript(options: { file: string; env: Readonly<Record<string, string | undefined>> }): Transcript {
  const { file } = options;
  const secrets = secretValues(options.env);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InternError("INTERN_REPLAY_MISSING", `cannot replay: no recording at ${file}`, { cause: err, hint: "replay a run whose agentic stages completed" });
  }
  const entries: TranscriptEntry[] = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as TranscriptEntry;
      } catch (err) {
        throw new InternError("INTERN_REPLAY_INVALID", `${file}:${i + 1}: not a transcript entry`, { cause: err });
      }
    });
  const used = new Set<number>();
  const digest = "sha256:" + createHash("sha256").update(text).digest("hex");

  const serve = (kind: TranscriptEntry["kind"], request: unknown): unknown => {
    const d = digestOf(redactValue(request, secrets));
    const i = entries.findIndex((e, k) => !used.has(k) && e.kind === kind && e.digest === d);
    if (i < 0) {
      const what = kind === "llm" ? "LLM request" : `call of tool ${(request as { name?: string }).name ?? "?"}`;
      throw new InternError("INTERN_REPLAY_MISSING", `not in the recording: ${what} ${d} (${file})`, {
        hint: "the replayed run asked for something the recorded run did not: the recipe, the prompts or the tools changed",
      });
    }
    used.add(i);
    return entries[i]!.response;
  };
  return {
    mode: "replay",
    file,
    llm: async (request) => serve("llm", request) as ChatResponse,
    tool: async (request) => serve("tool", request) as ToolResult,
    digest: () => digest,
  };
}
