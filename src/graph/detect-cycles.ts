import type { StageDraft } from "./draft.js";

/**
 * Orders drafts so every stage comes after its needs, or returns the first cycle found as
 * the list of ids along it (`[a, b, a]`: a needs b, b needs a).
 *
 * A depth-first search with its own stack rather than recursion: a chain of a few thousand
 * stages would otherwise overflow the call stack.
 */
export function topoOrder(drafts: StageDraft[]): { order: StageDraft[] } | { cycle: string[] } {
  const byId = new Map(drafts.map((d) => [d.localId, d]));
  const state = new Map<string, 1 | 2>();
  const order: StageDraft[] = [];
  /** The path being explored: each id with the index of the next need to visit. */
  const path: { id: string; next: number }[] = [];
  const onPath: string[] = [];
  for (const root of drafts) {
    if (state.has(root.localId)) continue;
    state.set(root.localId, 1);
    path.push({ id: root.localId, next: 0 });
    onPath.push(root.localId);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const d = byId.get(top.id);
      const needs = d?.needs ?? [];
      if (top.next < needs.length) {
        const n = needs[top.next++]!;
        const s = state.get(n);
        if (s === 2) continue;
        if (s === 1) return { cycle: [...onPath.slice(onPath.lastIndexOf(n)), n] };
        state.set(n, 1);
        path.push({ id: n, next: 0 });
        onPath.push(n);
        continue;
      }
      path.pop();
      onPath.pop();
      state.set(top.id, 2);
      if (d) order.push(d);
    }
  }
  return { order };
}
