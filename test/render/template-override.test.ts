import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const base = readFileSync(new URL("../../recipes/sweep-seed-lr.yaml", import.meta.url), "utf8").replace(/\nmatrix:[\s\S]*$/, "\n");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "intern-override-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli({ argv, cwd: dir, env: {}, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

function recipe(extra: string): void {
  writeFileSync(join(dir, "recipe.yaml"), `${base}${extra}`);
}

function override(name: string, text: string): void {
  mkdirSync(join(dir, "mine", name, ".."), { recursive: true });
  writeFileSync(join(dir, "mine", name), text);
}

async function keys(): Promise<Record<string, string>> {
  const r = await run(["graph", "recipe.yaml", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(r.stdout) as { stages: { id: string; key: string }[] }).stages.map((s) => [s.id, s.key]));
}

describe("a recipe's own template folder", () => {
  it("replaces intern's template of the same name, and only the stages that render it change key", async () => {
    recipe("");
    const before = await keys();
    const sbatch = readFileSync(new URL("../../templates/slurm/job.sbatch.hbs", import.meta.url), "utf8");
    override("slurm/job.sbatch.hbs", sbatch.replace("#SBATCH --kill-on-invalid-dep=yes", "#SBATCH --kill-on-invalid-dep=yes\n#SBATCH --exclusive"));
    recipe("templates: ./mine\n");
    const after = await keys();
    expect(after.train).not.toBe(before.train);
    expect(after.baseline).not.toBe(before.baseline);
    expect(after.prepare).toBe(before.prepare);
    const r = await run(["render", "recipe.yaml", "--out", "out", "--stage", "train"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "out", "stages", "train", "job.sbatch"), "utf8")).toContain("#SBATCH --exclusive\n");
  });

  it("refuses an override that pastes a value unquoted, naming the file and line", async () => {
    override("jobs/command.sh.hbs", "# mine\nexec bash -c {{command.run}}\n");
    recipe("templates: ./mine\nstages:\n  - name: export\n    run: echo hi\n    needs: [train]\n");
    const r = await run(["render", "recipe.yaml", "--out", "out"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("mine/jobs/command.sh.hbs: line 2: {{command.run}} must go through a quoting helper");
    expect(r.stderr).toContain("(INTERN_TEMPLATE_UNSAFE)");
  });

  it("reports a variable the context lacks (strict mode) instead of rendering it empty", async () => {
    override("jobs/command.sh.hbs", "exec bash -c {{sh command.rnu}}\n");
    recipe("templates: ./mine\nstages:\n  - name: export\n    run: echo hi\n    needs: [train]\n");
    const r = await run(["render", "recipe.yaml", "--out", "out"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("mine/jobs/command.sh.hbs: line 1: {{sh ...}} names a variable that is not defined");
  });

  it("refuses a file that overrides nothing, and a folder that does not exist, at the templates line", async () => {
    override("slurm/jb.sbatch.hbs", "#!/bin/bash\n");
    recipe("templates: ./mine\n");
    let r = await run(["plan", "recipe.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/recipe\.yaml:\d+:12: .*mine\/slurm\/jb\.sbatch\.hbs overrides no template/);
    recipe("templates: ./nowhere\n");
    r = await run(["plan", "recipe.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("template folder ./nowhere does not exist");
    expect(r.stderr).toContain("(INTERN_TEMPLATES_NOT_FOUND)");
  });
});
