import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

let library: typeof import("yaml") | undefined;

/**
 * The yaml library, loaded the first time it is needed: a plainly written recipe is read without
 * it (plain-yaml.ts), and then it is needed only for a message that points at a line. Loading
 * it costs a start-up that does not use it a few milliseconds. The bundles carry it all the same
 * (scripts/build.js hands esbuild this require()).
 */
export function yamlLibrary(): typeof import("yaml") {
  return (library ??= require("yaml") as typeof import("yaml"));
}
