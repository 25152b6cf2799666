import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/project/load.js";
import { backendOverride } from "../../src/cli/options.js";
import { RecipeInvalidError } from "../../src/errors.js";
import { ensurePythonEnv } from "../support/python-env.js";
import { bashSyntaxError, checkWithRealTools, filesNamed, render, ROOT, type CheckResults, type PyValue } from "../support/rendered.js";

/** Every example recipe, plus fixtures for the profiles and launches the examples may not cover. */
const RECIPES = [
  ...readdirSync(join(ROOT, "recipes")).filter((f) => f.endsWith(".yaml")).map((f) => join(ROOT, "recipes", f)),
  ...["cpu-lora", "single-gpu", "multi-gpu", "multinode-fsdp2", "zero3-kubernetes", "dpo-fsdp2", "kto-zero3", "grpo-multi-gpu"].map((n) => join(ROOT, "test", "fixtures", "render", `${n}.yaml`)),
];
const BACKENDS = ["local", "slurm", "kubernetes"] as const;
/** The TRL commands whose configs are rendered: each file is named after its command. */
const TRL_CONFIGS = ["sft", "dpo", "kto", "grpo"] as const;
const PROFILES = ["cpu", "single-gpu", "multi-gpu", "fsdp2", "zero3"] as const;
const DISTRIBUTED: Record<string, string> = { cpu: "NO", "single-gpu": "NO", "multi-gpu": "MULTI_GPU", fsdp2: "FSDP", zero3: "DEEPSPEED" };

type Raw = { compute?: { gpus?: number; nodes?: number; accelerate?: string; mixed_precision?: string }; training?: { hyperparameters?: Record<string, unknown>; search_space?: Record<string, { values?: unknown[]; min?: number; max?: number }>; then?: { method: string; hyperparameters?: Record<string, unknown> }[] }; matrix?: Record<string, unknown[]> };

/** The hyperparameters a train stage's config was rendered from: `training`'s, or a chain's later stage's (`train-dpo`). */
function hyperparametersOf(raw: Raw, configPath: string): Record<string, unknown> {
  const stage = basename(dirname(configPath));
  const later = /^train-([a-z]+)(?:-\d+)?$/.exec(stage);
  if (later === null) return raw.training?.hyperparameters ?? {};
  return raw.training!.then!.find((t) => t.method === later[1])!.hyperparameters ?? {};
}

/** What the recipe asks of a launch, with the defaults the schema documents. */
function launchOf(raw: Raw) {
  const gpus = raw.compute?.gpus ?? 0;
  const profile = raw.compute?.accelerate ?? (gpus === 0 ? "cpu" : gpus === 1 ? "single-gpu" : "multi-gpu");
  return { gpus, nodes: raw.compute?.nodes ?? 1, profile, mixed: raw.compute?.mixed_precision ?? (gpus > 0 ? "bf16" : "no") };
}

interface Output {
  recipe: string;
  backend: string;
  out: string;
  raw: Raw;
}

/** Whether TRL read `js` (from the rendered YAML) back as the same value of the same kind. */
function sameValue(key: string, js: unknown, py: PyValue): boolean {
  if (key === "report_to" && js === "none") return Array.isArray(py.value) && py.value.length === 0;
  if (typeof js === "string") return (py.type === "str" || py.type === "enum") && py.value === js;
  if (typeof js === "boolean") return py.type === "bool" && py.value === js;
  if (typeof js === "number") return (Number.isInteger(js) ? ["int", "float"] : ["float"]).includes(py.type) && py.value === js;
  // ModelConfig turns a one-element module list into the bare name.
  if (Array.isArray(js) && js.length === 1 && py.type === "str") return py.value === js[0];
  return JSON.stringify(js) === JSON.stringify(py.value);
}

describe("rendered files are accepted by the real tools", () => {
  const tmp = mkdtempSync(join(tmpdir(), "intern-real-tools-"));
  const outputs: Output[] = [];
  let python = "";
  let results: CheckResults;

  beforeAll(async () => {
    python = await ensurePythonEnv();
  }, 900_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("renders every recipe for every backend it accepts", async () => {
    for (const recipe of RECIPES) {
      for (const backend of BACKENDS) {
        try {
          loadRecipe(ROOT, recipe, backendOverride(backend));
        } catch (error) {
          if (error instanceof RecipeInvalidError) continue; // the recipe rejects this backend
          throw error;
        }
        const out = join(tmp, `${basename(recipe, ".yaml")}-${backend}`);
        const r = await render(recipe, out, backend);
        expect(r.code, `${recipe} --backend ${backend}: ${r.stderr}`).toBe(0);
        outputs.push({ recipe, backend, out, raw: parse(readFileSync(recipe, "utf8")) as Raw });
      }
    }
    for (const backend of BACKENDS) expect(outputs.some((o) => o.backend === backend), backend).toBe(true);
  });

  it("every run.sh and job.sbatch passes bash -n", () => {
    const scripts = outputs.flatMap((o) => filesNamed(o.out, ["run.sh", "job.sbatch"]));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.map(bashSyntaxError).filter((e) => e !== null)).toEqual([]);
    expect(outputs.filter((o) => o.backend === "slurm").flatMap((o) => filesNamed(o.out, ["job.sbatch"])).length).toBeGreaterThan(0);
  });

  it("Kubernetes ConfigMaps carry the stage's files unchanged", () => {
    const manifests = outputs.filter((o) => o.backend === "kubernetes").flatMap((o) => filesNamed(o.out, ["job.yaml"]));
    expect(manifests.length).toBeGreaterThan(0);
    for (const manifest of manifests) {
      const docs = parseAllDocuments(readFileSync(manifest, "utf8")) as { toJS(): { kind: string; data?: Record<string, string> } }[];
      const data = docs.map((d) => d.toJS()).find((d) => d.kind === "ConfigMap")!.data!;
      expect(Object.keys(data)).toContain("run.sh");
      // intern's own Python helpers travel in the ConfigMap as they are in python/.
      expect(data["fingerprint.py"], manifest).toBe(readFileSync(join(ROOT, "python", "fingerprint.py"), "utf8"));
      for (const [name, text] of Object.entries(data)) {
        if (!name.endsWith(".py")) expect(text, `${manifest}: ${name}`).toBe(readFileSync(join(dirname(manifest), name), "utf8"));
      }
    }
  });

  it("TRL and accelerate read every config back (one Python process)", async () => {
    const trl = outputs.flatMap((o) => TRL_CONFIGS.flatMap((command) => filesNamed(o.out, [`${command}.yaml`]).map((path) => ({ path, gpu: launchOf(o.raw).gpus > 0, command }))));
    const accelerate = outputs.flatMap((o) => filesNamed(o.out, ["accelerate.yaml"]));
    results = await checkWithRealTools(python, tmp, trl, accelerate);
    expect(Object.keys(results.trl).sort()).toEqual(trl.map((s) => s.path).sort());
    // The DPO, KTO and GRPO quickstarts are among the recipes: their configs are read by `trl dpo`'s, `trl kto`'s and `trl grpo`'s parsers.
    expect(new Set(trl.map((t) => t.command))).toEqual(new Set(TRL_CONFIGS));
    expect(Object.keys(results.accelerate).sort()).toEqual([...accelerate].sort());
  }, 300_000);

  it("sft.yaml, dpo.yaml, kto.yaml and grpo.yaml: no key is left over for accelerate, and every value keeps its type", () => {
    for (const o of outputs) {
      for (const path of filesNamed(o.out, TRL_CONFIGS.map((c) => `${c}.yaml`))) {
        const r = results.trl[path]!;
        expect(r.error, path).toBeUndefined();
        expect([r.remaining_config, r.remaining_args], path).toEqual([[], []]);
        const written = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
        for (const [key, value] of Object.entries(written)) {
          const py = r.values[key];
          expect(py, `${path}: ${key} is no field of TRL's dataclasses`).toBeDefined();
          expect(sameValue(key, value, py!), `${path}: ${key} written as ${JSON.stringify(value)}, TRL read ${JSON.stringify(py)}`).toBe(true);
        }
        // The recipe's own hyperparameters arrive as the recipe wrote them (or as a sweep chose).
        const hp = hyperparametersOf(o.raw, path);
        for (const [key, value] of Object.entries(hp)) {
          const swept = o.raw.matrix?.[`training.hyperparameters.${key}`];
          if (swept) expect(swept, `${path}: ${key}`).toContainEqual(written[key]);
          else expect(written[key], `${path}: ${key}`).toEqual(value);
        }
        for (const [key, range] of Object.entries(o.raw.training?.search_space ?? {})) {
          if (range.values) {
            expect(range.values, `${path}: ${key}`).toContainEqual(written[key]);
          } else {
            expect(written[key] as number, `${path}: ${key}`).toBeGreaterThanOrEqual(range.min!);
            expect(written[key] as number, `${path}: ${key}`).toBeLessThanOrEqual(range.max!);
          }
        }
        // Every recipe here sets a learning rate (hyperparameters, search space or matrix).
        const lr = r.values.learning_rate;
        expect(lr, `${path}: learning_rate`).toBeDefined();
        expect(lr!.type, path).toBe("float");
        if (hp.save_strategy === "no") expect(r.values.save_strategy, path).toEqual({ type: "enum", value: "no" });
      }
    }
  });

  it("a chained recipe's dpo.yaml starts from the sft stage's model, which TRL also loads as the reference", () => {
    const chained = outputs.filter((o) => basename(o.recipe) === "quickstart-sft-dpo.yaml");
    // Local and Slurm (the recipe needs a Kubernetes image for the third).
    expect(chained.map((o) => o.backend).sort()).toEqual(["local", "slurm"]);
    for (const o of chained) {
      const dpo = join(o.out, "stages", "train-dpo", "dpo.yaml");
      const sft = join(o.out, "stages", "train", "sft.yaml");
      // TRL's parser reads the path the sft stage writes its model to (its output_dir).
      const sftOutput = results.trl[sft]!.values.output_dir!;
      expect(sftOutput.value, sft).toMatch(/\/stages\/train\/model$/);
      expect(results.trl[dpo]!.values.model_name_or_path, dpo).toEqual({ type: "str", value: sftOutput.value });
      // The sft stage starts from the base model (the make-model stage's), and reads its own prepared data.
      expect(results.trl[sft]!.values.model_name_or_path!.value, sft).toMatch(/\/stages\/make-model\/model$/);
      expect(results.trl[dpo]!.values.dataset_name!.value, dpo).toMatch(/\/stages\/prepare-dpo\/data$/);
      expect(results.trl[sft]!.values.dataset_name!.value, sft).toMatch(/\/stages\/prepare\/data$/);
    }
  });

  it("grpo.yaml: every reward function loads as `trl grpo` loads it, from the stage's folder", () => {
    const grpo = outputs.flatMap((o) => filesNamed(o.out, ["grpo.yaml"]));
    expect(grpo.length).toBeGreaterThan(0);
    const names = new Set<string>();
    for (const path of grpo) {
      const written = parse(readFileSync(path, "utf8")) as { reward_funcs: string[]; reward_weights: number[] };
      expect(written.reward_weights, path).toHaveLength(written.reward_funcs.length);
      expect(results.trl[path]!.rewards, path).toEqual(Object.fromEntries(written.reward_funcs.map((n) => [n, true])));
      for (const n of written.reward_funcs) names.add(n);
    }
    // intern's builtin, TRL's builtin and a recipe's file (the fixture and the quickstart) are all among them.
    expect([...names].sort()).toEqual(["intern_rewards.exact_answer", "recipe_reward_1.colour_reward", "recipe_reward_1.short_answer", "think_format_reward"]);
  });

  it("accelerate.yaml: accelerate loads it, and launch sees the recipe's machines and processes", () => {
    const seen = new Map<string, { sft: number; accelerate: number }>(PROFILES.map((p) => [p, { sft: 0, accelerate: 0 }]));
    let multiNodeSlurm = 0;
    for (const o of outputs) {
      const want = launchOf(o.raw);
      for (const path of filesNamed(o.out, ["accelerate.yaml"])) {
        const r = results.accelerate[path]!;
        expect(r.error, path).toBeUndefined();
        expect(r.launch.error, `${path}: accelerate launch refuses it`).toBeUndefined();
        expect({ type: r.distributed_type, processes: r.num_processes, machines: r.num_machines, mixed: r.mixed_precision, cpu: r.use_cpu }, path).toEqual({
          type: DISTRIBUTED[want.profile],
          processes: Math.max(1, want.gpus),
          machines: want.nodes,
          mixed: want.mixed,
          cpu: want.profile === "cpu",
        });
        expect(r.unknown_nested_keys, path).toEqual([]);
        expect(r.launch, path).toMatchObject({
          num_processes: Math.max(1, want.gpus),
          num_machines: want.nodes,
          use_deepspeed: want.profile === "zero3",
          use_fsdp: want.profile === "fsdp2",
          multi_gpu: want.profile === "multi-gpu",
        });
        seen.get(want.profile)!.accelerate++;
        if (existsSync(join(dirname(path), "sft.yaml"))) seen.get(want.profile)!.sft++;
        if (o.backend === "slurm" && want.nodes > 1) {
          multiNodeSlurm++;
          expect(readFileSync(join(dirname(path), "job.sbatch"), "utf8")).toMatch(/^srun --nodes=2 /m);
        }
      }
    }
    for (const [profile, n] of seen) {
      expect(n.sft, `sft.yaml checked for profile ${profile}`).toBeGreaterThan(0);
      expect(n.accelerate, `accelerate.yaml checked for profile ${profile}`).toBeGreaterThan(0);
    }
    expect(multiNodeSlurm).toBeGreaterThan(0);
  });
});
