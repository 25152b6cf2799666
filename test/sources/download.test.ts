import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { downloadDataset, type DatasetManifest, type DownloadProgress } from "../../src/sources/index.js";
import { failure } from "../helpers/errors.js";
import { contextFor, policyFor, TOKEN, useEmulators } from "./setup.js";

const emu = useEmulators();
const MAIN = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const V1 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
const SCENARIO = "test/emulators/scenarios/injection/datasets/openscience/science-qa/commits";
const dirs: string[] = [];
function cache(): string {
  const d = mkdtempSync(join(tmpdir(), "intern-hub-cache-"));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("downloadDataset", () => {
  it("downloads files at the pinned commit into the content-addressed cache, with a manifest", async () => {
    const e = emu();
    const dir = cache();
    const r = await downloadDataset(contextFor(e), policyFor(), { id: "openscience/science-qa", revision: "main", files: ["data/train.jsonl", "data/validation.parquet"], cacheDir: dir });
    expect(r.sha).toBe(MAIN);
    expect(r.fromCache).toEqual([]);
    for (const f of r.files) {
      const want = readFileSync(join(SCENARIO, MAIN, f.path));
      expect(f.sha256).toBe(sha256(want));
      expect(f.bytes).toBe(want.length);
      expect(f.cachePath).toBe(join(dir, "blobs", "sha256", f.sha256));
      expect(readFileSync(f.cachePath).equals(want)).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(r.manifestPath, "utf8")) as DatasetManifest;
    expect(r.manifestPath).toBe(join(dir, "datasets", "openscience", "science-qa", MAIN, "manifest.json"));
    expect(manifest).toMatchObject({ id: "openscience/science-qa", sha: MAIN, licenses: ["apache-2.0"], gated: false });
    expect(manifest.files["data/train.jsonl"]!.sha256).toBe(r.files[0]!.sha256);
    // Every file was read at the commit, never at the moving branch.
    const resolves = e.hub.requests.filter((q) => q.url.includes("/resolve/") && q.url.includes("data/"));
    expect(resolves.length).toBeGreaterThan(0);
    expect(resolves.every((q) => q.url.includes(`/resolve/${MAIN}/`))).toBe(true);
  });

  it("reports the bytes fetched of the files not in the cache, ending at their total; nothing for a cache hit", async () => {
    const dir = cache();
    const files = ["data/train.jsonl", "data/validation.parquet"];
    const total = files.reduce((sum, f) => sum + readFileSync(join(SCENARIO, MAIN, f)).length, 0);
    const seen: DownloadProgress[] = [];
    await downloadDataset(contextFor(emu()), policyFor(), { id: "openscience/science-qa", revision: MAIN, files, cacheDir: dir, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toMatchObject({ file: "data/validation.parquet", bytes: total, totalBytes: total, etaSeconds: 0 });
    for (const [i, p] of seen.entries()) expect(p.bytes).toBeGreaterThanOrEqual(seen[i - 1]?.bytes ?? 0);
    const again: DownloadProgress[] = [];
    await downloadDataset(contextFor(emu()), policyFor(), { id: "openscience/science-qa", revision: MAIN, files, cacheDir: dir, onProgress: (p) => again.push(p) });
    expect(again).toEqual([]);
  });

  it("reads an older tag's own content", async () => {
    const r = await downloadDataset(contextFor(emu()), policyFor(), { id: "openscience/science-qa", revision: "v1.0", files: ["data/train.jsonl"], cacheDir: cache() });
    expect(r.sha).toBe(V1);
    expect(readFileSync(r.files[0]!.cachePath, "utf8")).toContain("speed of light");
  });

  it("is a cache hit the second time: nothing fetched for a commit, nothing downloaded for a branch", async () => {
    const e = emu();
    const dir = cache();
    const req = { id: "openscience/science-qa", revision: MAIN, files: ["data/train.jsonl"], cacheDir: dir };
    const first = await downloadDataset(contextFor(e), policyFor(), req);
    const before = e.hub.requests.length;
    const second = await downloadDataset(contextFor(e), policyFor(), req);
    expect(e.hub.requests.length).toBe(before);
    expect(second.fromCache).toEqual(["data/train.jsonl"]);
    expect(second.files).toEqual(first.files);
    const third = await downloadDataset(contextFor(e), policyFor(), { ...req, revision: "main" });
    expect(third.fromCache).toEqual(["data/train.jsonl"]);
    expect(e.hub.requests.slice(before).some((q) => q.url.includes("/resolve/") || q.url.startsWith("/cdn/"))).toBe(false);
  });

  it("leaves no partial file when the connection is cut, and succeeds the next time", async () => {
    const e = emu();
    const dir = cache();
    e.hub.fault({ path: /^\/cdn\//, when: (r) => r.headers.range === undefined, times: 1, cutBody: true });
    const req = { id: "openscience/science-qa", revision: MAIN, files: ["data/validation.parquet"], cacheDir: dir };
    const err = await failure(downloadDataset(contextFor(e), policyFor(), req));
    expect(err.message).toContain("downloading data/validation.parquet");
    expect(readdirSync(join(dir, "blobs", "sha256"))).toEqual([]);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect(existsSync(join(dir, "datasets", "openscience", "science-qa", MAIN, "manifest.json"))).toBe(false);
    const ok = await downloadDataset(contextFor(e), policyFor(), req);
    expect(ok.fromCache).toEqual([]);
    expect(readdirSync(join(dir, "blobs", "sha256"))).toEqual([ok.files[0]!.sha256]);
  });

  it("stops a stalled download at once when cancelled, leaving no partial file, and fetches it whole the next time", async () => {
    const e = emu();
    const dir = cache();
    e.hub.fault({ path: /^\/cdn\//, when: (r) => r.headers.range === undefined, times: 1, stallBody: true });
    const req = { id: "openscience/science-qa", revision: MAIN, files: ["data/validation.parquet"], cacheDir: dir };
    const controller = new AbortController();
    const pending = downloadDataset(contextFor(e), policyFor(), { ...req, signal: controller.signal });
    // Abort once the first half has arrived and the transfer hangs.
    const started = Date.now();
    while (!existsSync(join(dir, "tmp")) || readdirSync(join(dir, "tmp")).length === 0) {
      if (Date.now() - started > 10_000) throw new Error("the download never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    const abortedAt = Date.now();
    controller.abort();
    const err = await failure(pending);
    expect(err.code).toBe("INTERN_CANCELLED");
    expect(err.message).toBe("the download was cancelled");
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect(existsSync(join(dir, "blobs", "sha256")) ? readdirSync(join(dir, "blobs", "sha256")) : []).toEqual([]);
    const r = await downloadDataset(contextFor(e), policyFor(), req);
    expect(r.files[0]!.sha256).toBe(sha256(readFileSync(join(SCENARIO, MAIN, "data/validation.parquet"))));
  });

  it("checks content against the Hub's sha256", async () => {
    const e = emu();
    const dir = cache();
    e.hub.fault({ path: /^\/cdn\//, when: (r) => r.headers.range === undefined, times: 1, status: 200, body: "{\"tampered\":true}\n", headers: { "content-type": "application/octet-stream" } });
    const err = await failure(downloadDataset(contextFor(e), policyFor(), { id: "openscience/science-qa", revision: MAIN, files: ["data/test.jsonl"], cacheDir: dir }));
    expect(["INTERN_SOURCE_CORRUPT", "INTERN_SOURCE_HTTP"]).toContain(err.code);
    expect(readdirSync(join(dir, "blobs", "sha256"))).toEqual([]);
  });

  it("refuses what the policy refuses, before and after reading the Hub, even from the cache", async () => {
    const e = emu();
    const dir = cache();
    const evil = await failure(downloadDataset(contextFor(e), policyFor(), { id: "evil/science-answers", revision: "main", files: ["data/train.jsonl"], cacheDir: dir }));
    expect(evil.code).toBe("INTERN_SOURCE_REFUSED");
    const bench = await failure(downloadDataset(contextFor(e), policyFor(), { id: "Idavidrein/gpqa", revision: "main", files: ["data/train.jsonl"], cacheDir: dir }));
    expect(bench.message).toContain("benchmark's own dataset");
    // Downloaded under a recipe that accepts apache-2.0, then refused by one that does not.
    const req = { id: "openscience/science-qa", revision: MAIN, files: ["data/train.jsonl"], cacheDir: dir };
    await downloadDataset(contextFor(e), policyFor(), req);
    const strict = await failure(downloadDataset(contextFor(e), policyFor({ licenses: ["mit"] }), req));
    expect(strict.message).toContain("license apache-2.0 is not in sources.licenses (mit)");
  });

  it("downloads a gated dataset with HF_TOKEN when the recipe allows it", async () => {
    const r = await downloadDataset(contextFor(emu(), { HF_TOKEN: TOKEN }), policyFor({ allow_gated: true }, true), { id: "gated-lab/science-restricted", revision: "main", files: ["data/train.jsonl"], cacheDir: cache() });
    expect(readFileSync(r.files[0]!.cachePath, "utf8")).toContain("gated-lab/science-restricted");
  });

  it("refuses files that are not Parquet or JSONL, and missing files", async () => {
    const ctx = contextFor(emu());
    const md = await failure(downloadDataset(ctx, policyFor(), { id: "openscience/science-qa", revision: MAIN, files: ["README.md"], cacheDir: cache() }));
    expect(md.code).toBe("INTERN_SOURCE_UNSUPPORTED");
    const missing = await failure(downloadDataset(ctx, policyFor(), { id: "openscience/science-qa", revision: MAIN, files: ["data/nope.jsonl"], cacheDir: cache() }));
    expect(missing.code).toBe("INTERN_SOURCE_NOT_FOUND");
    // Compressed JSON Lines are data files: asked for, they are looked up (and missing here), not refused by name.
    for (const name of ["data/nope.jsonl.gz", "data/nope.jsonl.zst"]) {
      const compressed = await failure(downloadDataset(ctx, policyFor(), { id: "openscience/science-qa", revision: MAIN, files: [name], cacheDir: cache() }));
      expect(compressed.code).toBe("INTERN_SOURCE_NOT_FOUND");
    }
    const gz = await failure(downloadDataset(ctx, policyFor(), { id: "openscience/science-qa", revision: MAIN, files: ["data/train.csv.gz"], cacheDir: cache() }));
    expect(gz.code).toBe("INTERN_SOURCE_UNSUPPORTED");
  });
});
