import { describe, expect, it } from "vitest";
import { hfPaper, paperCitations, paperReferences, parseArxivAtom, queryArxiv, readPaperText, searchHfPapers, truncateText } from "../../src/sources/index.js";
import { failure } from "../helpers/errors.js";
import { contextFor, useEmulators } from "./setup.js";

const emu = useEmulators();

describe("Hugging Face Papers", () => {
  it("searches and reads details", async () => {
    const ctx = contextFor(emu());
    const found = await searchHfPapers(ctx, "graduate-level science");
    expect(found.map((p) => p.id).sort()).toEqual(["2311.12022", "2501.01234"]);
    expect(found.find((p) => p.id === "2501.01234")).toMatchObject({ authors: ["Ada Lovelace", "Alan Turing"], source: "hf-papers", published: "2025-01-07T18:00:00Z" });
    const one = await hfPaper(ctx, "2311.12022v1");
    expect(one.title).toBe("GPQA: A Graduate-Level Google-Proof Q&A Benchmark");
    expect(one.authors).toHaveLength(8);
    const missing = await failure(hfPaper(ctx, "2502.05678"));
    expect(missing.code).toBe("INTERN_SOURCE_NOT_FOUND");
    expect((await failure(hfPaper(ctx, "not-an-id"))).code).toBe("INTERN_SOURCE_BAD_ID");
  });
});

describe("arXiv", () => {
  it("parses Atom entries: id with version, title, summary, authors, published", async () => {
    const papers = await queryArxiv(contextFor(emu()), { ids: ["2311.12022", "2501.01234"] });
    const gpqa = papers.find((p) => p.id === "2311.12022")!;
    expect(gpqa).toEqual({
      id: "2311.12022",
      versionedId: "2311.12022v1",
      title: "GPQA: A Graduate-Level Google-Proof Q&A Benchmark",
      summary: expect.stringMatching(/^We present GPQA, a challenging dataset of 448 multiple-choice questions written by domain experts/),
      authors: expect.arrayContaining(["David Rein", "Samuel R. Bowman"]),
      published: "2023-11-20T18:57:34Z",
      source: "arxiv",
    });
    expect(papers.find((p) => p.id === "2501.01234")!.versionedId).toBe("2501.01234v2");
  });

  it("searches, and reports arXiv's own error entries", async () => {
    const ctx = contextFor(emu());
    expect((await queryArxiv(ctx, { search: "all:synthetic AND all:science" })).map((p) => p.id)).toEqual(["2502.05678"]);
    expect(() => parseArxivAtom("<html>proxy login</html>")).toThrow(/not an Atom feed/);
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#x</id><title>Error</title><summary>malformed query</summary></entry></feed>`;
    expect(() => parseArxivAtom(xml)).toThrow(/arXiv refused the query: malformed query/);
  });

  it("reads a paper's HTML as text, without scripts or page chrome, math as LaTeX, cut to the budget", async () => {
    const ctx = contextFor(emu());
    const full = await readPaperText(ctx, "2501.01234v2", 100_000);
    expect(full.truncated).toBe(false);
    expect(full.text).toContain("Science Chat & measure accuracy on GPQA.");
    expect(full.text).toContain("learning rate of 2\\times 10^{-5}");
    expect(full.text).not.toMatch(/MathJax|margin|LaTeXML|1 Introduction\n.*1 Introduction/);
    expect(full.totalChars).toBe(full.text.length);
    const cut = await readPaperText(ctx, "2501.01234", 300);
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(300);
    expect(cut.text.length).toBeGreaterThan(200);
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect((await failure(readPaperText(ctx, "2311.12022"))).message).toBe("paper 2311.12022 has no HTML version on arXiv");
  });

  it("truncates at a word break near the budget", () => {
    expect(truncateText("alpha beta gamma delta", 11)).toEqual({ text: "alpha beta", truncated: true });
    expect(truncateText("short", 10)).toEqual({ text: "short", truncated: false });
  });
});

describe("Semantic Scholar", () => {
  it("reads references and citations", async () => {
    const e = emu();
    const refs = await paperReferences(contextFor(e), "2501.01234v2");
    expect(refs).toEqual([
      { paperId: "210b0a3d76e93079cc51b03c4115fde545eea966", arxivId: "2311.12022", title: "GPQA: A Graduate-Level Google-Proof Q&A Benchmark", year: 2023, authors: expect.arrayContaining(["David Rein"]) },
      { paperId: null, arxivId: null, title: "Training language models to follow instructions with human feedback", year: 2022, authors: ["Long Ouyang"] },
    ]);
    expect(e.semanticScholar.requests.at(-1)!.url).toMatch(/^\/graph\/v1\/paper\/arXiv:2501\.01234\/references\?fields=/);
    const cites = await paperCitations(contextFor(e), "2311.12022");
    expect(cites.map((c) => c.arxivId)).toEqual(["2501.01234"]);
    expect((await failure(paperReferences(contextFor(e), "2599.99999"))).code).toBe("INTERN_SOURCE_NOT_FOUND");
  });
});
