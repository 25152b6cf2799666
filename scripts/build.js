// Compiles src/ to dist/ with tsc, copies the generated schema validators beside it, and bundles
// the CLI into dist/bundle/ for bin/intern.js.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
 * recipe/yaml-library.js loads yaml the same way, when first needed.
 */
const bundleValidatorRuntime = {
  name: "bundle-validator-runtime",
  setup(build) {
    build.onLoad({ filter: /(generated[\\/][a-z-]+-validator|recipe[\\/]yaml-library)\.js$/ }, ({ path }) => ({
      contents: readFileSync(path, "utf8").replace(/^import \{ createRequire \} from "node:module";\nconst require = createRequire\(import\.meta\.url\);$/m, ""),
      loader: "js",
    }));
  },
};
await esbuild.build({
  // The workers are entries of their own: data/row-pool.js starts `./row-worker.js` and
  // data/spill-reader.js `./spill-worker.js` beside whichever chunk holds them, which in the
  // bundle is dist/bundle/.
  entryPoints: {
    main: join(root, "dist", "cli", "main.js"),
    "row-worker": join(root, "dist", "data", "row-worker.js"),
    "spill-worker": join(root, "dist", "data", "spill-worker.js"),
  },
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

// The fast path: `validate`, `plan`, `graph` and `schema` as one script that bin/intern.js runs
// through node:vm with a V8 code cache made here, so that a start compiles nothing: no module
// graph to resolve and link, no source to parse, and the functions a plan calls already have
// their bytecode. Node 20 has no compile cache for ES modules (module.enableCompileCache came in
// 22.1), hence a script. Every other command runs from the ES module bundle above; a process
// uses one or the other, never both, so each class (InternError...) exists once in it.
const FAST_COMMANDS = ["validate", "plan", "graph", "schema"];
/** In the fast script, the other commands are a module that says it is a bug to get there. */
const fastCommandsOnly = {
  name: "fast-commands-only",
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, ({ path, importer }) => {
      const name = /([a-z-]+)\.js$/.exec(path)[1];
      if (!/[\\/]cli[\\/]main\.js$/.test(importer) || FAST_COMMANDS.includes(name)) return undefined;
      return { path: name, namespace: "not-in-fast-path" };
    });
    build.onLoad({ filter: /.*/, namespace: "not-in-fast-path" }, ({ path }) => ({
      contents: `throw new Error("the fast path has no \`${path}\` command: bin/intern.js runs it from dist/bundle/main.js");`,
      loader: "js",
    }));
  },
};
const fast = await esbuild.build({
  entryPoints: [join(root, "dist", "cli", "main.js")],
  bundle: true,
  write: false,
  format: "cjs",
  platform: "node",
  target: "node20",
  // The script is compiled as one function of these parameters (see bin/intern.js).
  define: { "import.meta.url": "__importMetaUrl" },
  logLevel: "warning",
  // A fifth less to read at each start. Stack traces (INTERN_DEBUG=1) come from the ES module
  // bundle, whose names are the sources' (bin/intern.js).
  minify: true,
  plugins: [bundleValidatorRuntime, fastCommandsOnly],
});
const fastCode = `(function (exports, require, module, __filename, __dirname, __importMetaUrl) {${fast.outputFiles[0].text}\n})`;
// bin/intern.js reads it as Latin-1, which is cheaper than UTF-8 and the same for ASCII.
if (/[^\x00-\x7f]/.test(fastCode)) throw new Error("dist/bundle/fast.cjs would not be ASCII: esbuild's charset must stay ascii");
const fastHash = createHash("sha256").update(fastCode).digest("hex").slice(0, 16);
const header = `// intern fast path ${fastHash} ${FAST_COMMANDS.join(",")}\n`;
writeFileSync(join(root, "dist", "bundle", "fast.cjs"), header + fastCode);
execFileSync(process.execPath, [join(root, "scripts", "code-cache.js"), join(root, "dist", "bundle", "fast.cjs"), join(root, "dist", "bundle", `fast-${fastHash}.cache`)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_OPTIONS: "" },
});
