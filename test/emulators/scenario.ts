import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/**
 * A test scenario: a folder of data the emulators serve.
 *
 *   scenario.yaml                       page_size (Hub list pages), tokens (valid HF tokens)
 *   datasets/<owner>/<name>/repo.yaml   refs (branch/tag -> commit), gated, downloads, likes, arxiv
 *   datasets/<owner>/<name>/commits/<sha>/...   the files at that commit (README.md is the card)
 *   models/<owner>/<name>/...           the same for models
 *   papers/<arxiv id>.yaml              id, version, title, summary, authors, published, hf, s2id,
 *                                       references, citations; <arxiv id>.html is its HTML text
 */

export interface ScenarioFile {
  path: string;
  content: Buffer;
  sha256: string;
  /** Git's blob id. */
  oid: string;
  lfs: boolean;
}

export interface ScenarioCommit {
  sha: string;
  files: ScenarioFile[];
  card: Record<string, unknown>;
}

export interface ScenarioRepo {
  type: "dataset" | "model";
  id: string;
  refs: Record<string, string>;
  gated: false | "auto" | "manual";
  private: boolean;
  downloads: number;
  likes: number;
  arxiv: string[];
  lastModified: string;
  commits: Map<string, ScenarioCommit>;
}

export interface ScenarioPaperRef {
  id?: string;
  title?: string;
  year?: number;
  authors?: string[];
}

export interface ScenarioPaper {
  id: string;
  version: number;
  title: string;
  summary: string;
  authors: string[];
  published: string;
  hf: boolean;
  s2id: string;
  html: string | null;
  references: (string | ScenarioPaperRef)[];
  citations: (string | ScenarioPaperRef)[];
}

export interface Scenario {
  dir: string;
  pageSize: number;
  tokens: string[];
  repos: ScenarioRepo[];
  papers: ScenarioPaper[];
}

export const SCENARIOS = fileURLToPath(new URL("./scenarios/", import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Front matter of a card (the YAML between the leading `---` lines), or {}. */
export function frontMatter(text: string): Record<string, unknown> {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  return m === null ? {} : ((parse(m[1]!) as Record<string, unknown> | null) ?? {});
}

function loadRepos(dir: string, type: "dataset" | "model"): ScenarioRepo[] {
  const root = join(dir, `${type}s`);
  if (!existsSync(root)) return [];
  const out: ScenarioRepo[] = [];
  for (const owner of readdirSync(root)) {
    for (const name of readdirSync(join(root, owner))) {
      const repoDir = join(root, owner, name);
      const meta = (parse(readFileSync(join(repoDir, "repo.yaml"), "utf8")) ?? {}) as Record<string, unknown>;
      const commits = new Map<string, ScenarioCommit>();
      for (const sha of readdirSync(join(repoDir, "commits"))) {
        const cdir = join(repoDir, "commits", sha);
        const files = walk(cdir).map((p) => {
          const content = readFileSync(p);
          const path = relative(cdir, p).split("\\").join("/");
          return {
            path,
            content,
            sha256: createHash("sha256").update(content).digest("hex"),
            oid: createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex"),
            lfs: /\.(parquet|jsonl)$/.test(path),
          };
        });
        const readme = files.find((f) => f.path === "README.md");
        commits.set(sha, { sha, files, card: readme ? frontMatter(readme.content.toString("utf8")) : {} });
      }
      out.push({
        type,
        id: `${owner}/${name}`,
        refs: (meta.refs as Record<string, string>) ?? {},
        gated: (meta.gated as ScenarioRepo["gated"]) ?? false,
        private: false,
        downloads: (meta.downloads as number) ?? 0,
        likes: (meta.likes as number) ?? 0,
        arxiv: ((meta.arxiv as unknown[]) ?? []).map(String),
        lastModified: (meta.lastModified as string) ?? "2025-01-15T10:00:00.000Z",
        commits,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function loadPapers(dir: string): ScenarioPaper[] {
  const root = join(dir, "papers");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => {
      const p = parse(readFileSync(join(root, f), "utf8")) as Record<string, unknown>;
      const id = String(p.id);
      const htmlPath = join(root, `${id}.html`);
      return {
        id,
        version: (p.version as number) ?? 1,
        title: String(p.title),
        summary: String(p.summary ?? ""),
        authors: ((p.authors as unknown[]) ?? []).map(String),
        published: String(p.published ?? "2025-01-01T00:00:00Z"),
        hf: p.hf !== false,
        s2id: String(p.s2id ?? createHash("sha1").update(id).digest("hex")),
        html: existsSync(htmlPath) ? readFileSync(htmlPath, "utf8") : null,
        references: (p.references as ScenarioPaper["references"]) ?? [],
        citations: (p.citations as ScenarioPaper["citations"]) ?? [],
      };
    });
}

/** Loads a scenario by name (a folder under test/emulators/scenarios/) or path. */
export function loadScenario(nameOrDir: string): Scenario {
  const dir = existsSync(join(SCENARIOS, nameOrDir)) ? join(SCENARIOS, nameOrDir) : nameOrDir;
  const meta = existsSync(join(dir, "scenario.yaml")) ? ((parse(readFileSync(join(dir, "scenario.yaml"), "utf8")) ?? {}) as Record<string, unknown>) : {};
  return {
    dir,
    pageSize: (meta.page_size as number) ?? 100,
    tokens: ((meta.tokens as unknown[]) ?? []).map(String),
    repos: [...loadRepos(dir, "dataset"), ...loadRepos(dir, "model")],
    papers: loadPapers(dir),
  };
}

/** The commit a revision names (a ref or a full commit id), or null. */
export function resolveRevision(repo: ScenarioRepo, rev: string): ScenarioCommit | null {
  const sha = rev === "HEAD" ? repo.refs.main : (repo.refs[rev] ?? rev);
  return sha === undefined ? null : (repo.commits.get(sha) ?? null);
}

/** The repo's tags as the Hub shows them: the card's tags, `license:*`, `arxiv:*`. */
export function repoTags(repo: ScenarioRepo, commit: ScenarioCommit): string[] {
  const card = commit.card;
  const licenses = card.license === undefined ? [] : Array.isArray(card.license) ? card.license : [card.license];
  return [...((card.tags as string[]) ?? []), ...licenses.map((l) => `license:${String(l)}`), ...repo.arxiv.map((a) => `arxiv:${a}`)];
}

/**
 * Points a branch or tag of a repo at another of its commits, as a push would, while the emulators
 * serve the scenario (they read refs at each request). Returns the commit it pointed at before, to
 * move it back.
 */
export function moveRef(scenario: Scenario, type: "dataset" | "model", id: string, ref: string, sha: string): string | undefined {
  const repo = scenario.repos.find((r) => r.type === type && r.id.toLowerCase() === id.toLowerCase());
  if (repo === undefined) throw new Error(`the scenario has no ${type} ${id}`);
  if (!repo.commits.has(sha)) throw new Error(`${type} ${id} has no commit ${sha}`);
  const before = repo.refs[ref];
  repo.refs[ref] = sha;
  return before;
}
