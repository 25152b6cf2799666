import { InternError, UsageError } from "../errors.js";
import { printable, printableLines } from "../printable.js";
import { formatDiagnostics } from "./print-diagnostics.js";
import type { CliIO } from "./io.js";
import { internVersion } from "../project/package-root.js";
import type { Command } from "./command.js";

export type { CliIO } from "./io.js";
export { lazyStdio } from "./stdio.js";

const USAGE = `intern: post-train open-weight LLMs from a YAML recipe

Usage: intern <command> [options]

Commands:
  apply <recipe>             run the recipe on this machine (resumes an unfinished run)
  status [run]               runs, their stages and what they spent
  logs <run> <stage>         a stage's log
  validate <recipe>...       check recipes against the schema and the semantic rules
  plan <recipe>              the stage DAG as a table, with a budget estimate
  graph <recipe>             the DAG as mermaid, dot or json
  render <recipe> --out DIR  write TRL, accelerate and job files for every job stage
  schema                     print the recipe JSON Schema
  audit <lock>               rerun a lock with --locked and check its metrics reproduce
  diff <a> <b>               what differs between two runs or two lock files
  push <run> --repo O/N      upload a trained model and its card to the Hub
  help [command]             help for a command
  version                    print intern's version

validate, plan, graph, render and schema run offline, with no credentials.
Run \`intern help <command>\` for its options.
`;

/** Commands load lazily: `intern validate` never loads what `intern apply` needs. */
const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  apply: () => import("./commands/apply.js"),
  status: () => import("./commands/status.js"),
  logs: () => import("./commands/logs.js"),
  validate: () => import("./commands/validate.js"),
  plan: () => import("./commands/plan.js"),
  graph: () => import("./commands/graph.js"),
  render: () => import("./commands/render.js"),
  schema: () => import("./commands/schema.js"),
  audit: () => import("./commands/audit.js"),
  diff: () => import("./commands/diff.js"),
  push: () => import("./commands/push.js"),
};

async function command(name: string): Promise<Command | null> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return load ? (await load()).command : null;
}

function printError(io: CliIO, error: InternError): void {
  if (error.diagnostics.length > 0) {
    io.stderr.write(formatDiagnostics(error.diagnostics));
    return;
  }
  io.stderr.write(`error: ${printableLines(error.message)} (${error.code})\n`);
  if (error.hint) io.stderr.write(`  hint: ${printable(error.hint)}\n`);
}

/**
 * The CLI as a function: parses argv, runs one command, returns the exit code (0 ok, 1 failure,
 * 2 usage). The only place that turns errors into printed text and exit codes.
 */
export async function runCli(io: CliIO): Promise<number> {
  const [name, ...rest] = io.argv;
  try {
    if (name === undefined || name === "--help" || name === "-h") {
      io.stdout.write(USAGE);
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-v" || name === "version") {
      io.stdout.write(`${internVersion()}\n`);
      return 0;
    }
    if (name === "help") {
      const target = rest[0] ? await command(rest[0]) : null;
      if (rest[0] && !target) throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`, "run `intern --help` for the commands");
      io.stdout.write(target ? target.help : USAGE);
      return 0;
    }
    const cmd = await command(name);
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(name)}`, "run `intern --help` for the commands");
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(cmd.help);
      return 0;
    }
    return await cmd.run(io, rest);
  } catch (error) {
    if (error instanceof InternError) {
      printError(io, error);
      return error instanceof UsageError ? 2 : 1;
    }
    // parseArgs reports unknown options and missing values with these codes.
    const code = (error as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`error: ${printable((error as Error).message)} (INTERN_USAGE)\n  hint: run \`intern help ${name}\`\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`internal error (this is a bug in intern; please report it with the command you ran): ${message}\n`);
    if (io.env.INTERN_DEBUG) io.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
    return 1;
  }
}
