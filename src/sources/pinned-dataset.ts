/** A training dataset as a lock pins it: a local file by content, a Hub dataset by commit (and file digest). */
export type LockedDataset =
  | { source: "local"; path: string; sha256: string; license: string | null }
  | { source: "hub"; id: string; revision: string; sha: string | null; file: string | null; sha256: string | null; license: string | null; fraction: number | null };
