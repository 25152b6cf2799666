import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { downloadFile, pathsInfo } from "@huggingface/hub";
import { cancelled, InternError } from "../errors.js";
import { RateMeter } from "../progress/meter.js";
import type { SourceContext } from "./context.js";
import { datasetInfo } from "./hub.js";
import { hubCall, hubFailure } from "./hub-errors.js";
import { assertAllowed, idRefusal, refusalOf, type SourcePolicy } from "./policy.js";

/** File kinds data preparation reads: Parquet, JSON Lines (plain, gzip or zstd), JSON. */
const DATA_FILE = /\.(parquet|jsonl|jsonl\.gz|jsonl\.zst|json)$/i;
const SHA = /^[0-9a-f]{40}$/;

export interface DownloadRequest {
  /** `owner/name`. */
  id: string;
  /** A branch, tag or commit; resolved to a commit once, and every file is read at that commit. */
  revision: string;
  /** Paths in the repository: Parquet, JSONL (.jsonl, .jsonl.gz, .jsonl.zst) or JSON files. */
  files: string[];
  /** The content-addressed cache (`blobs/sha256/<digest>`, `datasets/<owner>/<name>/<commit>/manifest.json`). */
  cacheDir: string;
  /** Called at most twice a second while files are fetched, and once when the last is complete. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Stops the download (Ctrl-C): the file being fetched is dropped, those complete stay cached. */
  signal?: AbortSignal;
}

/** How far the files not yet in the cache have come. */
export interface DownloadProgress {
  /** The file being fetched. */
  file: string;
  /** Bytes fetched so far, and in all, over the files that were not in the cache. */
  bytes: number;
  totalBytes: number;
  /** Megabytes (10^6) a second since the first byte was asked for. */
  mbPerSecond: number;
  /** Seconds left at this rate; null before there is a rate. */
  etaSeconds: number | null;
}

/** Reports fetched bytes to `onProgress`, at most every `intervalMs`, always at the end. */
class DownloadMeter {
  private readonly meter: RateMeter;
  bytes = 0;
  constructor(
    private readonly totalBytes: number,
    private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
    intervalMs = 500,
  ) {
    this.meter = new RateMeter(intervalMs, 0.001);
  }

  add(file: string, bytes: number, final = false): void {
    this.bytes += bytes;
    if (this.onProgress === undefined) return;
    const reading = this.meter.read(this.bytes, this.totalBytes, final);
    if (reading === null) return;
    this.onProgress({ file, bytes: this.bytes, totalBytes: this.totalBytes, mbPerSecond: reading.perSecond / 1e6, etaSeconds: reading.etaSeconds });
  }
}

export interface DownloadedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** Where the content lies in the cache: `blobs/sha256/<sha256>` under the cache folder. */
  cachePath: string;
}

export interface DatasetDownload {
  id: string;
  revision: string;
  /** The commit every file was read at. */
  sha: string;
  files: DownloadedFile[];
  manifestPath: string;
  /** Paths that were already in the cache (nothing was fetched for them). */
  fromCache: string[];
}

/** The manifest of one dataset commit: what the Hub said about it, and each file's digest. */
export interface DatasetManifest {
  id: string;
  sha: string;
  licenses: string[];
  gated: false | "auto" | "manual";
  files: Record<string, { sha256: string; bytes: number }>;
}

function manifestPath(cacheDir: string, id: string, sha: string): string {
  return join(cacheDir, "datasets", ...id.split("/"), sha, "manifest.json");
}

async function readManifest(path: string): Promise<DatasetManifest | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as DatasetManifest;
  } catch {
    return null;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.part`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

function checkPath(id: string, path: string): void {
  if (!DATA_FILE.test(path)) throw new InternError("INTERN_SOURCE_UNSUPPORTED", `${id}/${path} is not a Parquet or JSONL file`, { hint: "pick the dataset's .parquet or .jsonl files (listDatasetFiles shows them)" });
  if (path.startsWith("/") || path.split("/").some((s) => s === ".." || s === "" || s === ".")) throw new InternError("INTERN_SOURCE_UNSUPPORTED", `${JSON.stringify(path)} is not a plain path inside ${id}`);
}

/**
 * Downloads dataset files at a pinned commit into the content-addressed cache. The policy is
 * checked first (from the manifest on a cache hit, from the Hub otherwise). Each file is streamed
 * to a temporary name while hashed, checked against the Hub's sha256 when it has one, then renamed
 * to its digest, so an interrupted download never leaves a partial file under a final name. A
 * second call for the same commit and files reads nothing from the network when the revision is a
 * commit, and downloads nothing when it is a branch or tag.
 */
export async function downloadDataset(ctx: SourceContext, policy: SourcePolicy, request: DownloadRequest): Promise<DatasetDownload> {
  const { id, revision, cacheDir } = request;
  const files = [...new Set(request.files)];
  if (files.length === 0) throw new InternError("INTERN_SOURCE_UNSUPPORTED", `no files named to download from ${id}`);
  files.forEach((f) => checkPath(id, f));
  const early = idRefusal(policy, "dataset", id);
  if (early !== null) assertAllowed(early);

  let manifest: DatasetManifest | null = SHA.test(revision) ? await readManifest(manifestPath(cacheDir, id, revision)) : null;
  if (manifest === null) {
    const info = await datasetInfo(ctx, policy, id, revision, { card: false });
    manifest = (await readManifest(manifestPath(cacheDir, id, info.sha))) ?? { id, sha: info.sha, licenses: info.licenses, gated: info.gated, files: {} };
    manifest = { ...manifest, licenses: info.licenses, gated: info.gated };
  }
  assertAllowed(refusalOf(policy, { kind: "dataset", id, licenses: manifest.licenses, gated: manifest.gated }));
  const sha = manifest.sha;
  const mPath = manifestPath(cacheDir, id, sha);
  const blobDir = join(cacheDir, "blobs", "sha256");
  const tmpDir = join(cacheDir, "tmp");

  const fromCache: string[] = [];
  const missing: string[] = [];
  for (const f of files) {
    const known = manifest.files[f];
    if (known !== undefined && (await sizeOf(join(blobDir, known.sha256))) === known.bytes) fromCache.push(f);
    else missing.push(f);
  }

  if (missing.length > 0) {
    await mkdir(blobDir, { recursive: true });
    await mkdir(tmpDir, { recursive: true });
    await mkdir(join(mPath, ".."), { recursive: true });
    const token = ctx.hfToken === null ? {} : { accessToken: ctx.hfToken };
    const expected = await hubCall(ctx, `reading file details of dataset ${id} at ${sha}`, () =>
      pathsInfo({ hubUrl: ctx.endpoints.hub, fetch: ctx.fetchFor("hub"), ...token, repo: { type: "dataset", name: id }, paths: missing, revision: sha }),
    );
    const meter = new DownloadMeter(
      missing.reduce((sum, f) => sum + (expected.find((e) => e.path === f)?.size ?? 0), 0),
      request.onProgress,
    );
    for (const [n, f] of missing.entries()) {
      const entry = expected.find((e) => e.path === f && e.type === "file");
      if (entry === undefined) throw new InternError("INTERN_SOURCE_NOT_FOUND", `dataset ${id} has no file ${f} at ${sha}`, { hint: "list the dataset's files at that revision to see what it has" });
      if (request.signal?.aborted) throw cancelled("the download");
      const got = await fetchToCache(ctx, id, sha, f, blobDir, tmpDir, entry.lfs?.oid ?? null, (bytes) => meter.add(f, bytes), request.signal);
      if (n === missing.length - 1) meter.add(f, 0, true);
      manifest = { ...manifest, files: { ...manifest.files, [f]: got } };
      // Recorded after each file, so an interruption keeps what is already complete.
      await writeAtomic(mPath, `${JSON.stringify(manifest, null, 2)}\n`);
    }
  } else if (!(await sizeOf(mPath))) {
    await mkdir(join(mPath, ".."), { recursive: true });
    await writeAtomic(mPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }

  return {
    id,
    revision,
    sha,
    files: files.map((f) => ({ path: f, ...manifest!.files[f]!, cachePath: join(blobDir, manifest!.files[f]!.sha256) })),
    manifestPath: mPath,
    fromCache,
  };
}

async function fetchToCache(
  ctx: SourceContext,
  id: string,
  sha: string,
  path: string,
  blobDir: string,
  tmpDir: string,
  expectedSha256: string | null,
  onBytes: (bytes: number) => void,
  signal: AbortSignal | undefined,
): Promise<{ sha256: string; bytes: number }> {
  const what = `downloading ${path} of dataset ${id} at ${sha}`;
  const tmp = join(tmpDir, `${randomBytes(8).toString("hex")}.part`);
  let stop: (() => void) | null = null;
  try {
    const blob = await downloadFile({ hubUrl: ctx.endpoints.hub, fetch: ctx.downloadFetch, ...(ctx.hfToken === null ? {} : { accessToken: ctx.hfToken }), repo: { type: "dataset", name: id }, path, revision: sha, xet: false });
    if (blob === null) throw new InternError("INTERN_SOURCE_NOT_FOUND", `dataset ${id} has no file ${path} at ${sha}`);
    const hash = createHash("sha256");
    let bytes = 0;
    const source = Readable.fromWeb(blob.stream() as import("node:stream/web").ReadableStream<Uint8Array>);
    source.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(chunk.length);
    });
    // Ctrl-C ends the body at once, closing the connection, rather than after the whole file.
    stop = () => source.destroy(cancelled("the download"));
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
    const out = createWriteStream(tmp, { flags: "wx" });
    await pipeline(source, out);
    const handle = await open(tmp, "r");
    await handle.sync().finally(() => handle.close());
    const sha256 = hash.digest("hex");
    if (bytes !== blob.size) throw new InternError("INTERN_SOURCE_HTTP", `${what}: got ${bytes} bytes of ${blob.size}`, { hint: "the connection was cut; try again" });
    if (expectedSha256 !== null && sha256 !== expectedSha256) {
      throw new InternError("INTERN_SOURCE_CORRUPT", `${what}: its sha256 is ${sha256}, but the Hub lists ${expectedSha256}`, { hint: "try again; if it persists, the mirror at HF_ENDPOINT serves different content" });
    }
    await rename(tmp, join(blobDir, sha256));
    return { sha256, bytes };
  } catch (error) {
    await rm(tmp, { force: true });
    if (signal?.aborted) throw cancelled("the download");
    throw hubFailure(ctx, what, error);
  } finally {
    if (stop !== null) signal?.removeEventListener("abort", stop);
  }
}
