import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reportHtml, reportMarkdown } from "../report/build-report.js";
import type { ControlPlaneRunner } from "./types.js";

/** Writes report.md and report.html into the stage folder and the run folder. */
export const reportRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const input = { recipe: ctx.recipe, graph: ctx.graph, state: ctx.state() };
    const md = reportMarkdown(input);
    const html = reportHtml(input);
    for (const dir of [ctx.dir, ctx.loc.runDir]) {
      writeFileSync(join(dir, "report.md"), md);
      writeFileSync(join(dir, "report.html"), html);
    }
    return { report: join(ctx.loc.runDir, "report.md"), html: join(ctx.loc.runDir, "report.html") };
  },
};
