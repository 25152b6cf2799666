/** A dataset revision a tool result showed resolved to a commit. */
export interface RevisionSeen {
  id: string;
  /** The branch or tag asked for; `main` for search results, which give the head of main. */
  revision: string;
  sha: string;
}

/** A pinned dataset whose revision resolved to another commit earlier in the run. */
export interface RevisionMoved {
  id: string;
  revision: string;
  /** The commit an earlier tool result showed. */
  seen: string;
  /** The commit discover pinned. */
  pinned: string;
  /** The stage whose tool result showed `seen`. */
  by: string;
}

const COMMIT = /^[0-9a-f]{40}$/;

/**
 * Every dataset commit the tool results of an agent showed, first sighting per (id, revision), in
 * order: `dataset_info` (at the revision asked), search results and a paper's linked datasets
 * (the head of main), `check_dataset` entries. Models are left out.
 */
export function revisionsSeen(calls: readonly { result: { ok: boolean; value?: unknown } }[]): RevisionSeen[] {
  const out = new Map<string, RevisionSeen>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4 || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (typeof o.id === "string" && typeof o.sha === "string" && COMMIT.test(o.sha) && o.kind !== "model") {
      const revision = typeof o.revision === "string" && o.revision !== "" ? o.revision : "main";
      const key = JSON.stringify([o.id.toLowerCase(), revision]);
      if (!out.has(key)) out.set(key, { id: o.id, revision, sha: o.sha });
    }
    for (const x of Object.values(o)) visit(x, depth + 1);
  };
  for (const c of calls) if (c.result.ok) visit(c.result.value, 0);
  return [...out.values()];
}

/**
 * The pinned datasets whose revision (a branch or tag: a commit cannot move) resolved, when a tool
 * result showed it earlier, to another commit than the one pinned: the first sighting is compared.
 */
export function revisionsMoved(pinned: readonly { id: string; revision: string; sha: string }[], seen: readonly (RevisionSeen & { by: string })[]): RevisionMoved[] {
  const out: RevisionMoved[] = [];
  for (const p of pinned) {
    const first = seen.find((s) => s.id.toLowerCase() === p.id.toLowerCase() && s.revision === p.revision);
    if (first !== undefined && first.sha !== p.sha && !out.some((m) => m.id === p.id && m.revision === p.revision)) {
      out.push({ id: p.id, revision: p.revision, seen: first.sha, pinned: p.sha, by: first.by });
    }
  }
  return out;
}
