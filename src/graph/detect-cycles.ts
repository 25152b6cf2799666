import type { StageDraft } from "./draft.js";

/**
 * Orders drafts so every stage comes after its needs, or returns the first cycle found as
 * the list of ids along it (`[a, b, a]`: a needs b, b needs a).
 */
export function topoOrder(drafts: StageDraft[]): { order: StageDraft[] } | { cycle: string[] } {
  const byId = new Map(drafts.map((d) => [d.localId, d]));
  const state = new Map<string, 1 | 2>();
  const order: StageDraft[] = [];
  const stack: string[] = [];
  let cycle: string[] | null = null;
  const visit = (id: string): void => {
    if (cycle) return;
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) {
      cycle = [...stack.slice(stack.indexOf(id)), id];
      return;
    }
    state.set(id, 1);
    stack.push(id);
    const d = byId.get(id);
    for (const n of d?.needs ?? []) visit(n);
    stack.pop();
    state.set(id, 2);
    if (d) order.push(d);
  };
  for (const d of drafts) visit(d.localId);
  return cycle ? { cycle } : { order };
}
