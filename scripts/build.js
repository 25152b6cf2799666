// Compiles src/ to dist/ with tsc and copies the generated schema validator beside it.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
} catch {
  // Installed without dev dependencies: dist/ ships prebuilt.
  process.exit(0);
}
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
const generated = "recipe/generated/recipe-validator.js";
mkdirSync(dirname(join(root, "dist", generated)), { recursive: true });
copyFileSync(join(root, "src", generated), join(root, "dist", generated));
