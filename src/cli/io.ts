/** What a command may touch of the outside world, injected so tests run commands in-process. */
export interface CliIO {
  argv: string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** The clock `apply` measures the wall-clock budget with (milliseconds); Date.now when unset. */
  now?: () => number;
}
