import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent, type AgentOutcome, type AgentTool } from "../agent/index.js";
import { columnsOf, isMisfit, mapRow } from "../data/map-row.js";
import { readRecords } from "../data/read-records.js";
import { InternError } from "../errors.js";
import { FORMAT_COLUMNS, METHODS } from "../recipe/methods.js";
import type { DatasetFormat, PinnedDataset, TrainingMethod } from "../recipe/types.js";
import { datasetInfo, downloadDataset, idRefusal, SourceRefusedError, type HubRepoInfo } from "../sources/index.js";
import { agentStage, agentSummary, hubCacheDir, policyText, recorded, refusalsIn, stopReason, type AgentStage } from "./agent-stage.js";
import { linkCached, pinnedOf, type MixEntry } from "./hub-data.js";
import { formatDownloadProgress } from "./prepare-progress.js";
import { datasetTools } from "./research-tools.js";
import { revisionsMoved, revisionsSeen, type RevisionSeen } from "./revisions-seen.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** Rows read from each downloaded file to check that its columns map to the format. */
const CHECK_ROWS = 50;

const CHECK_TOOL = "check_dataset";

interface Proposal {
  dataset: string;
  revision?: string;
  config?: string;
  split?: string;
  file: string;
  format: PinnedDataset["format"];
  columns?: { messages?: string; prompt?: string; completion?: string; system?: string; chosen?: string; rejected?: string; label?: string; answer?: string };
  fraction: number;
  why: string;
}

/** The columns a proposal may map, in the order the answer schema lists them. */
const COLUMN_ORDER = ["messages", "prompt", "completion", "chosen", "rejected", "label", "answer", "system"];

/** The formats discover offers for `sft`: those that train as conversations (synthesize and prepare mix them). */
const SFT_FORMATS: readonly DatasetFormat[] = ["conversational", "prompt-completion"];

/** The formats discover may choose for a training method. */
export function discoverFormats(method: TrainingMethod): readonly DatasetFormat[] {
  return method === "sft" ? SFT_FORMATS : (METHODS[method]?.formats ?? SFT_FORMATS);
}

function formatsOf(ctx: StageContext): readonly DatasetFormat[] {
  return discoverFormats(ctx.recipe.training.method);
}

/** How each format is explained to the model. */
const FORMAT_TEXT: Record<DatasetFormat, string> = {
  conversational: "`conversational`: a messages column of role/content turns",
  "prompt-completion": "`prompt-completion`: a prompt and a completion column",
  text: "`text`: one text column",
  preference: "`preference`: a prompt column, a `chosen` column with the preferred answer and a `rejected` column with a worse one (look for preference pairs, not plain conversations)",
  "unpaired-preference": "`unpaired-preference`: a prompt column, a `completion` column and a `label` column saying whether the completion is desirable (true/false)",
  prompt: "`prompt`: a prompt column alone (the model answers it and reward functions score the answers), with an `answer` column holding the reference answer when the dataset has one",
};

function formatText(ctx: StageContext): string {
  const method = ctx.recipe.training.method;
  return `the TRL format${method === "sft" ? "" : ` for ${method.toUpperCase()}`} (${formatsOf(ctx).map((f) => FORMAT_TEXT[f]).join("; ")})`;
}

/** The answer discover gives: the mix, in the formats the recipe's training method reads. */
export function discoverAnswerSchema(formats: readonly DatasetFormat[]) {
  const columns = COLUMN_ORDER.filter((c) => formats.some((f) => FORMAT_COLUMNS[f].includes(c)));
  const mixItem = {
    type: "object",
    properties: {
      dataset: { type: "string", description: "Hub dataset id, owner/name" },
      revision: { type: "string", description: "branch, tag or commit (main); it is pinned to a commit" },
      config: { type: "string" },
      split: { type: "string", description: "split name (train)" },
      file: { type: "string", description: "path of a .parquet or .jsonl file in the repository (see list_files)" },
      format: { enum: [...formats] },
      columns: {
        type: "object",
        properties: Object.fromEntries(columns.map((c) => [c, { type: "string" }])),
        additionalProperties: false,
      },
      fraction: { type: "number", exclusiveMinimum: 0, maximum: 1, description: "share of the mix" },
      why: { type: "string" },
    },
    required: ["dataset", "file", "format", "fraction", "why"],
    additionalProperties: false,
  };
  return {
    type: "object",
    properties: {
      mix: { type: "array", minItems: 1, description: "The training mix: each dataset with the file to read and how its columns map to TRL's formats", items: mixItem },
      notes: { type: "string" },
    },
    required: ["mix"],
    additionalProperties: false,
  };
}

function systemPrompt(ctx: StageContext): string {
  const r = ctx.recipe;
  return [
    `You are the dataset discovery step of a post-training pipeline. From the candidate datasets research found (and others you find), choose a training mix: for each dataset the file to read, the split, ${formatText(ctx)} with the column names, and its fraction of the mix.`,
    `Goal: ${r.goal}`,
    `Benchmark: ${r.benchmark.name}, metric ${r.benchmark.metric}, target ${r.benchmark.target}.`,
    policyText(ctx),
    "Check each dataset's license, files and first rows before choosing it. Every choice is checked again by reading its rows; refused or unreadable ones are dropped.",
    "Call `check_dataset` on each dataset you mean to use before you answer: if the budget runs out, the checked datasets are the mix.",
    "Finish by calling `answer` with the mix.",
  ].join("\n\n");
}

function withDefaults(p: Proposal): PinnedDataset["columns"] {
  const c = p.columns ?? {};
  if (p.format === "prompt") {
    return { messages: null, prompt: c.prompt ?? "prompt", completion: null, system: c.system ?? null, text: null, ...(c.answer !== undefined ? { answer: c.answer } : {}) };
  }
  if (p.format === "preference") {
    return { messages: null, prompt: c.prompt ?? "prompt", completion: null, system: c.system ?? null, text: null, chosen: c.chosen ?? "chosen", rejected: c.rejected ?? "rejected" };
  }
  if (p.format === "unpaired-preference") {
    return { messages: null, prompt: c.prompt ?? "prompt", completion: c.completion ?? "completion", system: c.system ?? null, text: null, label: c.label ?? "label" };
  }
  const conv = p.format === "conversational";
  return {
    messages: c.messages ?? (conv ? "messages" : null),
    prompt: c.prompt ?? (conv ? null : "prompt"),
    completion: c.completion ?? (conv ? null : "completion"),
    system: c.system ?? null,
    text: null,
  };
}

/** Checks one proposal: the policy, the pinned commit, the download and its rows. A refusal or a failure says why. */
async function check(ctx: StageContext, agent: AgentStage, p: Proposal): Promise<{ ok: true; entry: Omit<MixEntry, "fraction"> } | { ok: false; reason: string }> {
  const byId = idRefusal(agent.policy, "dataset", p.dataset);
  if (byId !== null) return { ok: false, reason: byId.reason };
  const revision = p.revision ?? "main";
  const info = await recorded<HubRepoInfo>(agent, "dataset_info", { id: p.dataset, revision }, () => datasetInfo(agent.sources, agent.policy, p.dataset, revision, { card: false }));
  if (!info.ok) return { ok: false, reason: info.refused ?? `cannot read it on the Hub: ${info.error}` };
  const sha = info.value.sha;
  let download;
  try {
    const progress = ctx.progress;
    download = await downloadDataset(agent.sources, agent.policy, {
      id: p.dataset, revision: sha, files: [p.file], cacheDir: hubCacheDir(ctx), signal: ctx.signal,
      ...(progress ? { onProgress: (d) => progress(formatDownloadProgress(p.dataset, d)) } : {}),
    });
  } catch (error) {
    if (error instanceof SourceRefusedError) return { ok: false, reason: error.refusal.reason };
    if (error instanceof InternError && (error.code === "INTERN_CANCELLED" || error.code === "INTERN_REPLAY_MISSING")) throw error;
    return { ok: false, reason: `cannot download ${p.file} at ${sha}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const file = download.files[0]!;
  const base = { id: p.dataset, revision, sha, config: p.config ?? null, split: p.split ?? "train", file: p.file, sha256: file.sha256, bytes: file.bytes, cachePath: file.cachePath };
  const columns = withDefaults(p);
  const pinned = pinnedOf({ ...base, license: info.value.licenses.join(", "), format: p.format, columns, fraction: 1 });
  let checked = 0;
  let mapped = 0;
  let firstMisfit: string | null = null;
  try {
    await readRecords({ path: linkCached(ctx.dir, base), key: `${p.dataset}/${p.file}` }, { columns: columnsOf(pinned), limit: CHECK_ROWS }, (_i, row) => {
      checked++;
      const m = mapRow(row, pinned);
      if (!isMisfit(m)) mapped++;
      else firstMisfit ??= `${m.reason}: ${m.detail}`;
    });
  } catch (error) {
    return { ok: false, reason: `its file ${p.file} cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (mapped === 0) return { ok: false, reason: `none of its first ${checked} rows maps to the ${p.format} format with the columns given${firstMisfit ? ` (${firstMisfit})` : ""}` };
  return { ok: true, entry: { ...base, format: p.format, columns, license: info.value.licenses.join(", "), why: p.why, rows: { checked, mapped } } };
}

/**
 * The `check_dataset` tool: the same checks as the final mix (policy, pinned commit, download,
 * rows), so the agent learns early whether a dataset is usable, and a stage stopped by the budget
 * or the step limit still has the datasets it validated.
 */
function checkTool(ctx: StageContext, agent: AgentStage): AgentTool {
  return {
    name: CHECK_TOOL,
    description: "Check one dataset of the mix as the final answer will be checked (policy, pinned commit, download, first rows mapped to the format). Returns the pinned entry, or why it is refused. If the stage stops early, the checked datasets are the mix.",
    parameters: discoverAnswerSchema(formatsOf(ctx)).properties.mix.items,
    run: async (args) => {
      const p = args as unknown as Proposal;
      const verdict = await check(ctx, agent, p);
      return verdict.ok ? { ok: true, fraction: p.fraction, entry: verdict.entry } : { ok: false, refused: [{ id: p.dataset, reason: verdict.reason }] };
    },
  };
}

/** The datasets `check_dataset` accepted, from the outcome (so a replay finds the same). */
function validatedSoFar(outcome: AgentOutcome): { fraction: number; entry: Omit<MixEntry, "fraction"> }[] {
  const out: { fraction: number; entry: Omit<MixEntry, "fraction"> }[] = [];
  for (const call of outcome.toolCalls) {
    if (call.name !== CHECK_TOOL || !call.result.ok) continue;
    const v = call.result.value as { ok?: unknown; fraction?: unknown; entry?: Omit<MixEntry, "fraction"> } | null;
    if (v !== null && typeof v === "object" && v.ok === true && typeof v.fraction === "number" && v.entry) out.push({ fraction: v.fraction, entry: v.entry });
  }
  return out;
}

/** discover: candidates -> a mix with pinned revisions, each checked by the policy and by reading its rows. */
export const discoverRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const agent = agentStage(ctx);
    const research = ctx.needOutputs.get("research") ?? {};
    const candidates = Array.isArray(research.candidates) ? research.candidates : [];
    const outcome = await runAgent<{ mix: Proposal[]; notes?: string }>({
      llm: agent.llm,
      system: systemPrompt(ctx),
      user: `Candidate datasets from research, with their evidence:\n${JSON.stringify(candidates, null, 2)}`,
      tools: [...datasetTools(agent.sources, agent.policy, 4_000), checkTool(ctx, agent)],
      answer: { schema: discoverAnswerSchema(formatsOf(ctx)), description: "Give the training mix. Call this once, when you are done." },
      maxSteps: ctx.recipe.agent.maxSteps,
      ledger: agent.ledger,
      transcript: agent.transcript,
      signal: ctx.signal,
      secrets: agent.secrets,
    });
    // `by`: where the refusal happened: the research stage, a search result, or the proposed mix.
    const refused: { id: string; reason: string; by: string }[] = [
      ...((research.refused as { id: string; reason: string }[] | undefined) ?? []).map((r) => ({ id: r.id, reason: r.reason, by: "research" })),
      ...refusalsIn(outcome).map((r) => ({ ...r, by: "search" })),
    ];
    const accepted: Omit<MixEntry, "fraction">[] = [];
    const fractions: number[] = [];
    const stopped = stopReason(ctx, outcome);
    if (outcome.kind === "answer") {
      for (const p of outcome.value.mix) {
        if (accepted.some((a) => a.id === p.dataset && a.file === p.file)) continue;
        const verdict = await check(ctx, agent, p);
        if (verdict.ok) {
          accepted.push(verdict.entry);
          fractions.push(p.fraction);
        } else refused.push({ id: p.dataset, reason: verdict.reason, by: "mix" });
      }
    } else {
      // Stopped before an answer: the mix is what `check_dataset` already validated, nothing more.
      for (const v of validatedSoFar(outcome)) {
        if (accepted.some((a) => a.id === v.entry.id && a.file === v.entry.file)) continue;
        accepted.push(v.entry);
        fractions.push(v.fraction);
      }
    }
    const total = fractions.reduce((a, b) => a + b, 0);
    const mix: MixEntry[] = accepted.map((e, i) => ({ ...e, fraction: Number((fractions[i]! / total).toFixed(6)) }));
    const unique = dedupeRefusals(refused);
    // A dataset refused once (a file that did not map, a revision whose license differs) and then
    // accepted is in the mix: it is not "never used for training", and is said apart.
    const inMix = new Set(mix.map((m) => m.id.toLowerCase()));
    const neverUsed = unique.filter((r) => !inMix.has(r.id.toLowerCase()));
    const refusedThenAccepted = unique.filter((r) => inMix.has(r.id.toLowerCase()));
    // A branch that moved between what research (or discover's own tools) saw and the commit
    // pinned: the mix holds the new commit, and says so.
    const seen = [
      ...((research.revisionsSeen as RevisionSeen[] | undefined) ?? []).map((s) => ({ ...s, by: "research" })),
      ...revisionsSeen(outcome.toolCalls).map((s) => ({ ...s, by: "discover" })),
    ];
    const revisionMoved = revisionsMoved(mix, seen);
    for (const m of revisionMoved) ctx.note?.(`${m.id}: ${m.revision} moved since ${m.by} saw it at ${m.seen}; pinned ${m.pinned}`);
    const notes = outcome.kind === "answer" ? (outcome.value.notes ?? null) : null;
    const result = { mix, refused: neverUsed, refusedThenAccepted, revisionMoved, notes, stopped, cacheDir: hubCacheDir(ctx), ...agentSummary(agent, outcome) };
    writeFileSync(join(ctx.dir, "mix.json"), `${JSON.stringify(result, null, 2)}\n`);
    if (mix.length === 0 && stopped !== null) {
      const limit = stopped.why === "budget" ? "budget.llm (tokens or usd)" : "agent.max_steps";
      throw new InternError("INTERN_DISCOVER_EMPTY", `discover stopped before any dataset was validated: ${stopped.reason}`, {
        hint: `raise ${limit} so the agent can check a dataset; what it did is in ${agent.transcriptFile}`,
      });
    }
    if (mix.length === 0) {
      throw new InternError("INTERN_DISCOVER_EMPTY", `no proposed dataset passed the checks: ${unique.map((r) => `${r.id} (${r.reason})`).join("; ")}`, {
        hint: `see ${join(ctx.dir, "mix.json")}; widen sources.datasets or sources.licenses if the refusals are not what you want`,
      });
    }
    return result;
  },
};

/** One line per distinct (id, reason); the same refusal of the proposed mix wins over one seen in search results. */
function dedupeRefusals(list: { id: string; reason: string; by: string }[]): { id: string; reason: string; by: string }[] {
  const out = new Map<string, { id: string; reason: string; by: string }>();
  for (const r of list) {
    const key = JSON.stringify([r.id, r.reason]);
    if (!out.has(key) || r.by === "mix") out.set(key, r);
  }
  return [...out.values()];
}
