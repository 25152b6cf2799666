import type { Diagnostic } from "../errors.js";
import { printable } from "../printable.js";

/** `FILE:LINE:COL: message (CODE)`, the source line with a caret, and the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}: ` : "";
  const level = d.severity === "warning" ? "warning: " : "";
  let out = `${where}${level}${printable(d.message)} (${d.code})\n`;
  if (d.snippet) out += `${d.snippet.replace(/^/gm, "  ")}\n`;
  if (d.hint) out += `  hint: ${printable(d.hint)}\n`;
  return out;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const summary = [errors ? `${errors} error${errors === 1 ? "" : "s"}` : "", warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ");
  return `${diagnostics.map(formatDiagnostic).join("\n")}${summary ? `\n${summary}\n` : ""}`;
}
