import type { Problem } from "../recipe/rules/problem.js";
import { countText } from "../recipe/scale.js";
import { closest } from "../recipe/suggest.js";
import type { Recipe, UserStage } from "../recipe/types.js";
import { environment, jobTemplates } from "./builtin-stages.js";
import { passId, type StageDraft } from "./draft.js";

/** Unknown needs explained one by one; the rest are counted in one more problem. */
const MAX_UNKNOWN_NEEDS = 20;
/** Stage names a hint lists when no name is close to the unknown one. */
const LISTED_STAGES = 20;

const WHY_ABSENT: Record<string, string> = {
  research: "the recipe pins its datasets, so there is no research stage",
  discover: "the recipe pins its datasets, so there is no discover stage",
  synthesize: "sources.synthetic.allow is off, so there is no synthesize stage",
  decide: "budget.iterations is 1, so there is no decide stage",
};

/**
 * Which user stages run once per pass: those that reach a per-pass stage through needs/before.
 * Spread from the per-pass built-ins backwards along needs/before, each stage once, so a long
 * chain of stages costs its length rather than its length squared.
 */
function perPassUserStages(stages: UserStage[], perPassBuiltins: Set<string>): Set<string> {
  const listedBy = new Map<string, UserStage[]>();
  for (const s of stages) {
    for (const n of [...s.needs, ...s.before]) {
      const list = listedBy.get(n);
      if (list) list.push(s);
      else listedBy.set(n, [s]);
    }
  }
  const perPass = new Set<string>();
  const queue = [...perPassBuiltins];
  for (let i = 0; i < queue.length; i++) {
    for (const s of listedBy.get(queue[i]!) ?? []) {
      if (perPass.has(s.name)) continue;
      perPass.add(s.name);
      queue.push(s.name);
    }
  }
  return perPass;
}

/**
 * Inserts the recipe's own stages among the built-in ones of a trial. A user stage that needs a
 * per-pass stage runs once per pass, next to that pass's stage. Returns problems for names
 * that do not exist; cycles are found afterwards on the whole graph.
 */
export function insertUserStages(r: Recipe, builtins: StageDraft[]): { drafts: StageDraft[]; problems: Problem[] } {
  // Without stages of its own, a trial's drafts are the built-in ones (fresh for each call of builtinStages).
  if (r.stages.length === 0) return { drafts: builtins, problems: [] };
  const problems: Problem[] = [];
  const passes = r.budget.iterations;
  const byName = new Map<string, StageDraft[]>();
  for (const d of builtins) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const perPassBuiltins = new Set([...byName].filter(([, ds]) => ds.some((d) => d.pass !== null)).map(([n]) => n));
  const userNames = new Set(r.stages.map((s) => s.name));
  const perPass = perPassUserStages(r.stages, perPassBuiltins);
  const known = [...byName.keys(), ...userNames];
  const listed = known.length > LISTED_STAGES ? `${known.slice(0, LISTED_STAGES).join(", ")}, and ${countText(known.length - LISTED_STAGES)} more` : known.join(", ");
  let unknown = 0;
  let firstUnreported: Problem | null = null;

  // Validate names first: a misspelled need is reported once, not once per pass.
  r.stages.forEach((s, i) => {
    for (const [field, list] of [["needs", s.needs], ["before", s.before]] as const) {
      list.forEach((n, j) => {
        // The report is added after user stages: it is in no list here, and it always runs last.
        if (n === "report") {
          if (field === "needs") problems.push({ path: ["stages", i, field, j], code: "INTERN_UNKNOWN_NEED", message: `stage ${s.name} cannot need \`report\`: the report is the last stage of a run` });
          return;
        }
        if (byName.has(n) || userNames.has(n)) {
          if (n === s.name) problems.push({ path: ["stages", i, field, j], code: "INTERN_CYCLE", message: `stage ${s.name} lists itself in ${field}` });
          return;
        }
        // Past the first few, unknown names are counted, not explained: each explanation compares
        // the name with every stage, and thousands of them help no one.
        if (++unknown > MAX_UNKNOWN_NEEDS) {
          firstUnreported ??= { path: ["stages", i, field, j], code: "INTERN_UNKNOWN_NEED", message: "" };
          return;
        }
        const absent = WHY_ABSENT[n];
        const guess = absent ? null : closest(n, known);
        problems.push({
          path: ["stages", i, field, j],
          code: "INTERN_UNKNOWN_NEED",
          message: absent ? `stage ${s.name} ${field === "needs" ? "needs" : "runs before"} \`${n}\`, but ${absent}` : `stage ${s.name} ${field === "needs" ? "needs" : "runs before"} unknown stage \`${n}\``,
          ...(absent ? {} : { hint: guess ? `did you mean \`${guess}\`?` : `stages here: ${listed}` }),
        });
      });
    }
  });
  if (firstUnreported !== null) {
    const more = unknown - MAX_UNKNOWN_NEEDS;
    problems.push({
      ...(firstUnreported as Problem),
      message: `and ${countText(more)} more needs/before ${more === 1 ? "entry names a stage" : "entries name stages"} that do not exist`,
      hint: "fix the ones above, then run validate again to see the rest",
    });
  }
  if (problems.length > 0) return { drafts: builtins, problems };

  const instances = (name: string, pass: number | null): string[] => {
    if (userNames.has(name)) return perPass.has(name) ? (pass === null ? range(passes).map((p) => passId(name, p, passes)) : [passId(name, pass, passes)]) : [name];
    const ds = byName.get(name) ?? [];
    if (pass === null || !perPassBuiltins.has(name)) return ds.map((d) => d.localId);
    return ds.filter((d) => d.pass === pass || d.pass === null).map((d) => d.localId);
  };

  const drafts = builtins.map((d) => ({ ...d, needs: [...d.needs] }));
  const byLocal = new Map(drafts.map((d) => [d.localId, d]));
  const userDrafts: StageDraft[] = [];
  r.stages.forEach((s, i) => {
    const passList: (number | null)[] = perPass.has(s.name) ? range(passes) : [null];
    for (const p of passList) {
      const needs = s.needs.flatMap((n) => instances(n, p));
      // A per-pass stage that needs a stage missing in this pass (decide after the last pass) does not run in it.
      if (p !== null && s.needs.some((n) => instances(n, p).length === 0)) continue;
      const localId = passId(s.name, p, passes);
      userDrafts.push({
        localId, name: s.name, kind: "command", mode: "deterministic", placement: s.placement, needs, pass: p === null || passes === 1 ? null : p, conditional: p !== null && p > 1,
        params: {
          run: s.run, outputs: s.outputs, placement: s.placement, gpus: s.gpus,
          ...(s.placement === "job" ? environment(r) : { time_limit_seconds: s.timeLimitSeconds }),
        },
        resources: s.placement === "job" ? { nodes: 1, gpus: s.gpus, gpusPerNode: s.gpus, timeLimitSeconds: s.timeLimitSeconds } : null,
        templates: s.placement === "job" ? jobTemplates(r, ["jobs/command.sh.hbs"]) : [],
        outputs: s.outputs, description: s.run.split("\n")[0]!.slice(0, 60), userIndex: i, files: s.inputs,
      });
    }
  });
  // A per-pass stage that needs a user stage skipped in its pass is skipped too, and so on down the chain.
  const exists = new Set([...drafts, ...userDrafts].map((d) => d.localId));
  for (let pruned = true; pruned; ) {
    pruned = false;
    for (let k = userDrafts.length - 1; k >= 0; k--) {
      if (userDrafts[k]!.needs.every((n) => exists.has(n))) continue;
      exists.delete(userDrafts[k]!.localId);
      userDrafts.splice(k, 1);
      pruned = true;
    }
  }
  const userByLocal = new Map(userDrafts.map((d) => [d.localId, d]));
  for (const u of userDrafts) {
    const s = r.stages[u.userIndex!]!;
    for (const target of s.before) {
      for (const t of instances(target, perPass.has(s.name) ? u.pass ?? 1 : null)) {
        const d = byLocal.get(t) ?? userByLocal.get(t);
        if (d && !d.needs.includes(u.localId)) d.needs.push(u.localId);
      }
    }
  }
  return { drafts: [...drafts, ...userDrafts], problems };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
