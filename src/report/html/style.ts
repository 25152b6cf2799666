/** The report's stylesheet, inlined into the page: no fonts or files from anywhere else. */
export const STYLE = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--soft:#f8fafc;--accent:#2563eb;--good:#16a34a;--bad:#dc2626;--warn:#d97706;--agent:#7c3aed}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:22px 0 8px}
p{margin:6px 0}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.muted{color:var(--muted)}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
.run{color:var(--muted);margin-bottom:10px}.goal{font-size:15px;max-width:820px}
nav{margin:12px 0 4px;display:flex;gap:14px;flex-wrap:wrap;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;vertical-align:middle;background:var(--line)}
.badge.succeeded{background:#dcfce7;color:#166534}.badge.failed,.badge.budget_exhausted,.badge.cancelled{background:#fee2e2;color:#991b1b}.badge.running,.badge.interrupted{background:#fef3c7;color:#92400e}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:16px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:var(--soft)}.card .k{font-size:12px;color:var(--muted)}.card .v{font-size:20px;font-weight:600}.card .s{font-size:12px;color:var(--muted)}
.card .v.good{color:var(--good)}.card .v.bad{color:var(--bad)}
table{border-collapse:collapse;margin:8px 0 12px;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;background:var(--soft)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.quote{font-style:italic;color:#374151}
table.kv th{width:150px;background:none;color:var(--muted);font-weight:500}
table.totals{width:auto;min-width:260px}
.two{display:grid;grid-template-columns:minmax(240px,1fr) 2fr;gap:16px;align-items:start}
.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:12px}
figure{margin:8px 0;border:1px solid var(--line);border-radius:8px;padding:10px;background:var(--bg)}figcaption{font-size:12px;color:var(--muted);margin-top:4px}
svg.chart{max-width:100%;height:auto;display:block;font:12px system-ui,sans-serif}
svg .label{fill:var(--fg)}svg .value,svg .target-label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}svg .value{fill:var(--fg);font-weight:600}svg .tick,svg .where,svg .axis-label{fill:var(--muted);font-size:11px}
svg .grid{stroke:#eef0f3}svg .axis{stroke:#9ca3af}
svg .bar.base{fill:#94a3b8}svg .bar.pass{fill:#60a5fa}svg .bar.best{fill:var(--accent)}
svg .err line{stroke:#111827;stroke-width:1.5}
svg .target{stroke:var(--bad);stroke-width:2;stroke-dasharray:6 4}svg .target-label{fill:var(--bad);font-weight:600}
svg path.loss{fill:none;stroke:var(--accent);stroke-width:2}svg path.eval-loss{fill:none;stroke:var(--warn);stroke-width:2;stroke-dasharray:5 3}
svg .loss-dot{fill:var(--accent)}svg .eval-dot{fill:var(--warn)}svg .legend line{stroke-width:2}svg .legend line.loss{stroke:var(--accent)}svg .legend line.eval-loss{stroke:var(--warn);stroke-dasharray:5 3}svg .legend text{fill:var(--muted);font-size:11px}
svg .span{fill:#86efac}svg .span.done{fill:#4ade80}svg .span.failed,svg .span.cancelled{fill:#f87171}svg .span.running,svg .span.this-report{fill:#fbbf24}
svg .cached{fill:#22d3ee;stroke:#0e7490}svg .pause{fill:#f3f4f6}
svg .edge{fill:none;stroke:#9ca3af;stroke-width:1.5}svg .arrowhead{fill:#9ca3af}
svg .node rect{fill:#fff;stroke:#9ca3af;stroke-width:1.5}svg .node .id{font-weight:600;fill:var(--fg)}svg .node .kind{fill:var(--muted);font-size:11px}
svg .node.done rect{fill:#dcfce7;stroke:#16a34a}svg .node.cached rect{fill:#cffafe;stroke:#0891b2}svg .node.failed rect,svg .node.cancelled rect{fill:#fee2e2;stroke:var(--bad)}
svg .node.skipped rect{fill:#f3f4f6;stroke:#cbd5e1;stroke-dasharray:4 3}svg .node.running rect,svg .node.this-report rect{fill:#fef3c7;stroke:var(--warn)}
svg .node.agentic rect{stroke:var(--agent);stroke-width:2.5}
.legend-line{font-size:12px;color:var(--muted);display:flex;gap:14px;flex-wrap:wrap;margin:4px 0}.legend-line i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:4px;vertical-align:-2px;border:1px solid #9ca3af}
.decision{border-left:4px solid var(--line);padding:4px 12px;margin:10px 0;background:var(--soft)}.decision.continue{border-color:var(--accent)}.decision.stop{border-color:var(--good)}
.decision .verdict{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.04em}.decision .reason{font-style:italic}.next{margin:4px 0}
.refused-title{color:var(--bad);font-weight:600;font-size:13px}
.budget{display:grid;gap:8px;max-width:760px}.budget-row{display:grid;grid-template-columns:140px 1fr 220px;gap:10px;align-items:center}
.track{display:block;height:14px;background:#f1f5f9;border-radius:7px;overflow:hidden;position:relative}.fill{display:block;height:100%;background:var(--good)}.fill.near{background:var(--warn)}.fill.over{background:var(--bad)}
.nolimit{display:block;font-size:10px;color:var(--muted);padding-left:8px;line-height:14px}.budget-text{font-variant-numeric:tabular-nums;font-size:13px}
details summary{cursor:pointer;color:var(--accent);font-size:12px}.packages{line-height:1.8}
.error{color:var(--bad)}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{max-width:none;padding:0}nav{display:none}}
`;
