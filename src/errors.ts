/**
 * Errors with stable codes. Every failure a user can cause or fix is an InternError; its
 * message says what happened and what to do next. Anything else reaching the CLI is a bug.
 * Only `cli/` turns these into exit codes and printed text.
 */

/** A position in a source file, 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One located problem, printed as `FILE:LINE:COL: message (CODE)` with a snippet. */
export interface Diagnostic {
  code: string;
  message: string;
  /** Where it is; absent for problems that belong to no place in a file. */
  location?: SourceLocation;
  /** The source line and a caret under the column, ready to print. */
  snippet?: string;
  /** What to do about it. */
  hint?: string;
  /** The recipe path it is about (`budget.gpu_hours`), when it is about one. */
  path?: string;
  severity: "error" | "warning";
}

export class InternError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: string, message: string, options: { hint?: string; diagnostics?: Diagnostic[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "InternError";
    this.code = code;
    this.hint = options.hint;
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Raised when a recipe has one or more errors; carries all of them. */
export class RecipeInvalidError extends InternError {
  constructor(file: string, diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    super("INTERN_RECIPE_INVALID", `${file}: ${errors} error${errors === 1 ? "" : "s"}`, { diagnostics });
    this.name = "RecipeInvalidError";
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends InternError {
  constructor(message: string, hint?: string) {
    super("INTERN_USAGE", message, hint === undefined ? {} : { hint });
    this.name = "UsageError";
  }
}

/**
 * Something intern itself got wrong: a broken invariant, not anything a user did. Not an
 * InternError, so the CLI prints it as an internal error that asks for a report (cli/main.ts
 * adds those words); its own message is `internal: ...`, as a failed stage records it.
 */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal: ${message}`, options);
    this.name = "InternalError";
  }
}
