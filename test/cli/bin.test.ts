import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bin, STACK_FRAME } from "../helpers/cli.js";
import { FIXTURES, ROOT, tempDir } from "../helpers/recipe.js";

// The installed command: bin/intern.js on dist/, built by test/global-setup.ts.
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("bin/intern.js", () => {
  it("prints the usage for --help and exits 0", () => {
    const r = bin(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: intern <command> [options]");
  });

  it("prints a command's help", () => {
    const r = bin(["help", "graph"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^intern graph <recipe\.yaml> \[--format mermaid\|dot\|json\]/);
  });

  it("exits 2 for an unknown command", () => {
    const r = bin(["deploy"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown command "deploy" (INTERN_USAGE)\n  hint: run `intern --help` for the commands\n');
  });

  it("exits 2 for an unknown option, without a stack trace", () => {
    const r = bin(["validate", "--strict", "recipes/qwen3-1.7b-gpqa.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown option '--strict'/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("validates several recipes", () => {
    const r = bin(["validate", "recipes/minimal.yaml", "recipes/matrix-lr.yaml"], FIXTURES);
    expect(r).toMatchObject({ code: 0, stdout: "recipes/minimal.yaml: valid (5 stages)\nrecipes/matrix-lr.yaml: valid (9 stages, 3 trials)\n", stderr: "" });
  });

  it("exits 1 with every located error for an invalid recipe", () => {
    const r = bin(["validate", "recipes/several-errors.yaml"], FIXTURES);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("recipes/several-errors.yaml:17:12: compute.backend must be one of");
    expect(r.stderr.endsWith("\n5 errors\n")).toBe(true);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("plans the reference recipe", () => {
    const r = bin(["plan", "recipes/qwen3-1.7b-gpqa.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Plan for qwen3-1-7b-gpqa: \d+ stages, 1 trial, 3 passes, backend slurm\n/);
  });

  it("prints the graph as JSON, mermaid and dot", () => {
    const json = bin(["graph", "recipes/qwen3-1.7b-gpqa.yaml", "--format", "json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { recipe: string }).recipe).toBe("qwen3-1-7b-gpqa");
    expect(bin(["graph", "recipes/qwen3-1.7b-gpqa.yaml"]).stdout.startsWith("flowchart TD\n")).toBe(true);
    expect(bin(["graph", "recipes/qwen3-1.7b-gpqa.yaml", "--format", "dot"]).stdout.startsWith("digraph ")).toBe(true);
  });

  it("prints the schema file as it is", () => {
    const r = bin(["schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(ROOT, "schema", "recipe.schema.json"), "utf8")));
  });

  it("renders files", () => {
    const r = bin(["render", "recipes/minimal.yaml", "--out", tmp.dir, "--stage", "train"], FIXTURES);
    expect(r.code).toBe(0);
    expect(readFileSync(join(tmp.dir, "stages", "train", "sft.yaml"), "utf8")).toContain("learning_rate: 0.00002");
  });
});

describe("bin/intern.js in a pipe", () => {
  it("exits quietly when the reader closes the pipe early (`intern schema | head -1`)", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync("bash", ["-c", 'set -o pipefail; node bin/intern.js schema | head -c 10 >/dev/null; echo "status $?"'], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout.trim()).toBe("status 0");
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });
});

describe("bin/intern.js's fast path (dist/bundle/fast.cjs)", () => {
  /** The binary with INTERN_DEBUG set, which runs every command from the ES module bundle. */
  function fromModules(argv: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "intern.js"), ...argv], { cwd, encoding: "utf8", env: { ...process.env, INTERN_DEBUG: "1" } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it.each([
    [["validate", "recipes/qwen3-1.7b-gpqa.yaml", "recipes/quickstart.lock.yaml", "--output", "json"], ROOT],
    [["plan", "recipes/quickstart.yaml"], ROOT],
    [["plan", "recipes/matrix-lr.yaml", "--output", "json"], FIXTURES],
    [["validate", "recipes/several-errors.yaml"], FIXTURES],
    [["graph", "recipes/qwen3-1.7b-gpqa.yaml", "--format", "json"], ROOT],
    [["schema"], ROOT],
  ])("%j gives what the ES module bundle gives", (argv, cwd) => {
    expect(bin(argv, cwd)).toEqual(fromModules(argv, cwd));
  });

  it.each([
    [["plan", "recipes/matrix-lr.yaml", "--output", "json"], FIXTURES],
    [["validate", "recipes/several-errors.yaml"], FIXTURES],
  ])("%j into files (the plan's JSON written straight to the descriptor) gives what pipes get", (argv, cwd) => {
    const name = argv[0]!;
    const out = openSync(join(tmp.dir, `${name}.stdout`), "w");
    const err = openSync(join(tmp.dir, `${name}.stderr`), "w");
    let code: number | null;
    try {
      code = spawnSync(process.execPath, [join(ROOT, "bin", "intern.js"), ...argv], { cwd, stdio: ["ignore", out, err] }).status;
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const piped = bin(argv, cwd);
    expect(piped.stdout.length + piped.stderr.length).toBeGreaterThan(100);
    expect({ code, stdout: readFileSync(join(tmp.dir, `${name}.stdout`), "utf8"), stderr: readFileSync(join(tmp.dir, `${name}.stderr`), "utf8") }).toEqual(piped);
  });

  it("writes into files without making Node's stdio streams", () => {
    // A module loaded first reports, as the process exits, whether process.stdout or
    // process.stderr was made on a file (Node's SyncWriteStream).
    const probe = join(tmp.dir, "probe.cjs");
    const report = join(tmp.dir, "probe.out");
    writeFileSync(probe, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(report)}, String(process.moduleLoadList.includes("NativeModule internal/fs/sync_write_stream"))));`);
    const out = openSync(join(tmp.dir, "lazy.stdout"), "w");
    const err = openSync(join(tmp.dir, "lazy.stderr"), "w");
    const run = (argv: string[], cwd: string) => spawnSync(process.execPath, ["--require", probe, join(ROOT, "bin", "intern.js"), ...argv], { cwd, stdio: ["ignore", out, err] }).status;
    try {
      expect(run(["validate", "recipes/qwen3-1.7b-gpqa.yaml"], ROOT)).toBe(0);
      expect(readFileSync(report, "utf8")).toBe("false");
      expect(run(["validate", "recipes/several-errors.yaml"], FIXTURES)).toBe(1);
      expect(readFileSync(report, "utf8")).toBe("false");
      // The ES module bundle's commands get the streams themselves.
      expect(run(["status"], tmp.dir)).toBe(0);
      expect(readFileSync(report, "utf8")).toBe("true");
    } finally {
      closeSync(out);
      closeSync(err);
    }
    expect(readFileSync(join(tmp.dir, "lazy.stdout"), "utf8")).toMatch(/^recipes\/qwen3-1\.7b-gpqa\.yaml: valid \(\d+ stages\)\n/);
    expect(readFileSync(join(tmp.dir, "lazy.stderr"), "utf8")).toContain("recipes/several-errors.yaml:17:12: compute.backend must be one of");
  });

  it("has a code cache that this Node takes", () => {
    const check = `
      const { readFileSync } = require("node:fs");
      const { Script } = require("node:vm");
      const file = ${JSON.stringify(join(ROOT, "dist", "bundle", "fast.cjs"))};
      const text = readFileSync(file, "latin1");
      const build = /^\\/\\/ intern fast path ([0-9a-f]+) /.exec(text)[1];
      const script = new Script(text, { filename: file, cachedData: readFileSync(file.replace(/fast\\.cjs$/, "fast-" + build + ".cache")) });
      process.stdout.write(String(script.cachedDataRejected));`;
    const r = spawnSync(process.execPath, ["-e", check], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("false");
  });
});
