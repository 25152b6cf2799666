import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ROOT } from "../../helpers/recipe.js";

const run = promisify(execFile);

/**
 * The quickstart on a real Kubernetes cluster, when INTERN_TEST_KUBECONFIG names one. Also needs
 * INTERN_TEST_K8S_IMAGE (an image with intern's pinned TRL stack and bash), INTERN_TEST_K8S_PVC
 * (a claim in the namespace) and INTERN_TEST_K8S_DIR (a folder on that claim, mounted at the same
 * path on this machine, that holds this checkout: pods read the stage folders and intern's
 * evaluator from it); INTERN_TEST_K8S_NAMESPACE defaults to `default`.
 */
const KUBECONFIG = process.env.INTERN_TEST_KUBECONFIG;

describe.skipIf(!KUBECONFIG)("the quickstart on a real Kubernetes cluster", () => {
  it("trains a model that beats its baseline, every job stage a Kubernetes Job", async () => {
    const need = (name: string) => {
      const v = process.env[name];
      if (!v) throw new Error(`${name} must be set with INTERN_TEST_KUBECONFIG (see README, Tests)`);
      return v;
    };
    const shared = need("INTERN_TEST_K8S_DIR");
    const project = mkdtempSync(join(shared, "intern-k8s-quickstart-"));
    const recipe = parse(readFileSync(join(ROOT, "recipes", "quickstart.yaml"), "utf8")) as Record<string, any>;
    recipe.compute = {
      ...(recipe.compute ?? {}),
      backend: "kubernetes",
      kubernetes: { namespace: process.env.INTERN_TEST_K8S_NAMESPACE ?? "default", image: need("INTERN_TEST_K8S_IMAGE"), pvc: need("INTERN_TEST_K8S_PVC") },
    };
    writeFileSync(join(project, "quickstart.yaml"), stringify(recipe));
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
    const env = { ...process.env, KUBECONFIG, PIP_RETRIES: "0", INTERN_DEBUG: "" };
    const bin = join(ROOT, "bin", "intern.js");
    const applied = await run(process.execPath, [bin, "apply", "quickstart.yaml", "--poll-interval", "2000"], { cwd: project, env, timeout: 1_700_000 }).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    for (const stage of ["baseline", "train", "evaluate"]) expect(applied.stdout).toMatch(new RegExp(`${stage}: Kubernetes Job \\S+ submitted`));
    const status = await run(process.execPath, [bin, "status", "--output", "json"], { cwd: project, env });
    const [state] = JSON.parse(status.stdout) as { stages: { id: string; outputs: { value?: number } }[] }[];
    const value = (id: string) => state!.stages.find((s) => s.id === id)!.outputs.value!;
    expect(value("evaluate") - value("baseline")).toBeGreaterThan(0.2);
  }, 1_800_000);
});
