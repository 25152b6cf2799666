import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { RunEvent } from "../../src/run/events.js";
import { foldEvents } from "../../src/run/run-state.js";
import { readEvents } from "../../src/run/run-store.js";
import { writeRunReport } from "../../src/report/write-report.js";
import { compileText, FIXTURES, patch } from "./recipe.js";

/**
 * Two real runs, kept as their event logs and training logs (paths normalised to /project):
 * `quickstart`, the quickstart on this machine's CPU; `agentic`, the quickstart with its data left
 * open against the emulators (research, discover, two passes of real `trl sft`, decide).
 */
export type ReportFixture = "quickstart" | "agentic";

/** Markup a recipe, a dataset or a model could carry: the report must show it as text. */
export const HOSTILE = {
  script: `<script>document.title="pwned"</script>`,
  img: `<img src=x onerror="document.title='pwned'">`,
};

/** Replaces strings anywhere in a JSON value. */
function swap(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((v) => swap(v, from, to));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v, from, to)]));
  return value;
}

/**
 * Copies a fixture run into a new temp folder and writes its report there, as the report stage
 * does once the run has finished. `hostile`: the recipe's goal carries a `<script>`, and a dataset
 * name, the agent's reasons and a paper quote carry markup (an `<img onerror>`, a `<script>`).
 */
export function writeFixtureReport(name: ReportFixture, options: { hostile?: boolean } = {}): { runDir: string; md: string; html: string } {
  const runDir = mkdtempSync(join(tmpdir(), `intern-report-${name}-`));
  const source = join(FIXTURES, "report", name);
  cpSync(join(source, "run"), runDir, { recursive: true });
  let recipe = parse(readFileSync(join(source, "recipe.yaml"), "utf8")) as Record<string, unknown>;
  if (options.hostile) {
    recipe = patch(recipe, { goal: `${String(recipe.goal)} ${HOSTILE.script}` });
    let events: unknown = readEvents(runDir);
    const swaps: [string, string][] =
      name === "quickstart"
        ? [["quickstart/train.jsonl", `quickstart/${HOSTILE.img}.jsonl`]]
        : [
            ["the colour of each creature, as conversations", `the colours ${HOSTILE.img}`],
            ["below the target; try a lower learning rate", `below the target ${HOSTILE.script}`],
            ["We introduce northern-pass/creature-colours", `We introduce ${HOSTILE.img}`],
          ];
    for (const [from, to] of swaps) events = swap(events, from, to);
    writeFileSync(join(runDir, "events.jsonl"), `${(events as RunEvent[]).map((e) => JSON.stringify(e)).join("\n")}\n`);
  }
  const { validated, graph } = compileText(stringify(recipe, { lineWidth: 0 }), { file: "recipe.yaml" });
  const state = foldEvents(readEvents(runDir))!;
  const { md, html } = writeRunReport({ recipe: validated.recipe, graph, state, runDir, dirs: [runDir] });
  return { runDir, md, html };
}
