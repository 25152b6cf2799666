import { json, startEmulator, type Emulator } from "../http.js";
import type { Scenario, ScenarioPaperRef } from "../scenario.js";

/** The Semantic Scholar graph API's references and citations (`/graph/v1/paper/arXiv:<id>/...`). */
export function startSemanticScholarEmulator(s: Scenario): Promise<Emulator> {
  return startEmulator((_req, res, url) => {
    const m = /^\/graph\/v1\/paper\/arXiv:([^/]+)\/(references|citations)$/.exec(decodeURIComponent(url.pathname));
    if (m === null) return json(res, 404, { error: "Not found" });
    const paper = s.papers.find((p) => p.id === m[1]!.replace(/v\d+$/, ""));
    if (paper === undefined) return json(res, 404, { error: `Paper with id arXiv:${m[1]} not found` });
    const fields = (url.searchParams.get("fields") ?? "title").split(",");
    const limit = Number(url.searchParams.get("limit") ?? "100");
    const offset = Number(url.searchParams.get("offset") ?? "0");
    const refs = m[2] === "references" ? paper.references : paper.citations;
    const linked = refs.map((r) => describe(s, r, fields));
    const key = m[2] === "references" ? "citedPaper" : "citingPaper";
    const data = linked.slice(offset, offset + limit).map((p) => ({ [key]: p }));
    json(res, 200, { offset, ...(offset + limit < linked.length ? { next: offset + limit } : {}), data });
  });
}

function describe(s: Scenario, ref: string | ScenarioPaperRef, fields: string[]): Record<string, unknown> {
  const known = typeof ref === "string" ? s.papers.find((p) => p.id === ref) : undefined;
  const full: Record<string, unknown> =
    known !== undefined
      ? { paperId: known.s2id, title: known.title, year: Number(known.published.slice(0, 4)), authors: known.authors.map((name, i) => ({ authorId: String(i), name })), externalIds: { ArXiv: known.id } }
      : typeof ref === "string"
        ? { paperId: null, title: `arXiv:${ref}`, year: null, authors: [], externalIds: { ArXiv: ref } }
        : { paperId: ref.id ?? null, title: ref.title, year: ref.year ?? null, authors: (ref.authors ?? []).map((name) => ({ authorId: null, name })), externalIds: {} };
  const out: Record<string, unknown> = { paperId: full.paperId };
  for (const f of fields) if (f in full) out[f] = full[f];
  return out;
}
