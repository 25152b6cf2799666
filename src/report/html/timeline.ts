import type { StageState } from "../../run/run-state.js";
import type { RunTimes } from "../stage-times.js";
import { html, type Html } from "./escape.js";
import { clock, linear, niceTicks, px } from "./scale.js";

/**
 * The stages over the run's time: a bar from each stage's start to its end, coloured by how it
 * ended, a mark for a stage reused from the cache, where each ran on the right, and the pauses
 * (the run interrupted until resumed) shaded. Inline SVG.
 */
export function timelineChart(times: RunTimes, states: ReadonlyMap<string, StageState>): Html {
  const width = 960;
  const labelW = 150;
  const whereW = 210;
  const rowH = 22;
  const top = 8;
  const rows = times.stages;
  const plotH = rows.length * rowH;
  const height = top + plotH + 30;
  const span = Math.max(1, (times.end - times.start) / 1000);
  const ticks = niceTicks(0, span, 6).filter((t) => t <= span * 1.001);
  const x = linear(0, span, labelW + 10, width - whereW - 10);
  const at = (ms: number) => x((ms - times.start) / 1000);
  const pauses = times.pauses.map((p) => html`<rect class="pause" x="${px(at(p.from))}" y="${top}" width="${px(Math.max(1, at(p.to) - at(p.from)))}" height="${plotH}"><title>interrupted</title></rect>`);
  const grid = ticks.map((t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${top + plotH}"/><text class="tick" x="${px(x(t))}" y="${top + plotH + 16}" text-anchor="middle">${clock(t)}</text>`);
  const bars = rows.map((r, i) => {
    const st = states.get(r.id);
    const status = st?.kind === "report" && st.status === "running" ? "this report" : (st?.status ?? "pending");
    const y = top + i * rowH;
    const cy = y + rowH / 2;
    let mark: Html | null = null;
    if (r.cachedFrom !== null && r.start !== null) mark = html`<path class="cached" d="M${px(at(r.start))},${px(cy - 6)}l6,6l-6,6l-6,-6z"/>`;
    else if (r.start !== null) {
      const x0 = at(r.start);
      const x1 = at(r.end ?? times.end);
      mark = html`<rect class="span ${status.replace(/\s/g, "-")}" x="${px(x0)}" y="${y + 4}" width="${px(Math.max(2, x1 - x0))}" height="${rowH - 8}" rx="2"/>`;
    }
    const duration = r.start !== null && r.cachedFrom === null ? clock(((r.end ?? times.end) - r.start) / 1000) : "";
    const where = r.cachedFrom !== null ? `cached from ${r.cachedFrom}` : r.start === null ? status : `${r.where}${duration ? `, ${duration}` : ""}${r.attempts > 1 ? `, ${r.attempts} attempts` : ""}`;
    return html`<g><title>${r.id}: ${status}; ${where}</title><text class="label" x="${labelW}" y="${px(cy + 4)}" text-anchor="end">${r.id}</text>${mark}<text class="where" x="${width - whereW}" y="${px(cy + 4)}">${where}</text></g>`;
  });
  return html`<svg class="chart wide" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="timeline of the stages">${pauses}${grid}${bars}</svg>`;
}
