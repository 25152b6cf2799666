import type { DatasetReport } from "../data/manifest.js";

/** A Hub dataset read at a pinned commit, from a prepare manifest's `hf://datasets/<id>@<sha>...` path. */
export interface HubRef {
  id: string;
  sha: string;
  /** The file read, or null for a dataset read by config and split. */
  file: string | null;
}

/** The Hub dataset, commit and file of a manifest path; null for a local file. */
export function hubRef(path: string): HubRef | null {
  const m = /^hf:\/\/datasets\/([^@?]+)@([^/?]+)(?:\/([^?]*))?/.exec(path);
  if (!m) return null;
  return { id: m[1]!, sha: m[2]!, file: m[3] ? m[3] : null };
}

/**
 * How the report names a dataset of a prepare manifest: the Hub id (with its file when the same
 * id was read from several files), or the local path as the recipe writes it.
 */
export function datasetNames(datasets: readonly DatasetReport[]): string[] {
  const refs = datasets.map((d) => hubRef(d.path));
  const count = new Map<string, number>();
  for (const r of refs) if (r) count.set(r.id, (count.get(r.id) ?? 0) + 1);
  return datasets.map((d, i) => {
    const r = refs[i];
    if (!r) return d.path;
    return (count.get(r.id) ?? 0) > 1 && r.file ? `${r.id} (${r.file})` : r.id;
  });
}

/** The name of dataset `index` of a manifest, or `dataset <index>` when the manifest does not list it. */
export function datasetName(datasets: readonly DatasetReport[], index: number): string {
  return datasetNames(datasets)[index] ?? `dataset ${index}`;
}
