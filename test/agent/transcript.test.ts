import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLedger } from "../../src/agent/ledger.js";
import { replayClient, type LlmClient } from "../../src/agent/llm.js";
import { runAgent, type AgentTool, type RunAgentInput } from "../../src/agent/tool-loop.js";
import { digestOf, recordTranscript, redactValue, replayTranscript, transcriptDigest, type TranscriptEntry } from "../../src/agent/transcript.js";
import { failure } from "../helpers/errors.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";
import { API_KEY, client, HF_TOKEN, SETTINGS, tempDir } from "./support.js";

const ENV = { MISTRAL_API_KEY: API_KEY, HF_TOKEN };
const SCHEMA = { type: "object", properties: { pick: { type: "string" } }, required: ["pick"] };

let emu: MistralEmulator;
beforeEach(async () => {
  emu = await startMistralEmulator({ apiKey: API_KEY });
});
afterEach(async () => {
  await emu.close();
});

/** A tool whose result carries the Hub token, as a careless source might. */
function cardTool(runs: { n: number }): AgentTool {
  return {
    name: "read_card",
    description: "Read a dataset card",
    parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    run: async (args) => {
      runs.n++;
      return { id: args.id, card: `license: mit; fetched with Authorization: Bearer ${HF_TOKEN}` };
    },
  };
}

function input(llm: LlmClient, transcript: RunAgentInput["transcript"], runs: { n: number }, user = "Pick a dataset."): RunAgentInput {
  return {
    llm,
    system: "You pick datasets.",
    user,
    tools: [cardTool(runs)],
    answer: { schema: SCHEMA },
    maxSteps: 5,
    ledger: createLedger({ limits: { tokens: 100_000, usd: null }, model: llm.settings.model, pricing: null }),
    transcript,
    secrets: [HF_TOKEN, API_KEY],
  };
}

function script(): void {
  emu.reply(
    { toolCalls: [{ name: "read_card", arguments: { id: "org/a" }, id: "call00001" }], usage: { prompt: 50, completion: 10 } },
    { toolCalls: [{ name: "read_card", arguments: { id: "org/b" }, id: "call00002" }], usage: { prompt: 80, completion: 10 } },
    { toolCalls: [{ name: "answer", arguments: { pick: "org/b" } }], usage: { prompt: 120, completion: 5 } },
  );
}

async function recordRun(dir: string): Promise<{ file: string; outcome: unknown; digest: string }> {
  script();
  const file = join(dir, "transcripts", "discover.jsonl");
  const transcript = recordTranscript({ file, env: ENV });
  const { llm } = client(emu.url);
  const outcome = await runAgent(input(llm, transcript, { n: 0 }));
  return { file, outcome, digest: transcript.digest() };
}

describe("transcripts", () => {
  it("records every LLM call and tool call in order, redacted, each with its request digest", async () => {
    const { file, digest } = await recordRun(tempDir());
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(HF_TOKEN);
    expect(text).not.toContain(API_KEY);
    const entries = text.trim().split("\n").map((l) => JSON.parse(l) as TranscriptEntry);
    expect(entries.map((e) => [e.seq, e.kind])).toEqual([
      [0, "llm"],
      [1, "tool"],
      [2, "llm"],
      [3, "tool"],
      [4, "llm"],
    ]);
    for (const e of entries) expect(e.digest).toBe(digestOf(e.request));
    expect(entries[0]!.request).toMatchObject({ model: SETTINGS.model, random_seed: 7, temperature: 0, max_tokens: 256 });
    expect(entries[1]!.request).toEqual({ name: "read_card", arguments: JSON.stringify({ id: "org/a" }) });
    expect(entries[1]!.response).toEqual({ ok: true, value: { id: "org/a", card: "license: mit; fetched with Authorization: Bearer ***" } });
    expect(entries[4]!.response).toMatchObject({ toolCalls: [{ name: "answer" }], usage: { promptTokens: 120, completionTokens: 5 } });
    // The digest of the whole transcript is the file's.
    expect(digest).toBe("sha256:" + createHash("sha256").update(text).digest("hex"));
    expect(transcriptDigest(file)).toBe(digest);
    // Neither the model nor anyone else saw the token either.
    for (const r of emu.requests) expect(r.raw).not.toContain(HF_TOKEN);
    expect(emu.requests[1]!.raw).toContain("Bearer ***");
  });

  it("digests canonical JSON: key order does not matter", () => {
    expect(digestOf({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(digestOf({ b: { d: "x", c: [1, 2] }, a: 1 }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
  });

  it("blanks credential headers and secret values anywhere in a value", () => {
    expect(redactValue({ headers: { Authorization: "Bearer xyz", accept: "json" }, note: `key ${API_KEY}` }, [API_KEY])).toEqual({
      headers: { Authorization: "***", accept: "json" },
      note: "key ***",
    });
  });

  it("replays the same answers with the emulator stopped and no tool run", async () => {
    const dir = tempDir();
    const recorded = await recordRun(dir);
    const url = emu.url;
    await emu.close();
    const runs = { n: 0 };
    const transcript = replayTranscript({ file: recorded.file, env: ENV });
    const llm = replayClient({ ...SETTINGS, serverUrl: url });
    const replayed = await runAgent(input(llm, transcript, runs));
    expect(replayed).toEqual(recorded.outcome);
    expect(replayed).toMatchObject({ kind: "answer", value: { pick: "org/b" }, steps: 3 });
    expect(runs.n).toBe(0);
    expect(transcript.digest()).toBe(recorded.digest);
    emu = await startMistralEmulator();
  });

  it("fails clearly on a request that is not in the recording, without a live call", async () => {
    const recorded = await recordRun(tempDir());
    const before = emu.requests.length;
    script();
    const transcript = replayTranscript({ file: recorded.file, env: ENV });
    const { llm } = client(emu.url);
    const error = await failure(runAgent(input(llm, transcript, { n: 0 }, "Pick a different dataset.")));
    expect(error.code).toBe("INTERN_REPLAY_MISSING");
    expect(error.message).toMatch(/^not in the recording: LLM request sha256:[0-9a-f]{64}/);
    expect(emu.requests.length).toBe(before);
  });

  it("says so when there is no recording to replay", () => {
    let code: string | undefined;
    try {
      replayTranscript({ file: join(tempDir(), "missing.jsonl"), env: {} });
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).toBe("INTERN_REPLAY_MISSING");
  });
});
