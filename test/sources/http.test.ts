import { describe, expect, it } from "vitest";
import { createSourceContext, DEFAULT_ENDPOINTS, queryArxiv, resolveEndpoints, searchDatasets, searchHfPapers, viewerSplits, paperReferences, readPaperText } from "../../src/sources/index.js";
import { retryAfterMs } from "../../src/sources/http.js";
import { failure } from "../helpers/errors.js";
import { contextFor, policyFor, useEmulators } from "./setup.js";

const emu = useEmulators();

describe("endpoints", () => {
  it("defaults to the public services and reads each variable", () => {
    expect(resolveEndpoints({})).toEqual(DEFAULT_ENDPOINTS);
    expect(resolveEndpoints({ HF_ENDPOINT: "http://mirror:8080/", INTERN_ARXIV_URL: "http://arxiv.local" })).toMatchObject({ hub: "http://mirror:8080", arxiv: "http://arxiv.local", arxivHtml: "http://arxiv.local" });
    expect(resolveEndpoints({ INTERN_ARXIV_URL: "http://a", INTERN_ARXIV_HTML_URL: "http://h" }).arxivHtml).toBe("http://h");
    expect(() => resolveEndpoints({ INTERN_SEMANTIC_SCHOLAR_URL: "ftp://x" })).toThrow(/INTERN_SEMANTIC_SCHOLAR_URL must be an http/);
  });

  it("every service goes where its variable points", async () => {
    const e = emu();
    const ctx = contextFor(e);
    const counts = () => [e.hub, e.arxiv, e.semanticScholar, e.datasetViewer].map((x) => x.requests.length);
    const before = counts();
    await searchDatasets(ctx, policyFor(), { query: "science-qa" });
    await searchHfPapers(ctx, "science");
    await queryArxiv(ctx, { ids: ["2311.12022"] });
    await readPaperText(ctx, "2501.01234");
    await paperReferences(ctx, "2501.01234");
    await viewerSplits(ctx, policyFor(), "openscience/science-qa");
    const after = counts();
    expect(after.map((n, i) => n - before[i]!)).toEqual([2, 2, 1, 1]);
  });

  it("an unreachable service is a clear error naming its variable", async () => {
    const ctx = createSourceContext({ INTERN_ARXIV_URL: "http://127.0.0.1:9" }, { http: { retries: 1, baseDelayMs: 1, timeoutMs: 2000 } });
    const err = await failure(queryArxiv(ctx, { search: "all:x" }));
    expect(err.code).toBe("INTERN_SOURCE_UNREACHABLE");
    expect(err.message).toContain("after 2 attempts");
    expect(err.hint).toContain("INTERN_ARXIV_URL");
  });
});

describe("retries", () => {
  it("retries 429 honouring Retry-After, and 500s, through the Hub client too", async () => {
    const e = emu();
    e.hub.fault({ path: /^\/api\/datasets$/, times: 1, status: 429, retryAfter: "1" });
    e.hub.fault({ path: /^\/api\/datasets$/, times: 1, status: 500 });
    const start = Date.now();
    const r = await searchDatasets(contextFor(e), policyFor(), { query: "science-qa" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(r.items.map((d) => d.id)).toEqual(["openscience/science-qa"]);
    e.semanticScholar.fault({ path: /references$/, times: 2, status: 503 });
    expect(await paperReferences(contextFor(e), "2501.01234")).toHaveLength(2);
  });

  it("gives up after the configured attempts with the service's answer", async () => {
    const e = emu();
    e.datasetViewer.fault({ path: /^\/splits$/, times: 3, status: 500, body: JSON.stringify({ error: "worker crashed" }) });
    const err = await failure(viewerSplits(contextFor(e), policyFor(), "openscience/science-qa"));
    expect(err.code).toBe("INTERN_SOURCE_HTTP");
    expect(err.message).toContain("answered 500: worker crashed");
  });

  it("reads Retry-After as seconds or a date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null)).toBeNull();
  });
});
