#!/usr/bin/env node
// The installed command. `npm ci` builds dist/ (the `prepare` script), so this runs with no other step.
// `validate`, `plan`, `graph` and `schema` run from dist/bundle/fast.cjs: one script, compiled
// with the V8 code cache the build made for it. Every other command loads the ES module bundle of
// dist/cli/main.js (see scripts/build.js). This file is CommonJS (bin/package.json): an ES module
// entry would start Node's module loader first, and importing node:fs from one loads streams.
"use strict";
const { closeSync, openSync, readFileSync, readSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { Script } = require("node:vm");

const argv = process.argv.slice(2);
const bundle = join(__dirname, "..", "dist", "bundle");

/**
 * The fast script's exports (runCli, lazyStdio) when it serves this command, else null. The
 * script's first line names its build and its commands; the code cache of that build lies beside
 * it. V8 refuses a cache made by another Node or with other V8 flags, and then compiles the
 * source as usual.
 */
function fastPath() {
  // Its names are minified: with INTERN_DEBUG, stack traces come from the ES module bundle.
  if (process.env.INTERN_DEBUG) return null;
  const file = join(bundle, "fast.cjs");
  let fd;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    // The first line says which commands it serves: read the rest only for one of them.
    const head = Buffer.alloc(256);
    const header = /^\/\/ intern fast path ([0-9a-f]+) ([a-z,]+)\n/.exec(head.toString("latin1", 0, readSync(fd, head, 0, head.length, 0)));
    if (!header || !header[2].split(",").includes(argv[0])) return null;
    // The build writes it in ASCII, which Latin-1 reads the same and faster than UTF-8.
    const text = readFileSync(fd, "latin1");
    let cachedData;
    try {
      cachedData = readFileSync(join(bundle, `fast-${header[1]}.cache`));
    } catch {
      // No cache: V8 compiles the source.
    }
    const script = new Script(text, { filename: file, cachedData });
    const module = { exports: {} };
    script.runInThisContext()(module.exports, require, module, file, bundle, pathToFileURL(file).href);
    return module.exports;
  } finally {
    closeSync(fd);
  }
}

/** The stream, with `intern plan ... | head` closing the pipe early taken as the reader's choice, not an error. */
function guarded(stream) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  return stream;
}

async function main() {
  const fast = fastPath();
  const cli = fast ?? (await import("../dist/bundle/main.js"));
  // The fast commands only write text: their stdio streams are made when a write needs one.
  const stdout = fast ? cli.lazyStdio(1, () => guarded(process.stdout)) : guarded(process.stdout);
  const stderr = fast ? cli.lazyStdio(2, () => guarded(process.stderr)) : guarded(process.stderr);
  process.exitCode = await cli.runCli({ argv, cwd: process.cwd(), env: process.env, stdout, stderr });
}

main();
