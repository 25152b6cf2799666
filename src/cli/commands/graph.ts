import type { Command } from "../command.js";
import { parseArgs } from "node:util";
import { UsageError } from "../../errors.js";
import { toDot, toJson, toMermaid } from "../../graph/format-graph.js";
import type { CliIO } from "../io.js";
import { loadRecipe, requireFile } from "../../project/load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";

export const help = `intern graph <recipe.yaml> [--format mermaid|dot|json] [--backend ...]

Prints the compiled stage DAG. Mermaid (the default) renders in GitHub and most editors; dot
goes to Graphviz (\`intern graph r.yaml --format dot | dot -Tsvg > dag.svg\`); json is the full
StageGraph with content keys. Agentic stages are marked; dashed edges lead to stages that run
only if a decide stage asks for another pass.
`;

export function graphCommand(io: CliIO, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string", default: "mermaid" }, ...BACKEND_OPTION } });
  const file = requireFile(positionals[0], "graph");
  const format = values.format!;
  const formatter = { mermaid: toMermaid, dot: toDot, json: toJson }[format];
  if (!formatter) throw new UsageError(`--format must be mermaid, dot or json, not ${format}`);
  const { graph } = loadRecipe(io.cwd, file, backendOverride(values.backend));
  io.stdout.write(formatter(graph));
  return 0;
}

export const command: Command = { help, run: graphCommand };
