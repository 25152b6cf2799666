import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, events, intern, makeProject, ofType, provision, runs, walkFiles } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

const SECRETS = { HF_TOKEN: "hf_TESTSECRET123456", MISTRAL_API_KEY: "mistral-TESTSECRET-7890abcdef" };

/** Files under `.intern/` that contain a secret value, with which. */
function leaks(projectDir: string): string[] {
  const out: string[] = [];
  for (const file of walkFiles(join(projectDir, ".intern"))) {
    const text = readFileSync(file).toString("latin1");
    for (const [name, value] of Object.entries(SECRETS)) if (text.includes(value)) out.push(`${file}: ${name}`);
  }
  return out;
}

// A control-plane stage of the recipe's own, which checks the secrets are there without printing them.
const checkEnv = {
  stages: [
    {
      name: "check-env",
      run: 'if [ -n "$HF_TOKEN" ] && [ -n "$MISTRAL_API_KEY" ]; then touch "$INTERN_TEST_DIR/check-env.saw-secrets"; fi; echo "environment checked"',
      placement: "control-plane",
      needs: ["prepare"],
      // Its own limit: the plan counts a control-plane command at it, within the fixture's budget.
      time_limit: "5m",
    },
  ],
};

describe("secrets in the environment", () => {
  it("reach the jobs, and no file under .intern/", async () => {
    const project = makeProject({ changes: checkEnv });
    const r = await apply(project, [], SECRETS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The jobs (and the recipe's own command) had them...
    expect(existsSync(join(project.records, "train.saw-secrets"))).toBe(true);
    expect(existsSync(join(project.records, "check-env.saw-secrets"))).toBe(true);
    // ...and intern wrote them nowhere: events, rendered scripts and configs, logs, reports, cache.
    const files = walkFiles(join(project.dir, ".intern"));
    expect(files.some((f) => f.endsWith("events.jsonl"))).toBe(true);
    expect(files.some((f) => f.endsWith("run.sh"))).toBe(true);
    expect(files.some((f) => f.endsWith("job.log"))).toBe(true);
    expect(leaks(project.dir)).toEqual([]);
    for (const [, value] of Object.entries(SECRETS)) expect(r.stdout + r.stderr).not.toContain(value);
    const status = await intern(project, ["status", runs(project)[0]!, "--output", "json"], SECRETS);
    expect(status.stdout).not.toContain(SECRETS.HF_TOKEN);
  }, 120_000);

  it("stay out of failure messages and logs when a stage fails", async () => {
    const failing = { stages: [{ ...checkEnv.stages[0]!, run: `${checkEnv.stages[0]!.run}; echo "bad token"; exit 7` }] };
    const project = makeProject({ changes: failing });
    const r = await apply(project, [], { ...SECRETS, INTERN_TEST_TRAIN_EXIT: "2" });
    expect(r.code).toBe(1);
    const failed = Object.fromEntries(ofType(events(project), "stage_failed").map((e) => [e.stage, e.error]));
    expect(Object.keys(failed).sort()).toEqual(["check-env", "train"]);
    expect(failed["check-env"]).toContain("exited with code 7");
    expect(failed["check-env"]).toContain("bad token");
    expect(leaks(project.dir)).toEqual([]);
    for (const [, value] of Object.entries(SECRETS)) expect(r.stdout + r.stderr).not.toContain(value);
  }, 120_000);

  it("are scrubbed from the log of a command that prints them, and from the failure's last lines", async () => {
    const printing = { stages: [{ ...checkEnv.stages[0]!, run: 'echo "token is $HF_TOKEN"; echo "key is $MISTRAL_API_KEY"; exit 5' }] };
    const project = makeProject({ changes: printing });
    const r = await apply(project, [], SECRETS);
    expect(r.code).toBe(1);
    const failed = ofType(events(project), "stage_failed").find((e) => e.stage === "check-env")!;
    expect(failed.error).toContain("token is ***");
    const log = readFileSync(failed.log!, "utf8");
    expect(log).toContain("token is ***");
    expect(log).toContain("key is ***");
    expect(leaks(project.dir)).toEqual([]);
  }, 120_000);
});
