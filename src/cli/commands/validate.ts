import type { Command } from "../command.js";
import { printableJson } from "../../printable.js";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { InternError } from "../../errors.js";
import { formatDiagnostics } from "../print-diagnostics.js";
import type { CliIO } from "../io.js";
import { checkRecipe, requireFile } from "../../project/load.js";

export const help = `intern validate <recipe.yaml>... [--output text|json]

Checks each recipe against the schema and the semantic rules (sources, budget, GPUs, TRL keys,
stage needs and cycles) and compiles it. Offline, no credentials. Exit 0 when every recipe is
valid, 1 otherwise; every error is printed as FILE:LINE:COL with the line and a hint.
`;

export async function validateCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", default: "text" } } });
  requireFile(positionals[0], "validate");
  let failed = 0;
  const results: unknown[] = [];
  for (const file of positionals) {
    // A lock beside its recipe (`recipes/*.yaml` names both) is not a recipe: say what it is.
    try {
      if (/\.lock\.ya?ml$/.test(file)) {
        // The lock's reader and schema load only for a lock.
        const { readLock } = await import("../../lock/lock-files.js");
        const lock = readLock(resolve(io.cwd, file), file);
        results.push({ file, lock: true, recipe: lock.recipe.file });
        if (values.output !== "json") io.stdout.write(`${file}: a lock file (of ${lock.recipe.file}); \`intern plan\` says whether it still holds\n`);
        continue;
      }
      const { validated, stages } = checkRecipe(io.cwd, file);
      results.push({ file, valid: true, stages, trials: validated.trials.length, warnings: validated.warnings });
      if (values.output !== "json") {
        io.stdout.write(`${file}: valid (${stages} stages${validated.trials.length > 1 ? `, ${validated.trials.length} trials` : ""})\n`);
        if (validated.warnings.length > 0) io.stderr.write(formatDiagnostics(validated.warnings));
      }
    } catch (error) {
      // A recipe's (or a lock's) own problems do not stop the others from being checked.
      if (!(error instanceof InternError) || error.diagnostics.length === 0) throw error;
      failed++;
      results.push({ file, valid: false, errors: error.diagnostics });
      if (values.output !== "json") io.stderr.write(formatDiagnostics(error.diagnostics));
    }
  }
  if (values.output === "json") io.stdout.write(printableJson(positionals.length === 1 ? results[0] : results) + "\n");
  return failed > 0 ? 1 : 0;
}

export const command: Command = { help, run: validateCommand };
