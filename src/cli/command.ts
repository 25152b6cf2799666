import type { CliIO } from "./io.js";

/** A CLI command: its help text and what it does; returns the exit code. */
export interface Command {
  help: string;
  run: (io: CliIO, args: string[]) => number | Promise<number>;
}
