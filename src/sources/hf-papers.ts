import { InternError } from "../errors.js";
import { getJson, type SourceContext } from "./context.js";
import { isArxivId, stripVersion, type PaperSummary } from "./paper.js";

interface RawPaper {
  id?: string;
  title?: string;
  summary?: string;
  authors?: { name?: string }[];
  publishedAt?: string;
}

function toSummary(raw: RawPaper): PaperSummary {
  return {
    id: raw.id ?? "",
    versionedId: null,
    title: (raw.title ?? "").replace(/\s+/g, " ").trim(),
    summary: (raw.summary ?? "").replace(/\s+/g, " ").trim(),
    authors: (raw.authors ?? []).map((a) => a.name ?? "").filter((n) => n !== ""),
    published: raw.publishedAt ?? null,
    source: "hf-papers",
  };
}

/** Hugging Face Papers search (`/api/papers/search?q=`), at most `limit` (10) papers. */
export async function searchHfPapers(ctx: SourceContext, query: string, limit = 10): Promise<PaperSummary[]> {
  const url = `${ctx.endpoints.hub}/api/papers/search?${new URLSearchParams({ q: query }).toString()}`;
  const body = await getJson<unknown>(ctx, "hub", url, `searching Hugging Face Papers for ${JSON.stringify(query)}`);
  if (!Array.isArray(body)) return [];
  // Results come as `{ paper: {...}, ... }`; accept bare papers too.
  return body
    .map((item: { paper?: RawPaper } & RawPaper) => toSummary(item.paper ?? item))
    .filter((p) => p.id !== "")
    .slice(0, limit);
}

/** One paper's details from Hugging Face Papers (`/api/papers/{id}`). */
export async function hfPaper(ctx: SourceContext, arxivId: string): Promise<PaperSummary> {
  if (!isArxivId(arxivId)) throw new InternError("INTERN_SOURCE_BAD_ID", `${JSON.stringify(arxivId)} is not an arXiv id`, { hint: "papers are named by arXiv id, such as 2311.12022" });
  const id = stripVersion(arxivId);
  const body = await getJson<RawPaper>(ctx, "hub", `${ctx.endpoints.hub}/api/papers/${encodeURIComponent(id)}`, `reading paper ${id} on Hugging Face Papers`);
  return { ...toSummary(body), id };
}
