/**
 * Errors with stable codes. Every failure a user can cause or fix is an InternError; its
 * message says what happened and what to do next. Anything else reaching the CLI is a bug.
 * Only `cli/` turns these into exit codes and printed text.
 */

/** The documents intern reads whose own problems get codes from their kind (`INTERN_LOCK_EMPTY`). */
export type DocumentCodePrefix = "INTERN_RECIPE" | "INTERN_LOCK";

/**
 * Every code intern reports. Codes are stable: scripts match on them, README names them. A new
 * one is added here, so a typo in a code is a type error, not a silent new code.
 */
export type ErrorCode =
  | "INTERN_AGENT_ANSWER_INVALID"
  | "INTERN_AGENT_PROMPT_TOO_LARGE"
  | "INTERN_BENCHMARK_INVALID"
  | "INTERN_BENCHMARK_UNREADABLE"
  | "INTERN_BUDGET_EXHAUSTED"
  | "INTERN_BUDGET_INVALID"
  | "INTERN_CANCELLED"
  | "INTERN_COMPUTE_INVALID"
  | "INTERN_CYCLE"
  | "INTERN_DATA_EMPTY"
  | "INTERN_DATA_INVALID_JSON"
  | "INTERN_DATA_NOT_FOUND"
  | "INTERN_DATA_NOT_PINNED"
  | "INTERN_DATA_UNREADABLE"
  | "INTERN_DISCOVER_EMPTY"
  | "INTERN_DUPLICATE_STAGE"
  | "INTERN_ENV_FAILED"
  | "INTERN_ENV_INVALID"
  | "INTERN_ENV_MISSING_PACKAGE"
  | "INTERN_ENV_NOT_IN_INDEX"
  | "INTERN_EVAL_NO_METRIC"
  | "INTERN_EVAL_NO_RESULTS"
  | "INTERN_FILE_IS_DIRECTORY"
  | "INTERN_FILE_NOT_FOUND"
  | "INTERN_FILE_UNREADABLE"
  | "INTERN_INPUT_UNREADABLE"
  | "INTERN_JOB_CANCELLED"
  | "INTERN_JOB_FAILED"
  | "INTERN_K8S_CANCEL"
  | "INTERN_K8S_CONFIG"
  | "INTERN_K8S_FORBIDDEN"
  | "INTERN_K8S_NAMESPACE"
  | "INTERN_K8S_NAME_TAKEN"
  | "INTERN_K8S_PVC"
  | "INTERN_K8S_REF"
  | "INTERN_K8S_REJECTED"
  | "INTERN_K8S_SECRET"
  | "INTERN_K8S_UNAUTHORIZED"
  | "INTERN_K8S_UNREACHABLE"
  | "INTERN_LLM_NO_API_KEY"
  | "INTERN_LLM_PRICE_UNKNOWN"
  | "INTERN_LLM_REQUEST"
  | "INTERN_LLM_TIMEOUT"
  | "INTERN_LLM_UNAUTHORIZED"
  | "INTERN_LLM_UNAVAILABLE"
  | "INTERN_LOCK_INVALID"
  | "INTERN_LOCK_MISSING"
  | "INTERN_LOCK_MOVED"
  | "INTERN_LOG_INVALID"
  | "INTERN_MANIFEST_INVALID"
  | "INTERN_MATRIX_INVALID"
  | "INTERN_OVER_BUDGET"
  | "INTERN_PLAN_INVALID"
  | "INTERN_PLAN_MOVED"
  | "INTERN_PROCESS_FAILED"
  | "INTERN_PUSH_FAILED"
  | "INTERN_PUSH_NO_CARD"
  | "INTERN_PUSH_NO_MODEL"
  | "INTERN_PUSH_NO_TOKEN"
  | "INTERN_RECIPE_INVALID"
  | "INTERN_RECIPE_TOO_LARGE"
  | "INTERN_REPLAY_INVALID"
  | "INTERN_REPLAY_MISSING"
  | "INTERN_RUN_FINISHED"
  | "INTERN_RUN_LOCKED"
  | "INTERN_RUN_MISMATCH"
  | "INTERN_RUN_NOT_FOUND"
  | "INTERN_RUN_UNREADABLE"
  | "INTERN_SECRET_IN_MANIFEST"
  | "INTERN_SLURM_SUBMIT_FAILED"
  | "INTERN_SLURM_UNREACHABLE"
  | "INTERN_SOURCE_AUTH"
  | "INTERN_SOURCE_BAD_ID"
  | "INTERN_SOURCE_BAD_QUERY"
  | "INTERN_SOURCE_CORRUPT"
  | "INTERN_SOURCE_ENDPOINT_INVALID"
  | "INTERN_SOURCE_FORBIDDEN"
  | "INTERN_SOURCE_HTTP"
  | "INTERN_SOURCE_INVALID_RESPONSE"
  | "INTERN_SOURCE_NOT_FOUND"
  | "INTERN_SOURCE_REFUSED"
  | "INTERN_SOURCE_UNREACHABLE"
  | "INTERN_SOURCE_UNSUPPORTED"
  | "INTERN_STAGE_ERROR"
  | "INTERN_STAGE_NOT_FOUND"
  | "INTERN_TEMPLATES_NOT_FOUND"
  | "INTERN_TEMPLATES_UNUSABLE"
  | "INTERN_TEMPLATE_ERROR"
  | "INTERN_TEMPLATE_MISSING"
  | "INTERN_TEMPLATE_UNKNOWN"
  | "INTERN_TEMPLATE_UNSAFE"
  | "INTERN_TOO_MANY_STAGES"
  | "INTERN_TRAIN_NO_MODEL"
  | "INTERN_TRL_RESERVED_KEY"
  | "INTERN_TRL_UNKNOWN_KEY"
  | "INTERN_TRL_VALUE"
  | "INTERN_TRL_VERSION_UNKNOWN"
  | "INTERN_UNKNOWN_NEED"
  | "INTERN_UNSUPPORTED"
  | "INTERN_USAGE"
  | "INTERN_YAML_ALIAS_LIMIT"
  | "INTERN_YAML_DUPLICATE_KEY"
  | "INTERN_YAML_SYNTAX"
  | `${DocumentCodePrefix}_${"NOT_UTF8" | "EMPTY" | "NOT_MAPPING"}`;

/** A position in a source file, 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One located problem, printed as `FILE:LINE:COL: message (CODE)` with a snippet. */
export interface Diagnostic {
  code: ErrorCode;
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
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; diagnostics?: Diagnostic[]; cause?: unknown } = {}) {
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

/** Work stopped by the user (Ctrl-C): `${what} was cancelled`. */
export function cancelled(what: string): InternError {
  return new InternError("INTERN_CANCELLED", `${what} was cancelled`);
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
