// Makes the V8 code cache of dist/bundle/fast.cjs (see scripts/build.js): compiles the script as
// bin/intern.js does, runs `validate` and `plan` on the recipes in recipes/, so that the
// functions they call are compiled too, and writes what V8 then holds. Run by the build in a
// process of its own, with no V8 flags: V8 takes a cache only from the same Node and flags.
//
//   node scripts/code-cache.js dist/bundle/fast.cjs dist/bundle/fast-<hash>.cache
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";

const [fastFile, cacheFile] = process.argv.slice(2);
const root = fileURLToPath(new URL("..", import.meta.url));
const url = pathToFileURL(fastFile);
const script = new Script(readFileSync(fastFile, "latin1"), { filename: fastFile });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(url), module, fastFile, fileURLToPath(new URL(".", url)), url.href);
const { runCli } = module.exports;

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const run = (argv) => runCli({ argv, cwd: root, env: {}, stdout: sink(), stderr: sink() });
// What a start needs is what `validate` and `plan` of a usual recipe call: those functions are
// compiled now and their bytecode goes into the cache. The more it holds the longer V8 takes to
// read it, so a lock's reader (and its schema validator), which `plan` loads only beside a lock,
// stays out: the recipes with a lock beside them are validated, not planned.
const recipes = readdirSync(join(root, "recipes")).filter((f) => /\.ya?ml$/.test(f) && !f.includes(".lock."));
for (const recipe of recipes) {
  await run(["validate", join("recipes", recipe)]);
  if (!existsSync(join(root, "recipes", recipe.replace(/\.ya?ml$/, ".lock.yaml")))) await run(["plan", join("recipes", recipe)]);
}
writeFileSync(cacheFile, script.createCachedData());
