import { FORMAT_COLUMNS, METHODS, methodOfFormat } from "../methods.js";
import type { DatasetFormat, DatasetInput } from "../types.js";
import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_RECIPE_INVALID";
const FORMATS = Object.keys(FORMAT_COLUMNS) as DatasetFormat[];
/** Columns that some format of `sft` maps; the others belong to the preference formats. */
const SFT_COLUMNS = new Set(METHODS.sft!.formats.flatMap((f) => FORMAT_COLUMNS[f]));

/** Pinned datasets: a mix that adds up, columns that fit the format, one format for the file. */
export const dataRule: Rule = (r) => {
  const out: Problem[] = [];
  const list = r.data?.datasets ?? [];
  list.forEach((d, i) => {
    if (d.rows !== undefined && d.fraction !== undefined) {
      out.push({ path: ["data", "datasets", i, "rows"], code: CODE, message: `data.datasets[${i}] has both \`fraction\` and \`rows\`; keep one`, hint: "`rows` takes an exact number of rows; `fraction` a share of what the counted datasets leave", target: "key" });
    }
  });
  // The fractions are those of the datasets without a count (in a chain, of each method's datasets).
  const chained = (r.training?.then ?? []).length > 0;
  const groups = chained ? [...new Set(list.map((d) => methodOfFormat(d.format ?? "conversational")))].map((m) => list.filter((d) => methodOfFormat(d.format ?? "conversational") === m)) : [list];
  for (const group of groups) out.push(...fractionProblems(list, group));
  const counted = list.reduce((a, d) => a + (d.rows ?? 0), 0);
  const maxRows = r.data?.max_rows;
  if (maxRows !== undefined && counted > maxRows) {
    out.push({ path: ["data", "max_rows"], code: CODE, message: `data.max_rows is ${maxRows}, below the ${counted} rows the datasets' \`rows\` ask for`, hint: "raise data.max_rows or lower the datasets' rows", target: "value" });
  }
  list.forEach((d, i) => {
    const format = d.format ?? "conversational";
    const c = d.columns ?? {};
    const at = (key: string): (string | number)[] => ["data", "datasets", i, "columns", key];
    if (format === "conversational" && (c.prompt !== undefined || c.completion !== undefined) && c.messages === undefined) {
      out.push({ path: ["data", "datasets", i, "columns"], code: CODE, message: "columns.prompt/completion map to the `prompt-completion` format; set format: prompt-completion or map columns.messages", target: "key" });
    }
    if (format === "prompt-completion" && c.messages !== undefined) {
      out.push({ path: at("messages"), code: CODE, message: "columns.messages belongs to the `conversational` format", target: "key" });
    }
    if (format === "text") {
      for (const key of ["messages", "prompt", "completion", "system"] as const) {
        if (c[key] !== undefined) out.push({ path: at(key), code: CODE, message: `columns.${key} does not apply to the \`text\` format, which reads one column`, hint: "name it with columns.text, or choose the format the columns fit", target: "key" });
      }
    } else if (c.text !== undefined) {
      out.push({ path: at("text"), code: CODE, message: `columns.text belongs to the \`text\` format, not \`${format}\``, hint: "set format: text, or map the columns of the chosen format", target: "key" });
    }
  });
  // One training file holds one TRL format: plain text or conversations, not both.
  const textAt = list.findIndex((d) => d.format === "text");
  const chatAt = list.findIndex((d) => (d.format ?? "conversational") !== "text");
  if (textAt !== -1 && chatAt !== -1) {
    const later = Math.max(textAt, chatAt);
    const other = Math.min(textAt, chatAt);
    // At the format where the recipe writes one, else at the dataset.
    const written = list[later]!.format !== undefined;
    out.push({
      path: written ? ["data", "datasets", later, "format"] : ["data", "datasets", later],
      code: CODE,
      message: `data.datasets[${later}] is ${later === textAt ? "`text`" : "conversational"} but data.datasets[${other}] is ${later === textAt ? "conversational" : "`text`"}; one training file holds one TRL format`,
      hint: "map every dataset to text, or every one to a conversation (conversational or prompt-completion)",
      target: written ? "value" : "key",
    });
  }
  // The method decides the formats: each format belongs to exactly one method (src/recipe/methods.ts).
  // A chain's formats are checked against its methods by the chain rule.
  const method = r.training?.method ?? "sft";
  const spec = METHODS[method];
  list.forEach((d, i) => {
    const format = d.format ?? "conversational";
    if (spec !== undefined && !chained && !spec.formats.includes(format)) {
      const owner = methodOfFormat(format);
      out.push({
        path: d.format !== undefined ? ["data", "datasets", i, "format"] : ["data", "datasets", i],
        code: CODE,
        message: method !== "sft" ? `training.method is ${method}, which trains on ${spec.data}, but data.datasets[${i}] is \`${format}\`` : `data.datasets[${i}] is \`${format}\`, which only training.method ${owner} trains on`,
        hint: method !== "sft" ? spec.hint : `set training.method: ${owner}, or ${spec.hint}`,
        target: d.format !== undefined ? "value" : "key",
      });
    }
    // Columns of the preference formats belong to them; those formats read no others.
    const c = (d.columns ?? {}) as Record<string, unknown>;
    const own = FORMAT_COLUMNS[format];
    const preference = methodOfFormat(format) !== "sft";
    for (const key of Object.keys(c)) {
      if (own.includes(key)) continue;
      const owners = SFT_COLUMNS.has(key) ? [] : FORMATS.filter((f) => FORMAT_COLUMNS[f].includes(key));
      if (preference) {
        out.push({ path: ["data", "datasets", i, "columns", key], code: CODE, message: `columns.${key} does not apply to the \`${format}\` format (${own.filter((k) => k !== "system").join(", ")})`, target: "key" });
      } else if (owners.length > 0) {
        out.push({ path: ["data", "datasets", i, "columns", key], code: CODE, message: `columns.${key} belongs to the ${owners.map((f) => `\`${f}\``).join(" or ")} format, not \`${format}\``, target: "key" });
      }
    }
  });
  if (method !== "sft" && !chained && r.sources?.synthetic?.allow === true) {
    out.push({ path: ["sources", "synthetic", "allow"], code: CODE, message: `synthetic data is conversations, and ${method} trains on ${spec?.data ?? "another format"}`, hint: `turn sources.synthetic.allow off for a ${method} recipe`, target: "value" });
  }
  if (textAt !== -1 && r.sources?.synthetic?.allow === true) {
    out.push({ path: ["sources", "synthetic", "allow"], code: CODE, message: "synthetic data is conversations, and the datasets are `text`; they cannot share a training file", hint: "turn sources.synthetic.allow off, or map the datasets to a conversational format", target: "value" });
  }
  return out;
};

/** The fractions of one group of datasets (all of them, or one method's in a chain) add up to 1. */
function fractionProblems(list: readonly DatasetInput[], group: readonly DatasetInput[]): Problem[] {
  const shared = group.filter((d) => d.rows === undefined);
  const withFraction = shared.filter((d) => d.fraction !== undefined);
  if (withFraction.length > 0 && withFraction.length < shared.length) {
    const i = list.findIndex((d) => group.includes(d) && d.fraction === undefined && d.rows === undefined);
    return [{ path: ["data", "datasets", i], code: CODE, message: `data.datasets[${i}] has no fraction while others do`, hint: "give every dataset a fraction or a number of rows, or leave fractions out for an equal mix", target: "key" }];
  }
  if (withFraction.length === 0) return [];
  const sum = withFraction.reduce((a, d) => a + d.fraction!, 0);
  if (Math.abs(sum - 1) <= 1e-6) return [];
  if (group.length === list.length) return [{ path: ["data", "datasets"], code: CODE, message: `dataset fractions add up to ${Number(sum.toFixed(6))}, not 1`, target: "key" }];
  const method = methodOfFormat(group[0]!.format ?? "conversational");
  const first = list.indexOf(withFraction[0]!);
  return [{ path: ["data", "datasets", first, "fraction"], code: CODE, message: `the fractions of the ${method} datasets add up to ${Number(sum.toFixed(6))}, not 1`, hint: `in a chain each method's datasets make their own mix: their fractions add up to 1 among themselves`, target: "key" }];
}
