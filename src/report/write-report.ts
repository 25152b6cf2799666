import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { reportMarkdown, type ReportInput } from "./build-report.js";
import { reportHtml } from "./html/report-html.js";
import { readRunFacts } from "./read-run-facts.js";

/**
 * Writes `report.md` and `report.html` for a run into each of `dirs`, reading what the HTML page
 * needs from the run folder. Returns the two texts.
 */
export function writeRunReport(input: ReportInput & { runDir: string; dirs: readonly string[] }): { md: string; html: string } {
  const md = reportMarkdown(input);
  const html = reportHtml({ ...input, facts: readRunFacts(input.runDir, input.state) });
  for (const dir of input.dirs) {
    writeFileSync(join(dir, "report.md"), md);
    writeFileSync(join(dir, "report.html"), html);
  }
  return { md, html };
}
