import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HOSTILE, writeFixtureReport, type ReportFixture } from "../helpers/report-fixture.js";
import { findChromium, loadInChromium } from "../support/chromium.js";

const chromium = findChromium();
const MISSING = "chromium is not installed: `apt-get install -y chromium` (.ci/run installs it), or set INTERN_TEST_CHROMIUM to a Chromium or Chrome binary";
const folders: string[] = [];
afterAll(() => {
  if (!process.env.INTERN_TEST_KEEP_REPORTS) for (const d of folders) rmSync(d, { recursive: true, force: true });
});

/**
 * The HTML report in a real browser: the quickstart's run and an agentic run (two passes, decide),
 * built from their recorded events and training logs, loaded in headless Chromium. No console
 * error, no request leaves the page, the charts are drawn, a screenshot lands beside the report;
 * markup in a recipe field, a dataset name or the agent's words is shown as text.
 */
describe("the HTML report in headless Chromium", () => {
  // In CI the browser must be there; on a workstation without it the test is skipped.
  it.runIf(!chromium && !!process.env.CI)("needs chromium in CI", () => {
    expect.fail(MISSING);
  });

  const cases: { name: ReportFixture; charts: number; texts: string[] }[] = [
    // Headline, one loss curve, timeline, DAG, the mix.
    { name: "quickstart", charts: 5, texts: ["creature-colours", "quickstart/train.jsonl", "contaminated removed", "sha256"] },
    // Headline, two loss curves, timeline, DAG, the mix (both passes prepared the same data).
    { name: "agentic", charts: 6, texts: ["northern-pass/creature-colours", "decide.p1", "CONTINUE", "2601.00042"] },
  ];

  describe.skipIf(!chromium).each(cases)("$name", ({ name, charts, texts }) => {
    it("loads without errors or requests, draws its charts, and leaves report.png beside report.html", async () => {
      const { runDir } = writeFixtureReport(name);
      folders.push(runDir);
      const screenshot = join(runDir, "report.png");
      const page = await loadInChromium(chromium!, join(runDir, "report.html"), { screenshot });
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.counts).toMatchObject({ scripts: 0, handlers: 0, images: 0 });
      expect(page.counts.charts).toBeGreaterThanOrEqual(charts);
      for (const t of ["Results", "Training", "Timeline", "DAG", "Data", "Budget", "Environment", ...texts]) expect(page.text).toContain(t);
      expect(page.title).toMatch(/^quickstart: run \d{8}-\d{6}-quickstart-\d{4}$/);
      // A PNG, of the size asked for.
      const png = readFileSync(screenshot);
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 2400]);
    }, 60_000);

    it("shows a <script> and an <img onerror> from the recipe, a dataset or the agent as text", async () => {
      const { runDir, html } = writeFixtureReport(name, { hostile: true });
      folders.push(runDir);
      expect(html).not.toContain(HOSTILE.script);
      expect(html).not.toContain(HOSTILE.img);
      const page = await loadInChromium(chromium!, join(runDir, "report.html"), { screenshot: join(runDir, "report.png") });
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.counts).toMatchObject({ scripts: 0, handlers: 0, images: 0 });
      expect(page.title).not.toBe("pwned");
      expect(page.text).toContain(HOSTILE.script);
      expect(page.text).toContain(HOSTILE.img);
      expect(existsSync(join(runDir, "report.png"))).toBe(true);
    }, 60_000);
  });
});
