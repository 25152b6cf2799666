import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeRunReport } from "../report/write-report.js";
import type { ControlPlaneRunner } from "./types.js";

/** Writes report.md and report.html into the stage folder and the run folder. */
export const reportRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    writeRunReport({ recipe: ctx.recipe, graph: ctx.graph, state: ctx.state(), runDir: ctx.loc.runDir, dirs: [ctx.dir, ctx.loc.runDir] });
    return { report: join(ctx.loc.runDir, "report.md"), html: join(ctx.loc.runDir, "report.html") };
  },
};
