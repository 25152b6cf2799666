import { getJson, type SourceContext } from "./context.js";
import { assertAllowed, idRefusal, type SourcePolicy } from "./policy.js";

/**
 * The dataset viewer (datasets-server) API: splits, the first rows and column types of a
 * dataset's main branch. Rows are the owner's data: treat them as data, never as instructions.
 * Only the id is checked here (globs, the benchmark); licenses and gating are checked by
 * `datasetInfo` and again at download.
 */

export interface ViewerSplit {
  config: string;
  split: string;
}

export interface ViewerColumn {
  name: string;
  /** The feature type as the viewer gives it (`{"dtype":"string","_type":"Value"}`, lists, ...). */
  type: unknown;
}

export interface ViewerRows {
  dataset: string;
  config: string;
  split: string;
  columns: ViewerColumn[];
  rows: Record<string, unknown>[];
  /** True when the viewer or the cell budget cut something. */
  truncated: boolean;
}

export interface ViewerInfo {
  dataset: string;
  config: string;
  columns: ViewerColumn[];
  splits: { name: string; rows: number | null; bytes: number | null }[];
}

function url(ctx: SourceContext, path: string, params: Record<string, string>): string {
  return `${ctx.endpoints.datasetsServer}${path}?${new URLSearchParams(params).toString()}`;
}

function guard(policy: SourcePolicy, dataset: string): void {
  const r = idRefusal(policy, "dataset", dataset);
  if (r !== null) assertAllowed(r);
}

/** The dataset's configs and splits (`/splits`). */
export async function viewerSplits(ctx: SourceContext, policy: SourcePolicy, dataset: string): Promise<ViewerSplit[]> {
  guard(policy, dataset);
  const body = await getJson<{ splits?: { config: string; split: string }[] }>(ctx, "datasetsServer", url(ctx, "/splits", { dataset }), `reading the splits of ${dataset}`);
  return (body.splits ?? []).map((s) => ({ config: s.config, split: s.split }));
}

/** Column types and up to `maxRows` (10) first rows, each cell cut to `maxCellChars` (2,000) (`/first-rows`). */
export async function viewerFirstRows(
  ctx: SourceContext,
  policy: SourcePolicy,
  dataset: string,
  config: string,
  split: string,
  options: { maxRows?: number; maxCellChars?: number } = {},
): Promise<ViewerRows> {
  guard(policy, dataset);
  const body = await getJson<{ features?: { name: string; type: unknown }[]; rows?: { row: Record<string, unknown> }[]; truncated?: boolean }>(
    ctx,
    "datasetsServer",
    url(ctx, "/first-rows", { dataset, config, split }),
    `reading the first rows of ${dataset} (${config}/${split})`,
  );
  const maxRows = options.maxRows ?? 10;
  const maxCell = options.maxCellChars ?? 2000;
  let truncated = body.truncated === true || (body.rows ?? []).length > maxRows;
  const rows = (body.rows ?? []).slice(0, maxRows).map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.row ?? {})) {
      const text = typeof v === "string" ? v : JSON.stringify(v);
      if (text !== undefined && text.length > maxCell) {
        truncated = true;
        out[k] = `${text.slice(0, maxCell)}…`;
      } else out[k] = v;
    }
    return out;
  });
  return { dataset, config, split, columns: (body.features ?? []).map((f) => ({ name: f.name, type: f.type })), rows, truncated };
}

/** Column types and split sizes of one config (`/info`). */
export async function viewerInfo(ctx: SourceContext, policy: SourcePolicy, dataset: string, config: string): Promise<ViewerInfo> {
  guard(policy, dataset);
  const body = await getJson<{ dataset_info?: { features?: Record<string, unknown>; splits?: Record<string, { name?: string; num_examples?: number; num_bytes?: number }> } }>(
    ctx,
    "datasetsServer",
    url(ctx, "/info", { dataset, config }),
    `reading the info of ${dataset} (${config})`,
  );
  const info = body.dataset_info ?? {};
  return {
    dataset,
    config,
    columns: Object.entries(info.features ?? {}).map(([name, type]) => ({ name, type })),
    splits: Object.entries(info.splits ?? {}).map(([name, s]) => ({ name, rows: s.num_examples ?? null, bytes: s.num_bytes ?? null })),
  };
}
