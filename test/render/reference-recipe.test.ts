import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { FEATURE_PACKAGES, neededPackages, requirementName } from "../../src/recipe/derive.js";
import { cli } from "../helpers/cli.js";
import { compileText, ROOT } from "../helpers/recipe.js";

const RECIPE = join(ROOT, "recipes", "qwen3-1.7b-gpqa.yaml");
const tmp = mkdtempSync(join(tmpdir(), "intern-reference-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What each job stage's script runs (the word after `exec`), and the accelerate backend it names. */
function jobCommands(backend: "slurm" | "kubernetes"): { stage: string; commands: string[]; deepspeed: boolean }[] {
  const out = join(tmp, backend);
  return readdirSync(join(out, "stages")).map((stage) => {
    const dir = join(out, "stages", stage);
    let files: Record<string, string>;
    if (backend === "kubernetes") {
      // A pod runs what its ConfigMap carries.
      const docs = parseAllDocuments(readFileSync(join(dir, "job.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
      files = docs.find((d) => d.kind === "ConfigMap")!.data!;
    } else {
      files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    }
    const commands = [...files["run.sh"]!.matchAll(/^\s*exec (\S+)/gm)].map((m) => m[1]!);
    return { stage, commands, deepspeed: /distributed_type: DEEPSPEED/.test(files["accelerate.yaml"] ?? "") };
  });
}

/** The console scripts and top-level modules of a pinned wheel from pip's index here, or null when the index lacks it. */
function wheelOf(pin: string): { scripts: string[]; modules: string[] } | null {
  const dir = mkdtempSync(join(tmp, "wheel-"));
  try {
    execFileSync("python3", ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", dir, pin], { env: { ...process.env, PIP_RETRIES: "0" }, stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
  } catch {
    return null;
  }
  const [wheel] = readdirSync(dir).filter((f) => f.endsWith(".whl"));
  const listing = execFileSync("python3", ["-c", `import zipfile, sys, json
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
ep = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
scripts, section = [], None
for line in (z.read(ep).decode().splitlines() if ep else []):
    line = line.strip()
    if line.startswith("["): section = line
    elif section == "[console_scripts]" and "=" in line: scripts.append(line.split("=")[0].strip())
print(json.dumps({"scripts": scripts, "modules": sorted({n.split("/")[0] for n in names if n.endswith("/__init__.py") and n.count("/") == 1})}))`, join(dir, wheel!)], { encoding: "utf8" });
  return JSON.parse(listing) as { scripts: string[]; modules: string[] };
}

describe("the reference recipe, rendered as a user would run it", () => {
  const recipe = compileText(readFileSync(RECIPE, "utf8")).validated.recipe;
  const requirements = recipe.compute.environment.kind === "requirements" ? recipe.compute.environment.requirements : [];
  const needs = neededPackages({ harness: recipe.benchmark.harness, accelerate: recipe.compute.accelerate, peft: recipe.training.peft !== null });

  it.each(["slurm", "kubernetes"] as const)("on %s: every command a job runs comes from a package in the derived environment", async (backend) => {
    // Kubernetes jobs run in an image, which the recipe then names; the rest is as shipped.
    const doc = parse(readFileSync(RECIPE, "utf8")) as { compute: Record<string, unknown> };
    if (backend === "kubernetes") {
      delete doc.compute.slurm;
      doc.compute.kubernetes = { image: "registry.example/post-training:trl-1.13" };
    }
    writeFileSync(join(tmp, `${backend}.yaml`), stringify(doc));
    const r = await cli(["render", `${backend}.yaml`, "--out", join(tmp, backend), "--backend", backend], tmp);
    expect(r.code, r.stderr).toBe(0);
    const jobs = jobCommands(backend);
    expect(jobs.map((j) => j.stage).sort()).toEqual(["baseline", "evaluate.p1", "evaluate.p2", "evaluate.p3", "train.p1", "train.p2", "train.p3"]);
    const installed = new Set(requirements.map(requirementName));
    for (const job of jobs) {
      expect(job.commands, job.stage).toHaveLength(1);
      const [command] = job.commands;
      // `trl sft` for training, `lm_eval` for evaluation: each is a console script of a derived package.
      const owner = needs.find((n) => n.package.command === command);
      expect(owner, `${job.stage} runs ${command}`).toBeDefined();
      expect(installed.has(owner!.package.name), `${command} comes from ${owner!.package.name}`).toBe(true);
      // ZeRO-3 training imports DeepSpeed through accelerate.
      if (job.stage.startsWith("train")) {
        expect(job.deepspeed).toBe(true);
        expect(installed.has("deepspeed")).toBe(true);
      }
    }
    expect(requirements).toEqual(expect.arrayContaining(["trl==1.13.0", "accelerate==1.15.0", FEATURE_PACKAGES["lm-eval"].pin, FEATURE_PACKAGES.deepspeed.pin]));
  }, 120_000);

  it("the pinned wheels on this machine's index provide those commands and modules (and say which the index lacks)", () => {
    const lacking: string[] = [];
    for (const n of needs) {
      const wheel = wheelOf(n.package.pin);
      if (wheel === null) {
        lacking.push(n.package.pin);
        continue;
      }
      expect(wheel.modules, n.package.pin).toContain(n.package.module);
      if (n.package.command !== null) expect(wheel.scripts, n.package.pin).toContain(n.package.command);
    }
    // The index here has no DeepSpeed (a source-only package on PyPI); everything else is checked above.
    expect(lacking.every((pin) => pin === FEATURE_PACKAGES.deepspeed.pin), `not on the index: ${lacking.join(", ")}`).toBe(true);
    expect(needs.length - lacking.length).toBeGreaterThanOrEqual(6);
  }, 600_000);
});
