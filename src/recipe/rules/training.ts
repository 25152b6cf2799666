import { trlVersionOf } from "../derive.js";
import { TRAINED_METHODS } from "../methods.js";
import { checkTrlKey, trlTableFile } from "../trl-keys.js";
import type { Problem, Rule } from "./problem.js";


export const KEY_PROBLEM_CODE = { unknown: "INTERN_TRL_UNKNOWN_KEY", reserved: "INTERN_TRL_RESERVED_KEY", type: "INTERN_TRL_VALUE" } as const;

/** The training block: a supported method, TRL keys the pinned TRL knows, a sane search space. */
export const trainingRule: Rule = (r, ctx) => {
  const out: Problem[] = [];
  const t = r.training ?? {};
  const method = t.method ?? "sft";
  if (!TRAINED_METHODS.includes(method)) {
    out.push({ path: ["training", "method"], code: "INTERN_UNSUPPORTED", message: `training method \`${method}\` is not supported yet; intern trains with ${TRAINED_METHODS.map((m) => `\`${m}\``).join(", ")}` });
    return out;
  }
  const version = trlVersionOf(r);
  if (version === null) {
    out.push({ path: ["compute", "environment", "requirements"], code: "INTERN_RECIPE_INVALID", message: "compute.environment.requirements has no `trl==VERSION` pin", hint: "pin TRL so hyperparameters can be checked and runs can be repeated" });
    return out;
  }
  const table = ctx.trlTable(version, method);
  if (table === null) {
    out.push({
      path: ["compute", "environment", "requirements"],
      code: "INTERN_TRL_VERSION_UNKNOWN",
      message: `intern has no key table for \`trl ${method}\` of TRL ${version} (it knows ${ctx.trlVersions.join(", ")})`,
      hint: `generate one with \`python scripts/extract-trl-keys.py ${method} > schema/trl/${trlTableFile("VERSION", method)}\` in that environment`,
      severity: "warning",
    });
    return out;
  }
  const hp = t.hyperparameters ?? {};
  for (const [key, value] of Object.entries(hp)) {
    const p = checkTrlKey(table, key, value, { checkValue: true });
    if (p) out.push({ path: ["training", "hyperparameters", key], code: KEY_PROBLEM_CODE[p.kind], message: p.message, ...(p.hint ? { hint: p.hint } : {}), target: p.kind === "type" ? "value" : "key" });
  }
  for (const [key, range] of Object.entries(t.search_space ?? {})) {
    const path = ["training", "search_space", key];
    const p = checkTrlKey(table, key, undefined, { checkValue: false });
    if (p) {
      out.push({ path, code: KEY_PROBLEM_CODE[p.kind], message: p.message, ...(p.hint ? { hint: p.hint } : {}), target: "key" });
      continue;
    }
    if (key in hp) out.push({ path, code: "INTERN_RECIPE_INVALID", message: `\`${key}\` is both fixed in training.hyperparameters and open in training.search_space; keep one`, target: "key" });
    const hasValues = range.values !== undefined;
    const hasRange = range.min !== undefined || range.max !== undefined;
    if (hasValues === hasRange) {
      out.push({ path, code: "INTERN_RECIPE_INVALID", message: `search_space.${key} needs either \`values\` or \`min\` and \`max\``, target: "key" });
      continue;
    }
    const types = table.keys[key]!.type;
    if (hasRange && !types.some((t) => t === "integer" || t === "number" || t === "any")) {
      out.push({ path, code: "INTERN_TRL_VALUE", message: `search_space.${key} is a range, but \`${key}\` takes ${types.filter((t) => t !== "null").join(" or ")} for TRL ${table.trl}`, hint: "list the values to try under `values` instead", target: "key" });
      continue;
    }
    if (hasRange) {
      if (range.min === undefined || range.max === undefined) out.push({ path, code: "INTERN_RECIPE_INVALID", message: `search_space.${key} needs both \`min\` and \`max\``, target: "key" });
      else if (range.min > range.max) out.push({ path: [...path, "min"], code: "INTERN_RECIPE_INVALID", message: `search_space.${key}.min (${range.min}) is above max (${range.max})` });
      else if (range.log && range.min <= 0) out.push({ path: [...path, "min"], code: "INTERN_RECIPE_INVALID", message: `search_space.${key} is on a log scale, so min must be > 0` });
      for (const bound of ["min", "max"] as const) {
        const v = range[bound];
        if (v === undefined) continue;
        const q = checkTrlKey(table, key, v, { checkValue: true });
        if (q) out.push({ path: [...path, bound], code: "INTERN_TRL_VALUE", message: q.message });
      }
    } else {
      range.values!.forEach((v, i) => {
        const q = checkTrlKey(table, key, v, { checkValue: true });
        if (q) out.push({ path: [...path, "values", i], code: "INTERN_TRL_VALUE", message: q.message });
      });
    }
  }
  if (method === "kto") out.push(...ktoProblems(hp));
  return out;
};

/**
 * What `trl kto` refuses at start-up, said at validate: every loss but `apo_zero_unpaired`
 * estimates the KL term from the other rows of a batch, so it needs sequential sampling and a
 * batch of at least two.
 */
export function ktoProblems(hp: Record<string, unknown>, at: (string | number)[] = ["training", "hyperparameters"]): Problem[] {
  const loss = hp.loss_type ?? "kto";
  if (loss === "apo_zero_unpaired") return [];
  const out: Problem[] = [];
  if (hp.train_sampling_strategy !== undefined && hp.train_sampling_strategy !== "sequential") {
    out.push({ path: [...at, "train_sampling_strategy"], code: "INTERN_TRL_VALUE", message: `KTO's loss \`${String(loss)}\` estimates the KL term from neighbouring rows of a batch, so train_sampling_strategy must be \`sequential\`, not \`${String(hp.train_sampling_strategy)}\``, hint: "leave train_sampling_strategy out (prepare already shuffles the rows with data.seed), or use loss_type: apo_zero_unpaired", target: "value" });
  }
  if (typeof hp.per_device_train_batch_size === "number" && hp.per_device_train_batch_size <= 1) {
    out.push({ path: [...at, "per_device_train_batch_size"], code: "INTERN_TRL_VALUE", message: `KTO's loss \`${String(loss)}\` estimates the KL term from the other rows of a batch, so per_device_train_batch_size must be at least 2`, target: "value" });
  }
  return out;
}
