import type { Problem } from "../recipe/rules/problem.js";
import type { ValidatedRecipe } from "../recipe/validate.js";
import { builtinStages } from "./builtin-stages.js";
import { topoOrder } from "./detect-cycles.js";
import type { StageDraft } from "./draft.js";
import { sameJsonValue, stableJson, stableJsonMembers } from "./stable-json.js";
import type { CompileResult, Stage, StageGraph } from "./types.js";
import { insertUserStages } from "./user-stages.js";
import { sha256Hex } from "../sha256.js";

export interface CompileOptions {
  /** Template name -> sha256 of its text, for every template the stages may render. */
  templateDigests: Readonly<Record<string, string>>;
  /** intern's version: a new version may render or run a stage differently. */
  version: string;
  /** Digests of the files stages read, by the path the recipe gives (read by the caller). */
  fileDigests?: Readonly<Record<string, string>>;
  /**
   * What a key and each of its inputs are digested with: sha256 (hex) unless given. Any function
   * that gives different texts different results merges the same stages across trials.
   */
  digest?: (text: string) => string;
}

/** `train.p2` -> `train.t3.p2`: a trial suffix for stages the matrix makes differ. */
function withTrial(localId: string, trial: number): string {
  const dot = localId.indexOf(".");
  return dot === -1 ? `${localId}.t${trial}` : `${localId.slice(0, dot)}.t${trial}${localId.slice(dot)}`;
}

function cycleProblem(v: ValidatedRecipe, cycle: string[], drafts: StageDraft[]): Problem {
  const byId = new Map(drafts.map((d) => [d.localId, d]));
  const user = cycle.map((id) => byId.get(id)).find((d) => d?.userIndex !== undefined);
  const path = user ? ["stages", user.userIndex!, "needs"] : ["stages"];
  return { path, code: "INTERN_CYCLE", message: `stages form a cycle: ${cycle.join(" <- ")}`, hint: "each stage waits for the one after its arrow; remove one of these needs/before entries", target: "key" };
}

/**
 * Compiles a validated recipe into its stage DAG. Each matrix trial gets its own built-in and
 * user stages; stages whose content key is the same across trials are one stage. Pure.
 */
export function compileGraph(v: ValidatedRecipe, options: CompileOptions): CompileResult {
  const templateDigest = (name: string) => options.templateDigests[name] ?? "missing";
  const merged = new Map<string, Stage>();
  /** localId -> key -> global id */
  const groups = new Map<string, Map<string, { firstTrial: number; inputs: Record<string, string> }>>();
  const perTrial: { trial: number; order: StageDraft[]; keys: Map<string, string> }[] = [];
  const templatesOf = (d: StageDraft) => d.templates.map((t): [string, string] => [t, templateDigest(t)]);
  const filesOf = (d: StageDraft) => (d.files ?? []).map((f): [string, string] => [f, options.fileDigests?.[f] ?? "unknown"]);
  const hash = options.digest ?? sha256Hex;
  const digest = valueDigests(hash);
  const textOf = slotTexts();

  for (const trial of v.trials) {
    const { drafts, problems } = insertUserStages(trial.recipe, builtinStages(trial.recipe));
    if (problems.length > 0) return { graph: null, problems };
    const sorted = topoOrder(drafts);
    if ("cycle" in sorted) return { graph: null, problems: [cycleProblem(v, sorted.cycle, drafts)] };
    const keys = new Map<string, string>();
    for (const d of sorted.order) {
      // Each param's text is made once: the key holds them all, and keyInputs digests each.
      const paramTexts = new Map<string, string>();
      const paramsText = stableJsonMembers(d.params, (k, value) => {
        const text = textOf(d.localId, k, value);
        paramTexts.set(k, text);
        return text;
      });
      const resourcesText = textOf(d.localId, RESOURCES, d.resources);
      const templates = templatesOf(d);
      const files = filesOf(d);
      const key = hash(
        stableJsonMembers(
          {
            kind: d.kind,
            name: d.name,
            params: paramsText,
            resources: resourcesText,
            needs: d.needs.map((n) => keys.get(n)!).sort(),
            templates,
            files,
            version: options.version,
          },
          (k, value) => (k === "params" || k === "resources" ? (value as string) : k === "templates" || k === "files" ? textOf(d.localId, KEY_SLOTS[k], value) : stableJson(value)),
        ),
      );
      keys.set(d.localId, key);
      let byKey = groups.get(d.localId);
      if (!byKey) groups.set(d.localId, (byKey = new Map()));
      // The first draft with this key becomes the stage: its key's inputs are digested now, while its texts are at hand.
      if (!byKey.has(key)) byKey.set(key, { firstTrial: trial.index + 1, inputs: keyInputs(d, { params: paramTexts, resources: resourcesText }, keys, templates, files, options.version, digest) });
    }
    perTrial.push({ trial: trial.index + 1, order: sorted.order, keys });
  }

  const idOf = (localId: string, key: string): string => {
    const byKey = groups.get(localId)!;
    return byKey.size === 1 ? localId : withTrial(localId, byKey.get(key)!.firstTrial);
  };
  const stages: Stage[] = [];
  for (const { trial, order, keys } of perTrial) {
    for (const d of order) {
      const key = keys.get(d.localId)!;
      const id = idOf(d.localId, key);
      const existing = merged.get(id);
      if (existing) {
        if (existing.trials[existing.trials.length - 1] !== trial) existing.trials.push(trial);
        continue;
      }
      const stage: Stage = {
        id, name: d.name, kind: d.kind, mode: d.mode, placement: d.placement,
        needs: d.needs.map((n) => idOf(n, keys.get(n)!)),
        trials: [trial], pass: d.pass, conditional: d.conditional, params: d.params, resources: d.resources,
        // Only for drafts that become stages, not for those an identical stage of an earlier trial absorbs.
        templates: d.templates, outputs: d.outputs, key, inputs: groups.get(d.localId)!.get(key)!.inputs, description: d.description,
      };
      merged.set(id, stage);
      stages.push(stage);
    }
  }

  // The report comes last: it reads every evaluation and decision, and waits for every stage
  // nothing else waits for.
  const needed = new Set(stages.flatMap((s) => s.needs));
  const sinks = stages.filter((s) => !needed.has(s.id) || s.kind === "evaluate" || s.kind === "decide");
  const trialCount = v.trials.length;
  stages.push({
    id: "report", name: "report", kind: "report", mode: "deterministic", placement: "control-plane",
    needs: sinks.map((s) => s.id), trials: range(trialCount), pass: null, conditional: false,
    params: { recipe: v.recipe.name, target: v.recipe.benchmark.target, metric: v.recipe.benchmark.metric },
    resources: null, templates: [], outputs: ["report.md", "report.html"],
    key: hash(stableJson({ kind: "report", needs: sinks.map((s) => s.key).sort(), version: options.version })),
    inputs: { ...Object.fromEntries(sinks.map((s) => [`stage ${s.id}`, s.key])), "intern version": options.version },
    description: "baseline vs trained metric, data manifest, budget spent",
  });
  for (const s of stages) if (s.trials.length === trialCount && trialCount > 1) s.trials = [];
  const graph: StageGraph = {
    recipe: v.recipe.name,
    stages,
    trials: v.trials.map((t) => ({ index: t.index + 1, label: t.label })),
  };
  return { graph, problems: [] };
}

/**
 * The key's ingredients one by one, named for people ("template jobs/train.sh.hbs", "file
 * data/train.jsonl", "stage prepare"), so that a stage whose key changed can say what changed.
 */
function keyInputs(
  d: StageDraft,
  texts: DraftTexts,
  keys: ReadonlyMap<string, string>,
  templates: [string, string][],
  files: [string, string][],
  version: string,
  digestOf: (text: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  // A param that is undefined is left out of the key, and digested as stableJson leaves it: null.
  for (const k of Object.keys(d.params)) out[`recipe value ${k}`] = digestOf(texts.params.get(k) ?? stableJson(d.params[k]));
  out.resources = digestOf(texts.resources);
  for (const n of d.needs) out[`stage ${n}`] = keys.get(n)!;
  for (const [t, digest] of templates) out[`template ${t}`] = digest;
  for (const [f, digest] of files) out[`file ${f}`] = digest;
  out["intern version"] = version;
  return out;
}

/** The stableJson texts of a draft's params (by name, those that are defined) and resources, made for its key. */
interface DraftTexts {
  params: Map<string, string>;
  resources: string;
}

/** The slots of a draft's resources, templates and files among its params' (whose names are identifiers). */
const RESOURCES = "";
const KEY_SLOTS = { templates: " templates", files: " files" } as const;

/**
 * The stableJson text of a stage's param (or its resources), by stage and name: while the value
 * is the same from one trial to the next (the method, the model, the benchmark, the environment,
 * everything a sweep's axes leave alone), the text made for an earlier trial is reused, the same
 * string, so digesting it again is a lookup. Telling that the value is the same costs a fifth of
 * making its text.
 */
function slotTexts(): (localId: string, name: string, value: unknown) => string {
  const byStage = new Map<string, Map<string, { value: unknown; text: string }>>();
  return (localId, name, value) => {
    let slots = byStage.get(localId);
    if (slots === undefined) byStage.set(localId, (slots = new Map()));
    const last = slots.get(name);
    if (last !== undefined && sameJsonValue(last.value, value)) return last.text;
    const text = stableJson(value);
    slots.set(name, { value, text });
    return text;
  };
}

/**
 * The digest of a stableJson text, computed once per distinct text within one compile: every trial
 * of a sweep repeats the same method, model, benchmark, backend and TRL version.
 */
function valueDigests(hash: (text: string) => string): (text: string) => string {
  const digests = new Map<string, string>();
  return (text) => {
    let d = digests.get(text);
    if (d === undefined) digests.set(text, (d = hash(text)));
    return d;
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
