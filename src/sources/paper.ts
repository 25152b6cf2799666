/** A paper as every provider's results are reduced to. JSON-serialisable. */
export interface PaperSummary {
  /** The arXiv id without version (`2311.12022`), or the provider's id when there is none. */
  id: string;
  /** The arXiv id with its version (`2311.12022v1`) when the provider says it, else null. */
  versionedId: string | null;
  title: string;
  summary: string;
  authors: string[];
  /** ISO date of first publication, or null. */
  published: string | null;
  source: "hf-papers" | "arxiv" | "semantic-scholar";
}

/** `2311.12022v3` -> `2311.12022`; old-style ids (`hep-th/9901001v2`) too. */
export function stripVersion(arxivId: string): string {
  return arxivId.replace(/v\d+$/, "");
}

const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/i;

/** True for arXiv ids, with or without a version. */
export function isArxivId(id: string): boolean {
  return ARXIV_ID.test(id);
}
