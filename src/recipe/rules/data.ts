import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_RECIPE_INVALID";

/** Pinned datasets: a mix that adds up, columns that fit the format. */
export const dataRule: Rule = (r) => {
  const out: Problem[] = [];
  const list = r.data?.datasets ?? [];
  const withFraction = list.filter((d) => d.fraction !== undefined);
  if (withFraction.length > 0 && withFraction.length < list.length) {
    const i = list.findIndex((d) => d.fraction === undefined);
    out.push({ path: ["data", "datasets", i], code: CODE, message: `data.datasets[${i}] has no fraction while others do`, hint: "give every dataset a fraction, or none for an equal mix", target: "key" });
  } else if (withFraction.length > 0) {
    const sum = withFraction.reduce((a, d) => a + d.fraction!, 0);
    if (Math.abs(sum - 1) > 1e-6) {
      out.push({ path: ["data", "datasets"], code: CODE, message: `dataset fractions add up to ${Number(sum.toFixed(6))}, not 1`, target: "key" });
    }
  }
  list.forEach((d, i) => {
    const format = d.format ?? "conversational";
    const c = d.columns ?? {};
    if (format === "conversational" && (c.prompt !== undefined || c.completion !== undefined) && c.messages === undefined) {
      out.push({ path: ["data", "datasets", i, "columns"], code: CODE, message: "columns.prompt/completion map to the `prompt-completion` format; set format: prompt-completion or map columns.messages", target: "key" });
    }
    if (format === "prompt-completion" && c.messages !== undefined) {
      out.push({ path: ["data", "datasets", i, "columns", "messages"], code: CODE, message: "columns.messages belongs to the `conversational` format", target: "key" });
    }
  });
  return out;
};
