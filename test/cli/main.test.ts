import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { InternalError } from "../../src/errors.js";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { ROOT } from "../helpers/recipe.js";

const COMMANDS = ["validate", "plan", "graph", "render", "schema"];

describe("help", () => {
  it("--help lists every command and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^intern: post-train open-weight LLMs from a YAML recipe\n\nUsage: intern <command> \[options\]/);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    expect(r.stderr).toBe("");
  });

  it("prints the usage with exit code 2 when no command is given", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Usage: intern <command>");
  });

  it("help plan prints the plan command's help", async () => {
    const r = await cli(["help", "plan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^intern plan <recipe\.yaml> \[--backend local\|slurm\|kubernetes\] \[--output text\|json\] \[--out plan\.json\]\n/);
    expect(r.stdout).toMatch(/Exit 1 when the stages that always\s+run already exceed a limit\./);
  });

  it.each(COMMANDS)("help %s equals %s --help", async (c) => {
    const [a, b] = [await cli(["help", c]), await cli([c, "--help"])];
    expect(a.code).toBe(0);
    expect(b).toEqual(a);
    expect(a.stdout).toMatch(new RegExp(`^intern ${c}`));
  });

  it("help for an unknown command is a usage error", async () => {
    const r = await cli(["help", "deploy"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: unknown command "deploy" (INTERN_USAGE)\n  hint: run `intern --help` for the commands\n');
  });

  it("prints the version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v", "version"]) expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});

describe("usage errors exit 2 without a stack", () => {
  it("an unknown command", async () => {
    const r = await cli(["aply", "recipe.yaml"]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: 'error: unknown command "aply" (INTERN_USAGE)\n  hint: run `intern --help` for the commands\n' });
  });

  it("an unknown option", async () => {
    const r = await cli(["plan", "recipes/qwen3-1.7b-gpqa.yaml", "--budjet", "3"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: Unknown option '--budjet'.* \(INTERN_USAGE\)\n  hint: run `intern help plan`\n$/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("an option without its value", async () => {
    const r = await cli(["graph", "recipes/qwen3-1.7b-gpqa.yaml", "--format"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(INTERN_USAGE\)/);
  });

  it.each([
    [["validate"], "intern validate needs a recipe file"],
    [["plan"], "intern plan needs a recipe file"],
    [["render", "recipes/qwen3-1.7b-gpqa.yaml"], "intern render needs --out DIR"],
    [["graph", "recipes/qwen3-1.7b-gpqa.yaml", "--format", "svg"], "--format must be mermaid, dot or json, not svg"],
    [["plan", "recipes/qwen3-1.7b-gpqa.yaml", "--backend", "aws"], "--backend must be local, slurm or kubernetes, not aws"],
  ])("%j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(`error: ${message} (INTERN_USAGE)`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});

describe("schema", () => {
  it("prints schema/recipe.schema.json as it is", async () => {
    const r = await cli(["schema"]);
    expect(r.code).toBe(0);
    const file = readFileSync(join(ROOT, "schema", "recipe.schema.json"), "utf8");
    expect(r.stdout).toBe(file);
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#", title: "intern recipe (v1)" });
  });
});

describe("internal errors", () => {
  it("prints an InternalError as one internal error that asks for a report, exit 1", async () => {
    let stderr = "";
    const fail = () => {
      throw new InternalError("the version could not be written");
    };
    const code = await runCli({ argv: ["--version"], cwd: ROOT, env: {}, stdout: { write: fail }, stderr: { write: (t: string) => (stderr += t) } });
    expect(code).toBe(1);
    expect(stderr).toBe("internal error (this is a bug in intern; please report it with the command you ran): internal: the version could not be written\n");
  });
});
