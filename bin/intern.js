#!/usr/bin/env node
// The installed command. `npm ci` builds dist/ (the `prepare` script), so this runs with no other step.
// It loads the bundle of dist/cli/main.js (see scripts/build.js).
import { runCli } from "../dist/bundle/main.js";

const code = await runCli({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
