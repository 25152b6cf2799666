import { benchmarkCopies, matchingCopy } from "../benchmark-copies.js";
import { refusal } from "../glob.js";
import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_SOURCE_FORBIDDEN";
const ANY = ["**"];
const DEFAULT_LICENSES = ["apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "odc-by", "bsd-3-clause"];

/** What the recipe pins must pass the recipe's own source policy. */
export const sourcePolicyRule: Rule = (r) => {
  const out: Problem[] = [];
  const s = r.sources ?? {};
  const models = { allow: s.models?.allow ?? ANY, deny: s.models?.deny ?? [] };
  const datasets = { allow: s.datasets?.allow ?? ANY, deny: s.datasets?.deny ?? [] };
  const licenses = s.licenses ?? DEFAULT_LICENSES;
  if (r.base_model.id !== undefined) {
    const why = refusal(r.base_model.id, models);
    if (why) out.push({ path: ["base_model", "id"], code: CODE, message: `base model ${r.base_model.id} is forbidden by sources.models: ${why}`, hint: "change the base model or sources.models" });
  }
  const copies = benchmarkCopies({ name: r.benchmark.name, task: r.benchmark.task, dataset: r.benchmark.data?.dataset, alsoKnownAs: r.benchmark.also_known_as });
  r.data?.datasets?.forEach((d, i) => {
    if (d.id !== undefined) {
      const why = refusal(d.id, datasets);
      if (why) out.push({ path: ["data", "datasets", i, "id"], code: CODE, message: `dataset ${d.id} is forbidden by sources.datasets: ${why}` });
      const copy = matchingCopy(copies, d.id);
      if (copy !== null) out.push({ path: ["data", "datasets", i, "id"], code: CODE, message: `dataset ${d.id} is refused: ${copy.why}`, hint: "train on other data; the benchmark only measures" });
    }
    if (d.license !== undefined && !licenses.includes(d.license)) {
      out.push({ path: ["data", "datasets", i, "license"], code: CODE, message: `license ${d.license} is not in sources.licenses (${licenses.join(", ")})` });
    }
  });
  if (r.data?.datasets === undefined && datasets.allow.length === 0) {
    out.push({ path: ["sources", "datasets", "allow"], code: CODE, message: "the agent must find datasets (none are pinned) but sources.datasets.allow is empty" });
  }
  return out;
};
