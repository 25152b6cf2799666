import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/project/load.js";
import { applyRecipe } from "../../src/engine/apply.js";
import { LocalExecutor } from "../../src/executors/local/local-executor.js";
import type { Executor, JobStatus } from "../../src/executors/types.js";
import { ROOT } from "../helpers/recipe.js";
import { cleanupEngineTests, events, makeProject, ofType, provision } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

/** The local executor, with the accounting a cluster would add to each finished job (2 GPUs for an hour). */
class AccountedExecutor extends LocalExecutor implements Executor {
  override async poll(refs: readonly string[]): Promise<Map<string, JobStatus>> {
    const out = await super.poll(refs);
    for (const [ref, st] of out) if (st.state === "succeeded") out.set(ref, { ...st, usage: { gpus: 2, elapsedSeconds: 3600, gpuHours: 2 } });
    return out;
  }
}

describe("GPU-hours", () => {
  it("are charged from the backend's accounting when it has them, not from intern's clock", async () => {
    const project = makeProject({ changes: { budget: { gpu_hours: 100 } } });
    const problems: string[] = [];
    const result = await applyRecipe({
      projectDir: project.dir,
      recipeFile: "recipe.yaml",
      loaded: loadRecipe(project.dir, "recipe.yaml"),
      executor: (report) => {
        report("said before the event log exists");
        return new AccountedExecutor();
      },
      forceNew: false, failFast: false, jobs: 1, pollIntervalMs: 50,
      env: project.env, signal: new AbortController().signal,
      pythonDir: join(ROOT, "python"), internVersion: "test", onEvent: () => {},
    }).catch((e: unknown) => (problems.push(String(e)), null));
    expect(problems).toEqual([]);
    expect(result!.status).toBe("succeeded");
    const done = ofType(events(project), "stage_done").filter((e) => ["baseline", "train", "evaluate"].includes(e.stage));
    expect(done.map((e) => e.gpuHours)).toEqual([2, 2, 2]);
    expect(result!.state.spent.gpuHours).toBe(6);
    // What the executor said before the run existed is in its event log.
    expect(ofType(events(project), "message").map((e) => e.text)).toContain("said before the event log exists");
  }, 120_000);
});
