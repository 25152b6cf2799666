import { describe, expect, it } from "vitest";
import { papersFetched, type PaperToolCall } from "../../src/stages/papers-fetched.js";

const ok = (name: string, args: Record<string, unknown>, value: unknown): PaperToolCall => ({ name, arguments: JSON.stringify(args), result: { ok: true, value } });

describe("which papers a stage's tools fetched", () => {
  it("counts a paper's own record from a source, never a paper only named", () => {
    const fetched = papersFetched([
      ok("paper", { id: "2501.01234" }, { id: "2501.01234", versionedId: null, title: "Science Chat" }),
      ok("read_paper", { id: "2311.12022v1" }, { id: "2311.12022v1", text: "GPQA ...", truncated: false }),
      ok("search_arxiv", { query: "ti:x" }, [{ id: "2502.05678", versionedId: "2502.05678v1", title: "Scaling" }]),
      ok("search_papers", { query: "x" }, [{ id: "2503.00001", versionedId: null, title: "Found by search" }]),
      ok("paper_references", { id: "2504.00001" }, [{ arxivId: "2504.00002", title: "Cited" }, { arxivId: null, title: "Not on arXiv" }]),
      ok("paper_citations", { id: "2505.00001" }, []),
      ok("paper_datasets", { id: "2506.00001" }, { items: [], refused: [{ id: "evil/x", reason: "denied" }] }),
      ok("paper_datasets", { id: "2507.00001" }, { items: [], refused: [] }),
      { name: "paper", arguments: { id: "2508.00001" }, result: { ok: false, error: "paper 2508.00001 was not found" } },
      // A dataset card naming a paper fetches nothing.
      ok("dataset_info", { id: "a/b" }, { id: "a/b", arxivIds: ["2509.00001"], card: "see arXiv 2509.00002" }),
    ]);
    expect([...fetched.keys()].sort()).toEqual(["2311.12022", "2501.01234", "2502.05678", "2503.00001", "2504.00001", "2504.00002", "2506.00001"]);
    expect(fetched.get("2311.12022")).toEqual({ id: "2311.12022", title: null, versionedId: "2311.12022v1" });
    expect(fetched.get("2502.05678")).toEqual({ id: "2502.05678", title: "Scaling", versionedId: "2502.05678v1" });
  });

  it("keeps the first title a source gave, and fills one in when a later result has it", () => {
    const fetched = papersFetched([
      ok("read_paper", { id: "2501.01234" }, { id: "2501.01234", text: "..." }),
      ok("search_papers", { query: "x" }, [{ id: "2501.01234", title: "Science Chat" }]),
      ok("paper", { id: "2501.01234" }, { id: "2501.01234", title: "Another title" }),
    ]);
    expect(fetched.get("2501.01234")).toEqual({ id: "2501.01234", title: "Science Chat", versionedId: null });
  });
});
