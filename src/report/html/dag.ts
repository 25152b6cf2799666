import type { StageState } from "../../run/run-state.js";
import { html, type Html } from "./escape.js";
import { px } from "./scale.js";

const AGENTIC = new Set(["research", "discover", "synthesize", "decide"]);

/** The depth of each stage: the longest path of needs that leads to it. */
function layers(stages: readonly StageState[]): Map<string, number> {
  const byId = new Set(stages.map((s) => s.id));
  const layer = new Map<string, number>(stages.map((s) => [s.id, 0]));
  let changed = true;
  for (let pass = 0; changed && pass <= stages.length; pass++) {
    changed = false;
    for (const s of stages) {
      const l = Math.max(0, ...s.needs.filter((n) => byId.has(n)).map((n) => (layer.get(n) ?? 0) + 1));
      if (l !== layer.get(s.id)) {
        layer.set(s.id, l);
        changed = true;
      }
    }
  }
  return layer;
}

/**
 * The needs worth an arrow: a need that another need already leads to (report needs baseline,
 * and decide, which needs baseline too) is implied by the path through it. The transitive
 * reduction keeps the picture readable; the stage table lists every need.
 */
export function drawnNeeds(stages: readonly StageState[]): Map<string, string[]> {
  const needs = new Map(stages.map((s) => [s.id, s.needs.filter((n) => n !== s.id)]));
  const reach = new Map<string, Set<string>>();
  const reachable = (id: string): Set<string> => {
    const known = reach.get(id);
    if (known) return known;
    const out = new Set<string>();
    reach.set(id, out);
    const stack = [...(needs.get(id) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (out.has(n)) continue;
      out.add(n);
      for (const m of needs.get(n) ?? []) stack.push(m);
    }
    return out;
  };
  return new Map(stages.map((s) => {
    const own = needs.get(s.id) ?? [];
    return [s.id, own.filter((n) => !own.some((m) => m !== n && reachable(m).has(n)))];
  }));
}

/** Stages beyond which the picture would be unreadable: the table lists them instead. */
export const DAG_MAX_STAGES = 200;

const BOX_W = 150;
const BOX_H = 40;
const PAD = 10;
const LANE = 9;

/**
 * The run's DAG as a picture: a rank per depth, left to right while it fits the page and top to
 * bottom for a deep graph (several passes); a box per stage (agentic stages outlined in violet,
 * filled by status). A need one rank back is a curve; a longer one runs in a lane beside the boxes,
 * through the gaps between ranks, so no arrow crosses a box. Needs implied through another stage
 * are not drawn (see drawnNeeds). Within a rank, stages are ordered by
 * where their needs are. Inline SVG.
 *
 * Coordinates: `u` runs along the ranks, `v` across them; `xy` turns them into the picture's.
 */
export function dagChart(stages: readonly StageState[]): Html | null {
  if (stages.length === 0 || stages.length > DAG_MAX_STAGES) return null;
  const layer = layers(stages);
  const ranks: StageState[][] = [];
  for (const s of stages) (ranks[layer.get(s.id) ?? 0] ??= []).push(s);
  const slot = new Map<string, number>();
  for (const rank of ranks) {
    if (!rank) continue;
    const weight = (s: StageState) => {
      const r = s.needs.map((n) => slot.get(n)).filter((v): v is number => v !== undefined);
      return r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : Number.POSITIVE_INFINITY;
    };
    rank.map((s, i) => ({ s, w: weight(s), i })).sort((a, b) => (a.w === b.w ? a.i - b.i : a.w - b.w)).forEach((o, i) => slot.set(o.s.id, i));
  }
  const leftToRight = ranks.length * (BOX_W + 56) <= 960;
  const sizeU = leftToRight ? BOX_W : BOX_H;
  const sizeV = leftToRight ? BOX_H : BOX_W;
  const gapU = leftToRight ? 56 : 34;
  const gapV = leftToRight ? 16 : 24;
  const widest = Math.max(...ranks.map((r) => r?.length ?? 0));
  const spanV = widest * (sizeV + gapV) - gapV;

  // Where each box sits, before the lanes push the boxes over: u0, v0 its corner, vc its middle.
  const box = new Map<string, { rank: number; u0: number; v0: number; vc: number }>();
  ranks.forEach((rank, r) => {
    const offset = (spanV - ((rank?.length ?? 0) * (sizeV + gapV) - gapV)) / 2;
    for (const s of rank ?? []) {
      const v0 = offset + (slot.get(s.id) ?? 0) * (sizeV + gapV);
      box.set(s.id, { rank: r, u0: PAD + r * (sizeU + gapU), v0, vc: v0 + sizeV / 2 });
    }
  });

  // Needs more than one rank back, each in its own lane on the side nearer its need; shorter
  // spans run nearer the boxes.
  const drawn = drawnNeeds(stages);
  const long: { from: string; to: string; low: boolean; span: number; lane: number }[] = [];
  for (const s of stages) {
    for (const n of drawn.get(s.id) ?? []) {
      const a = box.get(n);
      const b = box.get(s.id);
      if (a && b && b.rank - a.rank > 1) long.push({ from: n, to: s.id, low: a.vc < spanV / 2, span: b.rank - a.rank, lane: 0 });
    }
  }
  for (const low of [true, false]) long.filter((e) => e.low === low).sort((a, b) => a.span - b.span).forEach((e, i) => (e.lane = i));
  const lanesLow = long.filter((e) => e.low).length;
  const lanesHigh = long.length - lanesLow;
  const shift = PAD + (lanesLow > 0 ? lanesLow * LANE + 6 : 0);
  const laneV = (e: (typeof long)[number]) => (e.low ? shift - 6 - e.lane * LANE : shift + spanV + 6 + e.lane * LANE);

  const xy = (u: number, v: number) => (leftToRight ? `${px(u)},${px(v + shift)}` : `${px(v + shift)},${px(u)}`);
  const lengthU = PAD * 2 + ranks.length * (sizeU + gapU) - gapU;
  const lengthV = shift + spanV + (lanesHigh > 0 ? lanesHigh * LANE + 6 : 0) + PAD;
  const [width, height] = leftToRight ? [lengthU, lengthV] : [lengthV, lengthU];

  const edges: Html[] = [];
  for (const s of stages) {
    for (const n of drawn.get(s.id) ?? []) {
      const a = box.get(n);
      const b = box.get(s.id);
      if (!a || !b) continue;
      const u1 = a.u0 + sizeU;
      const u2 = b.u0 - 4;
      const e = long.find((l) => l.from === n && l.to === s.id);
      if (!e) {
        const mid = (u1 + u2) / 2;
        edges.push(html`<path class="edge" d="M${xy(u1, a.vc)}C${xy(mid, a.vc)} ${xy(mid, b.vc)} ${xy(u2, b.vc)}" marker-end="url(#arrow)"/>`);
        continue;
      }
      const lane = laneV(e) - shift;
      const out = u1 + gapU / 2;
      const into = b.u0 - gapU / 2;
      edges.push(html`<path class="edge long" d="M${xy(u1, a.vc)}L${xy(out - 4, a.vc)}Q${xy(out, a.vc)} ${xy(out, a.vc + Math.sign(lane - a.vc) * 4)}L${xy(out, lane)}L${xy(into, lane)}L${xy(into, b.vc - Math.sign(b.vc - lane) * 4)}Q${xy(into, b.vc)} ${xy(into + 4, b.vc)}L${xy(u2, b.vc)}" marker-end="url(#arrow)"/>`);
    }
  }
  const nodes = stages.map((s) => {
    const b = box.get(s.id)!;
    const [x, y] = xy(b.u0, b.v0).split(",");
    const status = s.kind === "report" && s.status === "running" ? "this-report" : s.status;
    const label = s.id.length > 21 ? `${s.id.slice(0, 20)}…` : s.id;
    return html`<g class="node ${status}${AGENTIC.has(s.kind) ? " agentic" : ""}"><title>${s.id} (${s.kind}, ${s.placement === "job" ? "a job" : "in intern"}): ${s.status}${s.needs.length > 0 ? `; needs ${s.needs.join(", ")}` : ""}</title><rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6"/><text class="id" x="${px(Number(x) + BOX_W / 2)}" y="${px(Number(y) + 17)}" text-anchor="middle">${label}</text><text class="kind" x="${px(Number(x) + BOX_W / 2)}" y="${px(Number(y) + 31)}" text-anchor="middle">${s.kind}${s.placement === "job" ? " · job" : ""}</text></g>`;
  });
  return html`<svg class="chart wide" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" height="${px(height)}" role="img" aria-label="the stages and what each needs"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" class="arrowhead"/></marker></defs>${edges}${nodes}</svg>`;
}
