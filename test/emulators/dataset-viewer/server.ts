import { parquetReadObjects } from "hyparquet";
import { json, startEmulator, type Emulator } from "../http.js";
import type { Scenario, ScenarioFile, ScenarioRepo } from "../scenario.js";

function splitOf(path: string): string {
  const name = path.split("/").pop()!;
  return /test/.test(name) ? "test" : /valid/.test(name) ? "validation" : "train";
}

function dataFiles(repo: ScenarioRepo): ScenarioFile[] {
  return repo.commits.get(repo.refs.main!)!.files.filter((f) => /\.(parquet|jsonl)$/.test(f.path));
}

async function rowsOf(file: ScenarioFile): Promise<Record<string, unknown>[]> {
  if (file.path.endsWith(".jsonl")) {
    return file.content
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  const buf = file.content.buffer.slice(file.content.byteOffset, file.content.byteOffset + file.content.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file: buf })) as Record<string, unknown>[];
}

function featureOf(v: unknown): unknown {
  if (typeof v === "string") return { dtype: "string", _type: "Value" };
  if (typeof v === "number") return { dtype: Number.isInteger(v) ? "int64" : "float64", _type: "Value" };
  if (typeof v === "boolean") return { dtype: "bool", _type: "Value" };
  if (Array.isArray(v)) return { feature: featureOf(v[0]), _type: "List" };
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, featureOf(x)]));
  return { dtype: "null", _type: "Value" };
}

/** The dataset viewer's `/splits`, `/first-rows` and `/info`, computed from each dataset's main commit. */
export function startDatasetViewerEmulator(s: Scenario): Promise<Emulator> {
  return startEmulator(async (_req, res, url) => {
    const id = url.searchParams.get("dataset") ?? "";
    const repo = s.repos.find((r) => r.type === "dataset" && r.id === id);
    if (repo === undefined) {
      return json(res, 404, { error: "The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication." }, { "x-error-code": "DatasetNotFoundError" });
    }
    const files = dataFiles(repo);
    const splits = [...new Set(files.map((f) => splitOf(f.path)))];
    if (url.pathname === "/splits") return json(res, 200, { splits: splits.map((split) => ({ dataset: id, config: "default", split })), pending: [], failed: [] });
    const config = url.searchParams.get("config");
    if (config !== "default") return json(res, 404, { error: "Not found." }, { "x-error-code": "ResponseNotFound" });
    if (url.pathname === "/first-rows") {
      const split = url.searchParams.get("split") ?? "";
      const file = files.find((f) => splitOf(f.path) === split);
      if (file === undefined) return json(res, 404, { error: "Not found." }, { "x-error-code": "ResponseNotFound" });
      const rows = (await rowsOf(file)).slice(0, 100);
      const features = Object.entries(rows[0] ?? {}).map(([name, v], i) => ({ feature_idx: i, name, type: featureOf(v) }));
      return json(res, 200, { dataset: id, config, split, features, rows: rows.map((row, i) => ({ row_idx: i, row, truncated_cells: [] })), truncated: false });
    }
    if (url.pathname === "/info") {
      const splitInfo: Record<string, unknown> = {};
      let first: Record<string, unknown> = {};
      for (const split of splits) {
        const inSplit = files.filter((f) => splitOf(f.path) === split);
        const rows = (await Promise.all(inSplit.map(rowsOf))).flat();
        if (Object.keys(first).length === 0) first = rows[0] ?? {};
        splitInfo[split] = { name: split, num_bytes: inSplit.reduce((n, f) => n + f.content.length, 0), num_examples: rows.length, dataset_name: id.split("/")[1] };
      }
      return json(res, 200, { dataset_info: { dataset_name: id.split("/")[1], config_name: config, features: featureOf(first), splits: splitInfo }, partial: false });
    }
    json(res, 404, { error: "Not found." });
  });
}
