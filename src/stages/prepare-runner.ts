import { join } from "node:path";
import { prepareData } from "./prepare.js";
import type { ControlPlaneRunner } from "./types.js";

/** Data preparation runs inside intern: read, map, mix, dedupe, decontaminate, write. */
export const prepareRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    const manifest = await prepareData({ recipe: ctx.recipe, recipeDir: ctx.recipeDir, dir: ctx.dir, signal: ctx.signal });
    return { data: join(ctx.dir, "data"), manifest };
  },
};
