import type { Stage, StageGraph } from "./types.js";

function label(s: Stage): string {
  const where = s.placement === "job" ? "job" : "control plane";
  return `${s.id}\\n${s.kind}, ${s.mode}, ${where}${s.conditional ? ", if decided" : ""}`;
}

/** Mermaid flowchart: agentic stages are rounded, jobs are boxes, control-plane steps are stadiums. */
export function toMermaid(graph: StageGraph): string {
  const id = (s: string) => `s_${s.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const lines = ["flowchart TD"];
  for (const s of graph.stages) {
    const text = label(s).replace(/"/g, "#quot;").replace(/\\n/g, "<br/>");
    const shape = s.mode === "agentic" ? [`(["`, `"])`] : s.placement === "job" ? [`["`, `"]`] : [`("`, `")`];
    lines.push(`  ${id(s.id)}${shape[0]}${text}${shape[1]}`);
  }
  for (const s of graph.stages) for (const n of s.needs) lines.push(`  ${id(n)} ${s.conditional ? "-.->" : "-->"} ${id(s.id)}`);
  lines.push("  classDef agentic fill:#f4e8ff,stroke:#7b3fb3");
  const agentic = graph.stages.filter((s) => s.mode === "agentic").map((s) => id(s.id));
  if (agentic.length > 0) lines.push(`  class ${agentic.join(",")} agentic`);
  return lines.join("\n") + "\n";
}

/** Graphviz dot. */
export function toDot(graph: StageGraph): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${q(graph.recipe)} {`, "  rankdir=TB;", "  node [fontname=Helvetica];"];
  for (const s of graph.stages) {
    const shape = s.mode === "agentic" ? "ellipse" : s.placement === "job" ? "box" : "box, style=rounded";
    lines.push(`  ${q(s.id)} [label="${label(s).replace(/"/g, '\\"')}", shape=${shape}${s.mode === "agentic" ? ", color=purple" : ""}];`);
  }
  for (const s of graph.stages) for (const n of s.needs) lines.push(`  ${q(n)} -> ${q(s.id)}${s.conditional ? " [style=dashed]" : ""};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The graph as data, for other tools. */
export function toJson(graph: StageGraph): string {
  return JSON.stringify(graph, null, 2) + "\n";
}
