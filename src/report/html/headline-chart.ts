import { html, type Html } from "./escape.js";
import { linear, maxOf, minOf, niceTicks, px, short } from "./scale.js";

/** One evaluation: the base model's or a trained pass's score. */
export interface ScoreBar {
  label: string;
  value: number;
  stderr: number | null;
  baseline: boolean;
  best: boolean;
}

/**
 * The headline: a bar per evaluation (the base model, then each pass), ± one standard error
 * where the evaluation reports one, and the recipe's target as a dashed line. Inline SVG.
 */
export function headlineChart(bars: readonly ScoreBar[], target: number, metric: string): Html {
  const labelW = 230;
  const width = 960;
  const right = width - 150;
  const barH = 24;
  const gap = 12;
  const top = 26;
  const plotH = bars.length * (barH + gap) - gap;
  const height = top + plotH + 34;
  const hi = maxOf(bars.map((b) => b.value + (b.stderr ?? 0)), Math.max(target, 1e-9));
  const lo = minOf(bars.map((b) => b.value - (b.stderr ?? 0)), 0);
  const ticks = niceTicks(lo, hi * 1.05, 5);
  const d1 = Math.max(ticks.at(-1) ?? hi, hi);
  const x = linear(Math.min(lo, ticks[0] ?? lo), d1, labelW + 10, right);
  const grid = ticks.map((t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${top - 6}" y2="${top + plotH + 4}"/><text class="tick" x="${px(x(t))}" y="${top + plotH + 18}" text-anchor="middle">${short(t)}</text>`);
  const rows = bars.map((b, i) => {
    const y = top + i * (barH + gap);
    const x0 = x(Math.min(0, b.value));
    const x1 = x(Math.max(0, b.value));
    const cls = b.baseline ? "bar base" : b.best ? "bar best" : "bar pass";
    const se = b.stderr !== null && b.stderr > 0 ? b.stderr : null;
    const cy = y + barH / 2;
    const whisker = se === null ? null : html`<g class="err"><line x1="${px(x(b.value - se))}" x2="${px(x(b.value + se))}" y1="${px(cy)}" y2="${px(cy)}"/><line x1="${px(x(b.value - se))}" x2="${px(x(b.value - se))}" y1="${px(cy - 6)}" y2="${px(cy + 6)}"/><line x1="${px(x(b.value + se))}" x2="${px(x(b.value + se))}" y1="${px(cy - 6)}" y2="${px(cy + 6)}"/></g>`;
    const textX = Math.max(x1, se === null ? x1 : x(b.value + se)) + 6;
    return html`<g><title>${b.label}: ${b.value.toFixed(4)}${se === null ? "" : ` ± ${se.toFixed(4)}`}</title><text class="label" x="${labelW}" y="${px(cy + 4)}" text-anchor="end">${b.label}</text><rect class="${cls}" x="${px(x0)}" y="${y}" width="${px(Math.max(1, x1 - x0))}" height="${barH}" rx="2"/>${whisker}<text class="value" x="${px(textX)}" y="${px(cy + 4)}">${b.value.toFixed(4)}${se === null ? "" : ` ± ${se.toFixed(4)}`}</text></g>`;
  });
  const tx = x(target);
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${metric} of each model against the target">${grid}${rows}<line class="target" x1="${px(tx)}" x2="${px(tx)}" y1="${top - 10}" y2="${top + plotH + 4}"/><text class="target-label" x="${px(tx)}" y="${top - 13}" text-anchor="middle">target ${short(target)}</text></svg>`;
}
