#!/usr/bin/env node
// The installed command. `npm ci` builds dist/ (the `prepare` script), so this runs with no other step.
import { runCli } from "../dist/cli/main.js";

const code = await runCli({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
