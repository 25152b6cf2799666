// Compiles src/ to dist/ with tsc, copies the generated schema validators beside it, and bundles
// the CLI into dist/bundle/ for bin/intern.js.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
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
for (const generated of ["recipe/generated/recipe-validator.js", "lock/generated/lock-validator.js", "saved-plan/generated/plan-validator.js"]) {
  mkdirSync(dirname(join(root, "dist", generated)), { recursive: true });
  copyFileSync(join(root, "src", generated), join(root, "dist", generated));
}

// Unbundled, `intern validate` spends most of its time resolving, reading and compiling files
// one at a time: ours, yaml's 70-odd CommonJS files and ajv's runtime. One bundle, split per
// command so that `validate` never parses what `render` or `apply` need, cuts what it adds to
// Node's own start-up by about a third (test/bench/startup.js).
// dist/bundle/ is two levels below the package root, like dist/cli/, so PACKAGE_ROOT holds.
const esbuild = await import("esbuild");
/**
 * The generated validators load ajv's runtime helpers through a require() of its own, which a
 * bundler cannot follow: at run time that would start Node's CommonJS loader for three small
 * files. Without that require(), esbuild bundles the helpers like any other require() call.
 */
const bundleValidatorRuntime = {
  name: "bundle-validator-runtime",
  setup(build) {
    build.onLoad({ filter: /generated[\\/][a-z-]+-validator\.js$/ }, ({ path }) => ({
      contents: readFileSync(path, "utf8").replace(/^import \{ createRequire \} from "node:module";\nconst require = createRequire\(import\.meta\.url\);$/m, ""),
      loader: "js",
    }));
  },
};
await esbuild.build({
  // The row worker is an entry of its own: data/row-pool.js starts it from `./row-worker.js`
  // beside whichever chunk holds the pool, which in the bundle is dist/bundle/.
  entryPoints: { main: join(root, "dist", "cli", "main.js"), "row-worker": join(root, "dist", "data", "row-worker.js") },
  outdir: join(root, "dist", "bundle"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Bundled CommonJS (yaml, handlebars) calls require() for Node's own modules.
  banner: { js: 'import { createRequire as __internCreateRequire } from "node:module";\nconst require = __internCreateRequire(import.meta.url);' },
  logLevel: "warning",
  // OpenTelemetry is an optional peer of the Mistral SDK, loaded through a dynamic import() in a
  // try/catch: left out of the bundle, tracing is a no-op unless the user installs it.
  external: ["@opentelemetry/api"],
  plugins: [bundleValidatorRuntime],
});
