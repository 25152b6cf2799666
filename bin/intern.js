#!/usr/bin/env node
// The installed command. `npm ci` builds dist/ (the `prepare` script), so this runs with no other step.
// It loads the bundle of dist/cli/main.js (see scripts/build.js).
import { runCli } from "../dist/bundle/main.js";

// `intern plan ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
