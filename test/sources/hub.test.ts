import { describe, expect, it } from "vitest";
import { datasetInfo, hubTokenOwner, linkedToPaper, listDatasetFiles, modelInfo, searchDatasets, searchModels } from "../../src/sources/index.js";
import { failure } from "../helpers/errors.js";
import { contextFor, policyFor, TOKEN, useEmulators } from "./setup.js";

const emu = useEmulators();
const MAIN = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const V1 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";

describe("Hub search", () => {
  it("follows Link pagination, returns summaries with licenses, and reports what the policy refused", async () => {
    const e = emu();
    const before = e.hub.requests.length;
    const r = await searchDatasets(contextFor(e), policyFor(), { query: "science", limit: 50 });
    const pages = e.hub.requests.slice(before).filter((q) => q.url.startsWith("/api/datasets?"));
    expect(pages.length).toBe(3); // six matches, two a page
    expect(pages[1]!.url).toContain("cursor=2");
    expect(r.items.map((d) => d.id)).toEqual(["openscience/science-qa", "helpful/science-chat"]);
    expect(r.items[0]).toMatchObject({ kind: "dataset", licenses: ["apache-2.0"], gated: false, sha: MAIN, downloads: 900 });
    expect(r.items[0]!.tags).toContain("license:apache-2.0");
    expect(r.refused).toEqual([
      { kind: "dataset", id: "evil/science-answers", reason: "denied by sources.datasets.deny (`evil/**`)" },
      { kind: "dataset", id: "gated-lab/science-restricted", reason: "it is gated and sources.allow_gated is false" },
      { kind: "dataset", id: "anon/science-unlicensed", reason: "it declares no license" },
      { kind: "dataset", id: "corp/science-proprietary", reason: expect.stringMatching(/^license other is not in sources.licenses/) },
    ]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("stops at the limit", async () => {
    const r = await searchDatasets(contextFor(emu()), policyFor({ datasets: { allow: ["**"] } }), { query: "science", limit: 3 });
    expect(r.items.length + r.refused.length).toBe(3);
  });

  it("searches models through the model policy", async () => {
    const r = await searchModels(contextFor(emu()), policyFor(), { query: "science" });
    expect(r.items.map((m) => m.id)).toEqual(["openscience/science-tuned-1b"]);
    expect(r.refused).toEqual([{ kind: "model", id: "evil/science-model", reason: "denied by sources.models.deny (`evil/**`)" }]);
  });

  it("finds datasets and models linked to a paper, still through the policy", async () => {
    const e = emu();
    const r = await linkedToPaper(contextFor(e), policyFor(), "2501.01234v2");
    expect(r.datasets.items.map((d) => d.id)).toEqual(["helpful/science-chat"]);
    expect(r.datasets.refused.map((x) => x.id)).toEqual(["evil/science-answers"]);
    expect(r.models.items.map((m) => m.id)).toEqual(["openscience/science-tuned-1b"]);
    expect(e.hub.requests.some((q) => q.url.includes("filter=arxiv%3A2501.01234&"))).toBe(true);
  });
});

describe("Hub info and files", () => {
  it("resolves a branch and a tag to their commits, with license, tags and card", async () => {
    const ctx = contextFor(emu());
    const main = await datasetInfo(ctx, policyFor(), "openscience/science-qa", "main");
    expect(main).toMatchObject({ id: "openscience/science-qa", revision: "main", sha: MAIN, licenses: ["apache-2.0"], gated: false, arxivIds: [] });
    expect(main.card).toContain("Multiple-choice science questions");
    const v1 = await datasetInfo(ctx, policyFor(), "openscience/science-qa", "v1.0", { cardChars: 10 });
    expect(v1.sha).toBe(V1);
    expect(v1.card).toHaveLength(10);
    expect(v1.cardTruncated).toBe(true);
  });

  it("reads arXiv links and model info", async () => {
    const m = await modelInfo(contextFor(emu()), policyFor(), "openscience/science-tuned-1b");
    expect(m).toMatchObject({ kind: "model", arxivIds: ["2501.01234"], licenses: ["apache-2.0"] });
  });

  it("parses gating, and refuses a gated dataset without allow_gated, and without a token", async () => {
    const e = emu();
    const err = await failure(datasetInfo(contextFor(e), policyFor(), "gated-lab/science-restricted"));
    expect(err.code).toBe("INTERN_SOURCE_REFUSED");
    expect(err.message).toBe("refused gated-lab/science-restricted: it is gated and sources.allow_gated is false");
    const noToken = await failure(datasetInfo(contextFor(e), policyFor({ allow_gated: true }, false), "gated-lab/science-restricted"));
    expect(noToken.message).toContain("HF_TOKEN is not set");
    const ok = await datasetInfo(contextFor(e, { HF_TOKEN: TOKEN }), policyFor({ allow_gated: true }, true), "gated-lab/science-restricted");
    expect(ok.gated).toBe("manual");
    expect(ok.card).toContain("accept the conditions");
  });

  it("lists files at a revision through the real client, with LFS digests", async () => {
    const ctx = contextFor(emu());
    const files = await listDatasetFiles(ctx, policyFor(), "openscience/science-qa", MAIN);
    expect(files.filter((f) => f.type === "file").map((f) => f.path).sort()).toEqual(["README.md", "data/test.jsonl", "data/train.jsonl", "data/validation.parquet"]);
    expect(files.find((f) => f.path === "data/train.jsonl")!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(files.find((f) => f.path === "README.md")!.sha256).toBeNull();
    const old = await listDatasetFiles(ctx, policyFor(), "openscience/science-qa", "v1.0");
    expect(old.filter((f) => f.type === "file").map((f) => f.path).sort()).toEqual(["README.md", "data/train.jsonl"]);
  });

  it("never contacts the Hub for an id the policy refuses", async () => {
    const e = emu();
    const before = e.hub.requests.length;
    const err = await failure(listDatasetFiles(contextFor(e), policyFor(), "evil/science-answers", "main"));
    expect(err.code).toBe("INTERN_SOURCE_REFUSED");
    expect(e.hub.requests.length).toBe(before);
  });

  it("says what the Hub said for a missing repository or revision", async () => {
    const ctx = contextFor(emu());
    const repo = await failure(datasetInfo(ctx, policyFor(), "openscience/nope"));
    expect(repo.code).toBe("INTERN_SOURCE_NOT_FOUND");
    expect(repo.message).toContain("Repository not found");
    const rev = await failure(datasetInfo(ctx, policyFor(), "openscience/science-qa", "no-such-branch"));
    expect(rev.message).toContain("Invalid rev id: no-such-branch");
  });

  it("checks HF_TOKEN with whoami-v2", async () => {
    const e = emu();
    expect(await hubTokenOwner(contextFor(e))).toBeNull();
    expect(await hubTokenOwner(contextFor(e, { HF_TOKEN: TOKEN }))).toEqual({ name: "intern-tester", role: "read" });
  });

  it("never puts HF_TOKEN in an error", async () => {
    const e = emu();
    const wrong = "hf_wrongTokenThatMustNotLeak42";
    // A proxy that echoes credentials back in its error page.
    e.hub.fault({ path: /^\/api\/datasets\/openscience\/science-qa\/revision\//, times: 1, status: 403, body: JSON.stringify({ error: `token ${wrong} is not allowed here` }) });
    const err = await failure(datasetInfo(contextFor(e, { HF_TOKEN: wrong }), policyFor(), "openscience/science-qa"));
    expect(err.code).toBe("INTERN_SOURCE_AUTH");
    expect(err.message).toContain("token *** is not allowed");
    expect(`${err.message} ${err.hint} ${JSON.stringify(err)} ${String(err.stack)}`).not.toContain(wrong);
    const invalid = await failure(searchDatasets(contextFor(e, { HF_TOKEN: wrong }), policyFor(), { query: "science" }));
    expect(invalid.code).toBe("INTERN_SOURCE_AUTH");
    expect(`${invalid.message} ${JSON.stringify(invalid)}`).not.toContain(wrong);
  });
});
