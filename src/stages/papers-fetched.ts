import { stripVersion } from "../sources/paper.js";

/** A paper a tool returned during a stage. */
export interface FetchedPaper {
  /** The id without an arXiv version (`2501.01234`). */
  id: string;
  /** The title as the source gave it, when one did. */
  title: string | null;
  /** The versioned arXiv id the source answered with (`2501.01234v2`), when one did. */
  versionedId: string | null;
}

/** One tool call as a stage's outcome or its transcript holds it. */
export interface PaperToolCall {
  name: string;
  arguments: unknown;
  result: { ok: true; value: unknown } | { ok: false; error: string };
}

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

function argumentsOf(call: PaperToolCall): Record<string, unknown> {
  if (typeof call.arguments !== "string") return obj(call.arguments) ?? {};
  try {
    return obj(JSON.parse(call.arguments)) ?? {};
  } catch {
    return {};
  }
}

/**
 * The papers a stage's tools actually fetched, by id without version. A paper counts when a source
 * returned a record of it in a successful tool result:
 * - `paper` (Hugging Face Papers) and `read_paper` (its text, from arXiv): the paper asked for;
 * - `search_papers` and `search_arxiv`: every paper in the results;
 * - `paper_references` and `paper_citations`: every paper returned with an arXiv id, and the paper
 *   asked about when the source returned any (it knows that paper);
 * - `paper_datasets`: the paper asked about, when the Hub returned a dataset linked to it (allowed
 *   or refused).
 * A paper only named by the model, a dataset card or another paper's text is not fetched.
 */
export function papersFetched(calls: readonly PaperToolCall[]): Map<string, FetchedPaper> {
  const out = new Map<string, FetchedPaper>();
  const add = (id: string | null, title: string | null = null, versionedId: string | null = null) => {
    if (id === null) return;
    const key = stripVersion(id);
    const had = out.get(key);
    const versioned = versionedId ?? (id !== key ? id : null);
    out.set(key, { id: key, title: had?.title ?? title, versionedId: had?.versionedId ?? versioned });
  };
  for (const call of calls) {
    if (!call.result.ok) continue;
    const value = call.result.value;
    const asked = str(argumentsOf(call).id);
    switch (call.name) {
      case "paper": {
        const p = obj(value);
        if (p !== null) add(str(p.id) ?? asked, str(p.title), str(p.versionedId));
        break;
      }
      case "read_paper": {
        const p = obj(value);
        if (p !== null && typeof p.text === "string") add(str(p.id) ?? asked);
        break;
      }
      case "search_papers":
      case "search_arxiv":
        if (Array.isArray(value)) for (const p of value) add(str(obj(p)?.id), str(obj(p)?.title), str(obj(p)?.versionedId));
        break;
      case "paper_references":
      case "paper_citations":
        if (Array.isArray(value) && value.length > 0) {
          add(asked);
          for (const p of value) add(str(obj(p)?.arxivId), str(obj(p)?.title));
        }
        break;
      case "paper_datasets": {
        const v = obj(value);
        const found = (Array.isArray(v?.items) ? v.items.length : 0) + (Array.isArray(v?.refused) ? v.refused.length : 0);
        if (found > 0) add(asked);
        break;
      }
      default:
        break;
    }
  }
  return out;
}
