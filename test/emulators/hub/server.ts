import type { IncomingMessage, ServerResponse } from "node:http";
import { hubError, json, startEmulator, type Emulator } from "../http.js";
import { repoTags, resolveRevision, type Scenario, type ScenarioCommit, type ScenarioFile, type ScenarioRepo } from "../scenario.js";

/**
 * The Hugging Face Hub API subset `@huggingface/hub` calls, plus the Papers API, served from a
 * scenario: repo listings with search, filter, expand and `Link` pagination; repo info at a
 * revision; tree listing; paths-info; resolve with Range requests (LFS files redirect to a CDN
 * path with `X-Linked-ETag` / `X-Linked-Size`, as the Hub does); whoami-v2; Hub-style errors.
 */
export function startHubEmulator(scenario: Scenario): Promise<Emulator> {
  let base = "";
  return startEmulator((req, res, url, body) => route(scenario, () => base, req, res, url, body)).then((e) => {
    base = e.url;
    return e;
  });
}

function token(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7) : null;
}

function route(s: Scenario, base: () => string, req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
  const p = decodeURIComponent(url.pathname);
  const t = token(req);
  if (t !== null && !s.tokens.includes(t)) return hubError(res, 401, "InvalidCredentials", "Invalid credentials in Authorization header");
  let m: RegExpExecArray | null;
  if (p === "/api/whoami-v2") return whoami(res, t);
  if (p === "/api/papers/search") return paperSearch(s, res, url);
  if ((m = /^\/api\/papers\/([^/]+)$/.exec(p))) return paperDetails(s, res, m[1]!);
  if ((m = /^\/api\/(datasets|models)$/.exec(p))) return list(s, base(), res, url, m[1] === "datasets" ? "dataset" : "model");
  // Matched before decoding, as the Hub does: a revision such as refs%2Fconvert%2Fparquet is one segment.
  if ((m = /^\/api\/(datasets|models)\/([^/]+\/[^/]+)\/(revision|tree|paths-info)\/([^/]+)(?:\/(.*))?$/.exec(url.pathname))) {
    m = m.map((g) => (g === undefined ? g : decodeURIComponent(g))) as unknown as RegExpExecArray;
    const repo = find(s, m[1] === "datasets" ? "dataset" : "model", m[2]!);
    if (repo === null) return hubError(res, 404, "RepoNotFound", "Repository not found");
    const commit = resolveRevision(repo, m[4]!);
    if (commit === null) return hubError(res, 404, "RevisionNotFound", `Invalid rev id: ${m[4]}`);
    if (m[3] === "revision") return info(res, repo, commit, url);
    if (!mayRead(s, repo, t)) return gated(res, repo);
    if (m[3] === "tree") return tree(s, base(), res, url, repo, commit, m[5] ?? "");
    return pathsInfo(res, commit, body);
  }
  if ((m = /^\/cdn\/([0-9a-f]{64})$/.exec(p))) {
    const file = s.repos.flatMap((r) => [...r.commits.values()].flatMap((c) => c.files)).find((f) => f.sha256 === m![1]);
    return file === undefined ? hubError(res, 404, "EntryNotFound", "Entry not found") : serve(req, res, file, null);
  }
  if ((m = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p))) {
    const repo = find(s, m[1] ? "dataset" : "model", m[2]!);
    if (repo === null) return hubError(res, 404, "RepoNotFound", "Repository not found");
    const commit = resolveRevision(repo, m[3]!);
    if (commit === null) return hubError(res, 404, "RevisionNotFound", `Invalid rev id: ${m[3]}`);
    if (!mayRead(s, repo, t)) return gated(res, repo);
    const file = commit.files.find((f) => f.path === m![4]);
    if (file === undefined) return hubError(res, 404, "EntryNotFound", `${m[4]} does not exist on "${m[3]}"`);
    if (file.lfs) {
      res.writeHead(302, {
        location: `${base()}/cdn/${file.sha256}`,
        "x-repo-commit": commit.sha,
        "x-linked-etag": `"${file.sha256}"`,
        "x-linked-size": String(file.content.length),
        etag: `"${file.oid}"`,
        "content-length": 0,
      });
      return void res.end();
    }
    return serve(req, res, file, commit.sha);
  }
  hubError(res, 404, "NotFound", `no route ${req.method} ${p}`);
}

function find(s: Scenario, type: "dataset" | "model", id: string): ScenarioRepo | null {
  return s.repos.find((r) => r.type === type && r.id.toLowerCase() === id.toLowerCase()) ?? null;
}

function mayRead(s: Scenario, repo: ScenarioRepo, t: string | null): boolean {
  return repo.gated === false || (t !== null && s.tokens.includes(t));
}

function gated(res: ServerResponse, repo: ScenarioRepo): void {
  hubError(res, 401, "GatedRepo", `Access to ${repo.type} ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
}

function whoami(res: ServerResponse, t: string | null): void {
  if (t === null) return hubError(res, 401, "InvalidCredentials", "Invalid credentials in Authorization header");
  json(res, 200, {
    type: "user",
    id: "6500000000000000000000aa",
    name: "intern-tester",
    fullname: "Intern Tester",
    email: "tester@example.com",
    emailVerified: true,
    isPro: false,
    canPay: false,
    periodEnd: null,
    billingMode: "prepaid",
    avatarUrl: "",
    orgs: [],
    auth: { type: "access_token", accessToken: { displayName: "emulator", role: "read", createdAt: "2025-01-01T00:00:00.000Z" } },
  });
}

function entry(repo: ScenarioRepo, url: URL, commit: ScenarioCommit): Record<string, unknown> {
  const expand = url.searchParams.getAll("expand");
  const all: Record<string, unknown> = {
    private: repo.private,
    downloads: repo.downloads,
    gated: repo.gated,
    likes: repo.likes,
    lastModified: repo.lastModified,
    tags: repoTags(repo, commit),
    sha: commit.sha,
    cardData: commit.card,
    author: repo.id.split("/")[0],
    pipeline_tag: repo.type === "model" ? "text-generation" : undefined,
  };
  const out: Record<string, unknown> = { _id: `id-${repo.id}`, id: repo.id };
  for (const k of expand.length > 0 ? expand : Object.keys(all)) if (k in all) out[k] = all[k];
  return out;
}

function page<T>(items: T[], url: URL, size: number, base: string, res: ServerResponse, path: string): T[] {
  const cursor = Number(url.searchParams.get("cursor") ?? "0");
  const chunk = items.slice(cursor, cursor + size);
  if (cursor + size < items.length) {
    const next = new URLSearchParams(url.searchParams);
    next.set("cursor", String(cursor + size));
    res.setHeader("link", `<${base}${path}?${next.toString()}>; rel="next"`);
  }
  return chunk;
}

function list(s: Scenario, base: string, res: ServerResponse, url: URL, type: "dataset" | "model"): void {
  const search = url.searchParams.get("search")?.toLowerCase();
  const author = url.searchParams.get("author")?.toLowerCase();
  const filters = url.searchParams.getAll("filter");
  const limit = Number(url.searchParams.get("limit") ?? "1000");
  const items = s.repos
    .filter((r) => r.type === type)
    .filter((r) => search === undefined || r.id.toLowerCase().includes(search))
    .filter((r) => author === undefined || r.id.toLowerCase().startsWith(`${author}/`))
    .filter((r) => {
      const tags = repoTags(r, r.commits.get(r.refs.main!)!);
      return filters.every((f) => tags.includes(f));
    })
    .sort((a, b) => b.downloads - a.downloads || a.id.localeCompare(b.id))
    .map((r) => entry(r, url, r.commits.get(r.refs.main!)!));
  json(res, 200, page(items, url, Math.min(limit, s.pageSize), base, res, `/api/${type}s`));
}

function info(res: ServerResponse, repo: ScenarioRepo, commit: ScenarioCommit, url: URL): void {
  json(res, 200, entry(repo, url, commit));
}

function treeEntries(commit: ScenarioCommit): Record<string, unknown>[] {
  const dirs = new Set<string>();
  for (const f of commit.files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [
    ...[...dirs].map((d) => ({ type: "directory", oid: "0".repeat(40), size: 0, path: d })),
    ...commit.files.map((f) => fileEntry(f)),
  ].sort((a, b) => String(a.path).localeCompare(String(b.path)));
}

function fileEntry(f: ScenarioFile): Record<string, unknown> {
  return { type: "file", oid: f.oid, size: f.content.length, path: f.path, ...(f.lfs ? { lfs: { oid: f.sha256, size: f.content.length, pointerSize: 134 } } : {}) };
}

function tree(s: Scenario, base: string, res: ServerResponse, url: URL, repo: ScenarioRepo, commit: ScenarioCommit, path: string): void {
  const recursive = url.searchParams.get("recursive") === "true";
  const all = treeEntries(commit);
  const prefix = path === "" ? "" : `${path.replace(/\/$/, "")}/`;
  if (prefix !== "" && !all.some((e) => String(e.path).startsWith(prefix))) return hubError(res, 404, "EntryNotFound", `${path} does not exist on "${commit.sha}"`);
  const items = all.filter((e) => {
    const p = String(e.path);
    return p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
  });
  const rev = url.pathname.split("/tree/")[1]!.split("/")[0]!;
  json(res, 200, page(items, url, s.pageSize, base, res, `/api/${repo.type}s/${repo.id}/tree/${rev}${path ? `/${path}` : ""}`));
}

function pathsInfo(res: ServerResponse, commit: ScenarioCommit, body: string): void {
  const asked = (JSON.parse(body || "{}") as { paths?: string[] }).paths ?? [];
  const all = treeEntries(commit);
  json(res, 200, all.filter((e) => asked.includes(String(e.path))));
}

function serve(req: IncomingMessage, res: ServerResponse, file: ScenarioFile, sha: string | null): void {
  const size = file.content.length;
  const headers: Record<string, string | number> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    etag: `"${file.lfs ? file.sha256 : file.oid}"`,
    ...(sha === null ? {} : { "x-repo-commit": sha }),
  };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (range !== null) {
    const start = Number(range[1]);
    const end = range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start >= size) {
      res.writeHead(416, { ...headers, "content-range": `bytes */${size}` });
      return void res.end();
    }
    const part = file.content.subarray(start, end + 1);
    res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": part.length });
    return void res.end(part);
  }
  res.writeHead(200, { ...headers, "content-length": size });
  res.end(file.content);
}

function paperJson(p: Scenario["papers"][number]): Record<string, unknown> {
  return {
    id: p.id,
    title: p.title,
    summary: p.summary,
    authors: p.authors.map((name, i) => ({ _id: `author-${i}`, name, hidden: false })),
    publishedAt: p.published,
    upvotes: 3,
  };
}

function paperSearch(s: Scenario, res: ServerResponse, url: URL): void {
  const words = (url.searchParams.get("q") ?? "").toLowerCase().split(/\W+/).filter((w) => w.length > 2);
  const scored = s.papers
    .filter((p) => p.hf)
    .map((p) => ({ p, score: words.filter((w) => `${p.title} ${p.summary}`.toLowerCase().includes(w)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.p.id.localeCompare(b.p.id));
  json(res, 200, scored.map(({ p }) => ({ paper: paperJson(p), title: p.title, summary: p.summary, publishedAt: p.published, numComments: 0 })));
}

function paperDetails(s: Scenario, res: ServerResponse, id: string): void {
  const p = s.papers.find((x) => x.hf && x.id === id);
  if (p === undefined) return hubError(res, 404, "NotFound", "Paper not found");
  json(res, 200, paperJson(p));
}
