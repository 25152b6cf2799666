import type { CurvePoint, TrainingCurve } from "../training-curves.js";
import { html, type Html } from "./escape.js";
import { linear, logTicks, maxOf, minOf, niceTicks, px, short, thin } from "./scale.js";

/**
 * One training pass's loss over its steps: a line (with the evaluation loss dashed when the pass
 * evaluated), on a log scale when the loss falls by more than fifty times. Inline SVG.
 */
export function lossChart(curve: TrainingCurve): Html {
  const width = 460;
  const height = 250;
  const m = { left: 54, right: 14, top: 14, bottom: 40 };
  const loss = thin(curve.loss);
  const evalLoss = thin(curve.evalLoss);
  const all = [...loss, ...evalLoss];
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xMin = minOf(xs, 0);
  const xMax = maxOf(xs, Math.max(curve.xLabel === "step" && curve.total !== null ? curve.total : Number.NEGATIVE_INFINITY, xMin + 1));
  const yMin = minOf(ys);
  const yMax = maxOf(ys);
  const log = yMin > 0 && yMax / yMin > 50;
  const yTicks = log ? logTicks(yMin, yMax) : niceTicks(Math.min(0, yMin), yMax * 1.05, 4);
  const y0 = log ? Math.log10(Math.min(yMin, yTicks[0] ?? yMin)) : Math.min(0, yTicks[0] ?? 0);
  const y1 = log ? Math.log10(Math.max(yMax, yTicks.at(-1) ?? yMax)) : Math.max(yMax, yTicks.at(-1) ?? yMax);
  const ly = linear(y0, y1, height - m.bottom, m.top);
  const y = (v: number) => ly(log ? Math.log10(v) : v);
  const xTicks = niceTicks(xMin, xMax, 5);
  const x = linear(xMin, Math.max(xMax, xTicks.at(-1) ?? xMax), m.left, width - m.right);
  const path = (pts: readonly CurvePoint[]) => pts.map((p, i) => `${i === 0 ? "M" : "L"}${px(x(p.x))},${px(y(p.y))}`).join("");
  const dots = (pts: readonly CurvePoint[], cls: string) => (pts.length <= 60 ? pts.map((p) => html`<circle class="${cls}" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="2.5"><title>${curve.xLabel} ${short(p.x)}: ${short(p.y)}</title></circle>`) : []);
  const grid = [
    ...yTicks.map((t) => html`<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${px(y(t))}" y2="${px(y(t))}"/><text class="tick" x="${m.left - 6}" y="${px(y(t) + 4)}" text-anchor="end">${short(t)}</text>`),
    ...xTicks.map((t) => html`<text class="tick" x="${px(x(t))}" y="${height - m.bottom + 16}" text-anchor="middle">${short(t)}</text>`),
  ];
  const legend = evalLoss.length > 0 ? html`<g class="legend"><line class="loss" x1="${width - 150}" x2="${width - 132}" y1="${m.top + 6}" y2="${m.top + 6}"/><text x="${width - 128}" y="${m.top + 10}">train</text><line class="eval-loss" x1="${width - 90}" x2="${width - 72}" y1="${m.top + 6}" y2="${m.top + 6}"/><text x="${width - 68}" y="${m.top + 10}">eval</text></g>` : null;
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="training loss of ${curve.stage}">${grid}<line class="axis" x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}"/><line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}"/>${loss.length > 0 ? html`<path class="loss" d="${path(loss)}"/>` : null}${dots(loss, "loss-dot")}${evalLoss.length > 0 ? html`<path class="eval-loss" d="${path(evalLoss)}"/>` : null}${dots(evalLoss, "eval-dot")}${legend}<text class="axis-label" x="${px((m.left + width - m.right) / 2)}" y="${height - 6}" text-anchor="middle">${curve.xLabel}</text><text class="axis-label" transform="translate(14 ${px((m.top + height - m.bottom) / 2)}) rotate(-90)" text-anchor="middle">loss${log ? " (log scale)" : ""}</text></svg>`;
}
