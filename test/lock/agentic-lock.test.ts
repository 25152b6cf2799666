import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { runDir } from "../../src/run/run-store.js";
import { transcriptDigest } from "../../src/agent/transcript.js";
import type { ScriptedTurn } from "../emulators/mistral/server.js";
import { useAgenticEmulators } from "../helpers/agentic-emulators.js";
import { lockSchemaErrors } from "./lock-schema.js";
import { apply, cleanupEngineTests, intern, makeProject, provision, runs } from "../helpers/engine.js";
import { OPEN_DATA, SCIENCE_QA } from "../helpers/open-data.js";

const API_KEY = "mk-lock-test-0123456789";

const TURNS: ScriptedTurn[] = [
  { toolCalls: [{ name: "search_arxiv", arguments: { query: "ti:science chat" } }, { name: "read_paper", arguments: { id: "2501.01234" } }] },
  // 2409.99999 is named by the model only: no tool returned it.
  { toolCalls: [{ name: "answer", arguments: { candidates: [{ dataset: "openscience/science-qa", paper: "2501.01234", why: "science QA" }], papers: [{ id: "2501.01234", title: "Science chat" }, { id: "2409.99999", title: "Invented" }] } }] },
  { toolCalls: [{ name: "answer", arguments: { mix: [{ dataset: "openscience/science-qa", file: "data/train.jsonl", format: "prompt-completion", fraction: 1, why: "science QA" }] } }] },
  { toolCalls: [{ name: "answer", arguments: { action: "stop", reason: "no progress worth the budget" } }] },
];

const SCIENCE_CHAT_TITLE = "Science Chat: Instruction Tuning Small Models for Graduate-Level Science Questions";

/** A lock's text with its budget section replaced: what a locked rerun must reproduce besides what it spent. */
const withoutBudget = (text: string) => ({ ...(parse(text) as Record<string, unknown>), budget: null });

const emu = useAgenticEmulators("injection", API_KEY, provision);
afterEach(cleanupEngineTests);

const OFFLINE = { HF_ENDPOINT: "http://127.0.0.1:9", INTERN_DATASETS_SERVER_URL: "http://127.0.0.1:9", INTERN_ARXIV_URL: "http://127.0.0.1:9", INTERN_SEMANTIC_SCHOLAR_URL: "http://127.0.0.1:9", MISTRAL_SERVER_URL: "http://127.0.0.1:9" };

describe("the lock of an agentic run", () => {
  it("records the agent, papers, pinned datasets, decisions and transcripts; apply --locked replays them offline to the same lock", async () => {
    const project = makeProject({ changes: OPEN_DATA });
    emu.mistral.reply(...TURNS);
    const r = await apply(project, [], emu.env());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = readFileSync(join(project.dir, "recipe.lock.yaml"), "utf8");
    const lock = parse(text) as Record<string, any>;
    expect(lockSchemaErrors(lock)).toBe("");
    expect(lock.agent).toEqual({ provider: "mistral", model: "mistral-small-latest", temperature: expect.any(Number), seed: expect.any(Number) });
    // The version and title arXiv answered with, from the research transcript; the paper no tool
    // returned is not there.
    expect(lock.papers).toEqual([{ id: "2501.01234v2", title: SCIENCE_CHAT_TITLE }]);
    expect(lock.datasets).toEqual([expect.objectContaining({ source: "hub", id: "openscience/science-qa", sha: SCIENCE_QA, file: "data/train.jsonl", sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })]);
    expect(lock.training.decisions).toEqual([expect.objectContaining({ stage: "decide.p1", decision: "stop", reason: "no progress worth the budget", mix: null })]);
    expect(Object.keys(lock.transcripts)).toEqual(["decide.p1", "discover", "research"]);
    for (const [stage, digest] of Object.entries(lock.transcripts)) {
      expect(transcriptDigest(join(project.dir, "recipe.lock.d", "transcripts", `${stage}.jsonl`))).toBe(digest);
    }
    expect(lock.budget.llm_tokens).toBeGreaterThan(0);

    const card = readFileSync(join(runDir(project.dir, runs(project).at(-1)!), "stages", "train.p1", "model", "README.md"), "utf8");
    expect(card).toMatch(/^---\n(.*\n)*datasets:\n {2}- openscience\/science-qa\n/);
    expect(card).toContain(`| openscience/science-qa | ${SCIENCE_QA} | data/train.jsonl |`);
    expect(card).toContain(`- arXiv 2501.01234v2: ${SCIENCE_CHAT_TITLE}`);
    expect(card).toContain("- decide.p1: **stop**: no progress worth the budget");

    // No key, nothing reachable: every decision comes from the lock's transcripts.
    const requests = emu.mistral.requests.length;
    const again = await apply(project, ["--locked"], OFFLINE);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(emu.mistral.requests.length).toBe(requests);
    const rerun = runs(project).at(-1)!;
    // The same lock, but for what it spent: its LLM calls were replayed, so nothing.
    const rerunLock = readFileSync(join(runDir(project.dir, rerun), "lock.yaml"), "utf8");
    expect(withoutBudget(rerunLock)).toEqual(withoutBudget(text));
    expect(parse(rerunLock).budget).toEqual({ llm_tokens: 0, llm_usd: 0 });
    expect(again.stdout).toContain(`llm: 0 tokens spent (replayed from transcripts; recorded: ${lock.budget.llm_tokens} tokens)`);
    expect(readFileSync(join(project.dir, "recipe.lock.yaml"), "utf8")).toBe(text);

    // A clean download cache (a fresh checkout): the pinned files are fetched at their commits and
    // checked against the lock; still no LLM call and no key.
    rmSync(join(project.dir, ".intern", "cache", "hub"), { recursive: true, force: true });
    const fresh = await apply(project, ["--locked"], { ...OFFLINE, HF_ENDPOINT: emu.sources.env.HF_ENDPOINT! });
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(withoutBudget(readFileSync(join(runDir(project.dir, runs(project).at(-1)!), "lock.yaml"), "utf8"))).toEqual(withoutBudget(text));
    expect(emu.mistral.requests.length).toBe(requests);
    // ... and a pinned digest that no longer matches is refused, naming the file.
    const lockFile = join(project.dir, "recipe.lock.yaml");
    writeFileSync(lockFile, text.replace(lock.datasets[0].sha256, `sha256:${"0".repeat(64)}`));
    const tampered = await apply(project, ["--locked"], { ...OFFLINE, HF_ENDPOINT: emu.sources.env.HF_ENDPOINT! });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(`datasets openscience/science-qa@${SCIENCE_QA}/data/train.jsonl: sha256:${"0".repeat(64)} in the lock, ${lock.datasets[0].sha256} now`);
    writeFileSync(lockFile, text);

    // The first run audited by its id, offline: its own transcripts are replayed.
    const first = runs(project).at(-2)!;
    const audited = await intern(project, ["audit", first, "--poll-interval", "100"], OFFLINE);
    expect(audited.code, audited.stdout + audited.stderr).toBe(0);
    expect(audited.stdout).toMatch(/Replayed from the lock's transcripts: research, discover, decide\.p1\./);
    expect(audited.stdout).toMatch(/\| transcript of discover \| bit-identical/);
    expect(audited.stdout).toMatch(/\| prepared data of prepare\.p1 \| bit-identical/);
    expect(emu.mistral.requests.length).toBe(requests);

    // A transcript edited or gone: refused, naming it.
    appendFileSync(join(project.dir, "recipe.lock.d", "transcripts", "discover.jsonl"), "\n");
    let refused = await apply(project, ["--locked"], OFFLINE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/transcripts\.discover: .*discover\.jsonl is sha256:[0-9a-f]+, the lock says sha256:/);
    rmSync(join(project.dir, "recipe.lock.d", "transcripts", "research.jsonl"));
    refused = await apply(project, ["--locked"], OFFLINE);
    expect(refused.stderr).toMatch(/transcripts\.research: .*research\.jsonl is missing/);
    expect(existsSync(join(project.dir, "recipe.lock.yaml"))).toBe(true);
  }, 300_000);
});
