import { InternError } from "../errors.js";
import { getJson, type SourceContext } from "./context.js";
import { isArxivId, stripVersion } from "./paper.js";

/** A paper at the other end of a reference or citation. */
export interface LinkedPaper {
  /** Semantic Scholar's id. */
  paperId: string | null;
  /** The arXiv id when the paper is on arXiv. */
  arxivId: string | null;
  title: string;
  year: number | null;
  authors: string[];
}

const FIELDS = "paperId,title,year,authors,externalIds";

interface RawLinked {
  paperId?: string | null;
  title?: string | null;
  year?: number | null;
  authors?: { name?: string }[];
  externalIds?: { ArXiv?: string } | null;
}

function toLinked(raw: RawLinked | undefined): LinkedPaper | null {
  if (raw === undefined || raw === null || (raw.title ?? "") === "") return null;
  return {
    paperId: raw.paperId ?? null,
    arxivId: raw.externalIds?.ArXiv ?? null,
    title: raw.title!,
    year: raw.year ?? null,
    authors: (raw.authors ?? []).map((a) => a.name ?? "").filter((n) => n !== ""),
  };
}

async function linked(ctx: SourceContext, arxivId: string, direction: "references" | "citations", limit: number): Promise<LinkedPaper[]> {
  if (!isArxivId(arxivId)) throw new InternError("INTERN_SOURCE_BAD_ID", `${JSON.stringify(arxivId)} is not an arXiv id`);
  const id = stripVersion(arxivId);
  const url = `${ctx.endpoints.semanticScholar}/graph/v1/paper/arXiv:${id}/${direction}?${new URLSearchParams({ fields: FIELDS, limit: String(limit) }).toString()}`;
  const headers: Record<string, string> = ctx.semanticScholarKey === null ? {} : { "x-api-key": ctx.semanticScholarKey };
  const body = await getJson<{ data?: { citedPaper?: RawLinked; citingPaper?: RawLinked }[] }>(ctx, "semanticScholar", url, `reading the ${direction} of paper ${id}`, headers);
  return (body.data ?? []).map((d) => toLinked(direction === "references" ? d.citedPaper : d.citingPaper)).filter((p): p is LinkedPaper => p !== null);
}

/** Papers this one cites (Semantic Scholar graph API), at most `limit` (50). */
export function paperReferences(ctx: SourceContext, arxivId: string, limit = 50): Promise<LinkedPaper[]> {
  return linked(ctx, arxivId, "references", limit);
}

/** Papers that cite this one, at most `limit` (50). */
export function paperCitations(ctx: SourceContext, arxivId: string, limit = 50): Promise<LinkedPaper[]> {
  return linked(ctx, arxivId, "citations", limit);
}
