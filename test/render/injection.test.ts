import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePythonEnv } from "../support/python-env.js";
import { bashSyntaxError, checkWithRealTools, filesNamed, render, ROOT } from "../support/rendered.js";
import { after, dryRun, readCalls, writeStubs, type Call } from "../support/stubs.js";

/** A fresh path per run: any hostile string that runs as code creates it. */
const MARKER = join(tmpdir(), `pwned-${randomBytes(8).toString("hex")}`);
const PAYLOAD = `'; rm -rf ~ #$(touch ${MARKER})\`touch ${MARKER}\`{{constructor}}"; echo hi; "`;
/** benchmark.data.path, for the builtin harness (the fixture pins a Hub dataset instead). */
const BENCH_PATH = `bench/${PAYLOAD}\n.jsonl`;

type Recipe = {
  base_model: { path: string };
  benchmark: { harness: string; task: string; metric: string; data: Record<string, unknown> };
  training: { hyperparameters: Record<string, string>; peft: { target_modules: string[] } };
  compute: { nodes?: number; gpus: number; environment: { python: string } };
  stages: { name: string; run: string }[];
};

interface Variant {
  id: string;
  backend: "local" | "slurm" | "kubernetes";
  harness: "lm-eval" | "lighteval" | "builtin";
  nodes: number;
}

const VARIANTS: Variant[] = [
  { id: "local-lm-eval", backend: "local", harness: "lm-eval", nodes: 1 },
  { id: "local-lighteval", backend: "local", harness: "lighteval", nodes: 1 },
  { id: "slurm-builtin", backend: "slurm", harness: "builtin", nodes: 2 },
  { id: "kubernetes", backend: "kubernetes", harness: "lm-eval", nodes: 2 },
];

interface Rendered {
  v: Variant;
  dir: string;
  out: string;
  recipe: Recipe;
  calls: Call[];
}

describe("hostile recipe strings stay inert", () => {
  const tmp = mkdtempSync(join(tmpdir(), "intern-injection-"));
  const stubDir = join(tmp, "stubs");
  const home = join(tmp, "home");
  const sentinel = join(home, "still-here");
  const rendered: Rendered[] = [];
  let python = "";

  beforeAll(async () => {
    python = await ensurePythonEnv();
  }, 900_000);
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(MARKER, { force: true });
  });

  it("renders the hostile recipe for local, slurm and kubernetes", async () => {
    const text = readFileSync(join(ROOT, "test", "fixtures", "render", "hostile.yaml"), "utf8").replaceAll("__MARKER__", MARKER);
    for (const v of VARIANTS) {
      const recipe = parse(text) as Recipe;
      recipe.benchmark.harness = v.harness;
      if (v.harness === "builtin") recipe.benchmark.data = { path: BENCH_PATH };
      recipe.compute = { ...recipe.compute, nodes: v.nodes, gpus: v.nodes > 1 ? 2 : 0 };
      const dir = join(tmp, v.id);
      mkdirSync(dir);
      writeFileSync(join(dir, "recipe.yaml"), stringify(recipe));
      const out = join(dir, "out");
      const r = await render(join(dir, "recipe.yaml"), out, v.backend);
      expect(r.code, `${v.id}: ${r.stderr}`).toBe(0);
      rendered.push({ v, dir, out, recipe, calls: [] });
    }
  });

  it("every rendered script passes bash -n, the ConfigMap's too", () => {
    for (const r of rendered) {
      const scripts = filesNamed(r.out, ["run.sh", "job.sbatch"]);
      expect(scripts.length, r.v.id).toBeGreaterThan(0);
      for (const manifest of filesNamed(r.out, ["job.yaml"])) {
        const docs = parseAllDocuments(readFileSync(manifest, "utf8")) as { toJS(): { kind: string; data?: Record<string, string> } }[];
        const data = docs.map((d) => d.toJS()).find((d) => d.kind === "ConfigMap")!.data!;
        const copy = `${manifest}.run.sh`;
        writeFileSync(copy, data["run.sh"]!);
        scripts.push(copy);
        if (data["sft.yaml"] !== undefined) expect((parse(data["sft.yaml"]) as { run_name: string }).run_name).toBe(r.recipe.training.hyperparameters.run_name);
      }
      expect(scripts.map(bashSyntaxError).filter((e) => e !== null)).toEqual([]);
    }
  });

  it("a dry run with stub tools runs nothing the recipe wrote", () => {
    mkdirSync(stubDir);
    mkdirSync(home);
    writeFileSync(sentinel, "");
    for (const r of rendered.filter((x) => x.v.backend !== "kubernetes")) {
      const log = join(r.dir, "calls.jsonl");
      writeStubs(stubDir, log);
      const slurm = { SLURM_JOB_NODELIST: "node-[a-b]", SLURM_NODEID: "0" };
      for (const file of filesNamed(r.out, ["run.sh", "job.sbatch"])) {
        const env = file.endsWith(".sbatch") ? slurm : { INTERN_MACHINE_RANK: "0", INTERN_HEAD_ADDR: "127.0.0.1" };
        const p = dryRun(file, stubDir, home, env);
        expect(p.status, `${file}\n${p.stderr}`).toBe(0);
      }
      r.calls = readCalls(log);
      expect(r.calls.length, r.v.id).toBeGreaterThan(0);
    }
    expect(existsSync(MARKER), `${MARKER} was created: a recipe string ran as code`).toBe(false);
    expect(existsSync(sentinel), "HOME was wiped").toBe(true);
  });

  it("the tools get every hostile string back as one argument, byte for byte", () => {
    for (const r of rendered.filter((x) => x.v.backend !== "kubernetes")) {
      const { recipe, dir, out, calls } = r;
      const hp = recipe.training.hyperparameters;
      const model = `${dir}/${recipe.base_model.path}`;
      const binDir = recipe.compute.environment.python.slice(0, recipe.compute.environment.python.lastIndexOf("/"));
      // Every job first runs intern's own fingerprint.py; the stage's tool comes after it.
      const fromStage = (stage: string) => calls.filter((c) => c.cwd === join(out, "stages", stage) && c.tool !== "bash" && !(c.tool === "python" && c.argv[0]?.endsWith("/fingerprint.py")));

      const trl = calls.filter((c) => c.tool === "trl");
      expect(trl.length, r.v.id).toBeGreaterThan(0);
      for (const c of trl) {
        expect(c.argv.slice(0, 5)).toEqual(["sft", "--config", join(out, "stages", "train", "sft.yaml"), "--accelerate_config", join(out, "stages", "train", "accelerate.yaml")]);
        const sft = parse(readFileSync(c.argv[2]!, "utf8")) as Record<string, unknown>;
        expect(sft.run_name).toBe(hp.run_name);
        expect(sft.dataset_text_field).toBe(hp.dataset_text_field);
        expect(sft.model_name_or_path).toBe(model);
        expect(sft.lora_target_modules).toEqual(recipe.training.peft.target_modules);
      }
      if (r.v.nodes > 1) {
        const srun = calls.filter((c) => c.tool === "srun");
        expect(srun.map((c) => c.argv.slice(-3))).toContainEqual(["-c", 'INTERN_MACHINE_RANK=$SLURM_NODEID exec bash "$0"', join(out, "stages", "train", "run.sh")]);
        expect(trl.map((c) => [after(c.argv, "--machine_rank"), after(c.argv, "--main_process_ip"), after(c.argv, "--num_machines")])).toEqual(
          expect.arrayContaining([["0", "node-a", "2"], ["1", "node-a", "2"]]),
        );
      }

      const baseline = fromStage("baseline");
      expect(baseline.length, `${r.v.id}: baseline made no call`).toBeGreaterThan(0);
      for (const c of baseline) {
        if (r.v.harness === "lm-eval") {
          expect(c.tool).toBe("lm_eval");
          expect(after(c.argv, "--tasks")).toBe(recipe.benchmark.task);
          expect(after(c.argv, "--model_args")).toBe(`pretrained=${model},trust_remote_code=false`);
        } else if (r.v.harness === "lighteval") {
          expect(c.tool).toBe("lighteval");
          expect(c.argv.slice(0, 3)).toEqual(["accelerate", `model_name=${model}`, recipe.benchmark.task]);
        } else {
          expect(c.tool).toBe("python");
          expect([after(c.argv, "--model"), after(c.argv, "--data"), after(c.argv, "--metric")]).toEqual([model, `${dir}/${BENCH_PATH}`, recipe.benchmark.metric]);
        }
      }

      // The recipe's own command reaches bash as one word, exactly as written, and is not run here.
      const user = calls.filter((c) => c.tool === "bash" && c.argv[0] === "-c" && c.argv.length === 2);
      expect(user.map((c) => c.argv[1])).toContain(recipe.stages[0]!.run);
      expect(user.every((c) => c.cwd === join(out, "stages", "hostile-step"))).toBe(true);

      // The environment's folder leads PATH, as one entry, whatever characters it has.
      for (const c of calls.filter((x) => ["trl", "lm_eval", "lighteval", "python"].includes(x.tool))) expect(c.env.PATH!.startsWith(`${binDir}:`), c.env.PATH).toBe(true);
    }
  });

  it("TRL's own parser reads the hostile strings back unchanged", async () => {
    const files = rendered.flatMap((r) => filesNamed(r.out, ["sft.yaml"]).map((path) => ({ r, path })));
    expect(files.length).toBe(rendered.length);
    const results = await checkWithRealTools(python, tmp, files.map(({ r, path }) => ({ path, gpu: r.recipe.compute.gpus > 0, command: "sft" as const })), []);
    for (const { r, path } of files) {
      const got = results.trl[path]!;
      const hp = r.recipe.training.hyperparameters;
      expect(got.error, path).toBeUndefined();
      expect([got.remaining_config, got.remaining_args], path).toEqual([[], []]);
      expect(got.values.run_name).toEqual({ type: "str", value: hp.run_name });
      expect(got.values.dataset_text_field).toEqual({ type: "str", value: hp.dataset_text_field });
      expect(got.values.lora_target_modules).toEqual({ type: "list", value: r.recipe.training.peft.target_modules });
      expect(got.values.model_name_or_path).toEqual({ type: "str", value: `${r.dir}/${r.recipe.base_model.path}` });
      expect(got.values.save_strategy).toEqual({ type: "enum", value: "no" });
    }
  }, 300_000);
});
