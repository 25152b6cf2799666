import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_RECIPE_INVALID";

/** Pinned datasets: a mix that adds up, columns that fit the format. */
export const dataRule: Rule = (r) => {
  const out: Problem[] = [];
  const list = r.data?.datasets ?? [];
  list.forEach((d, i) => {
    if (d.rows !== undefined && d.fraction !== undefined) {
      out.push({ path: ["data", "datasets", i, "rows"], code: CODE, message: `data.datasets[${i}] has both \`fraction\` and \`rows\`; keep one`, hint: "`rows` takes an exact number of rows; `fraction` a share of what the counted datasets leave", target: "key" });
    }
  });
  // The fractions are those of the datasets without a count.
  const shared = list.filter((d) => d.rows === undefined);
  const withFraction = shared.filter((d) => d.fraction !== undefined);
  if (withFraction.length > 0 && withFraction.length < shared.length) {
    const i = list.findIndex((d) => d.fraction === undefined && d.rows === undefined);
    out.push({ path: ["data", "datasets", i], code: CODE, message: `data.datasets[${i}] has no fraction while others do`, hint: "give every dataset a fraction or a number of rows, or leave fractions out for an equal mix", target: "key" });
  } else if (withFraction.length > 0) {
    const sum = withFraction.reduce((a, d) => a + d.fraction!, 0);
    if (Math.abs(sum - 1) > 1e-6) {
      out.push({ path: ["data", "datasets"], code: CODE, message: `dataset fractions add up to ${Number(sum.toFixed(6))}, not 1`, target: "key" });
    }
  }
  const counted = list.reduce((a, d) => a + (d.rows ?? 0), 0);
  const maxRows = r.data?.max_rows;
  if (maxRows !== undefined && counted > maxRows) {
    out.push({ path: ["data", "max_rows"], code: CODE, message: `data.max_rows is ${maxRows}, below the ${counted} rows the datasets' \`rows\` ask for`, hint: "raise data.max_rows or lower the datasets' rows", target: "value" });
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
