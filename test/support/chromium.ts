import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Readable, Writable } from "node:stream";

/** Chromium on this machine: INTERN_TEST_CHROMIUM, else the first of the usual names on PATH; null when none. */
export function findChromium(): string | null {
  const candidates = [process.env.INTERN_TEST_CHROMIUM, "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8", timeout: 20_000 });
    if (r.status === 0 && /chrom/i.test(r.stdout)) return c;
  }
  return null;
}

/** What a page did when loaded in headless Chromium. */
export interface PageLoad {
  /** console.error/console.assert calls, uncaught exceptions and the browser's own error log entries. */
  errors: string[];
  /** Every URL the page asked for, besides the page itself. */
  requests: string[];
  title: string;
  /** document.body.innerText. */
  text: string;
  /** Elements in the DOM: `<script>`, any element with an `on...` attribute, `<img>`, `<svg>` charts. */
  counts: { scripts: number; handlers: number; images: number; charts: number };
}

/** The fields of the DevTools events this client reads. */
interface EventParams {
  type?: string;
  args?: { value?: unknown; description?: string }[];
  exceptionDetails?: { text?: string; exception?: { description?: string } };
  entry?: { level?: string; text?: string; url?: string };
  request?: { url?: string };
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/**
 * Loads a local HTML file in headless Chromium through the DevTools protocol over a pipe
 * (`--remote-debugging-pipe`: no port, no WebSocket client), records console errors, exceptions
 * and every request the page made, reads the DOM, and saves a PNG of the first `width` x `height`
 * pixels to `screenshot`.
 */
export async function loadInChromium(chromium: string, file: string, options: { screenshot: string; width?: number; height?: number; timeoutMs?: number }): Promise<PageLoad> {
  const width = options.width ?? 1280;
  const height = options.height ?? 2400;
  const profile = mkdtempSync(join(tmpdir(), "intern-chromium-"));
  const child = spawn(chromium, ["--headless=new", "--disable-gpu", "--no-sandbox", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio", `--window-size=${width},${height}`, "about:blank"], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let buffered = "";
  fromBrowser.on("data", (d: Buffer) => {
    buffered += d.toString("utf8");
    let end: number;
    while ((end = buffered.indexOf("\0")) >= 0) {
      const m = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      if (m.id !== undefined && pending.has(m.id)) {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error) p.reject(new Error(`DevTools: ${m.error.message}`));
        else p.resolve(m);
      } else for (const l of listeners) l(m);
    }
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`chromium exited: ${stderr.trim().split("\n").slice(-5).join("\n")}`));
    pending.clear();
  });
  let next = 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`DevTools ${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: (m) => (clearTimeout(timer), resolve(m.result ?? {})), reject: (e) => (clearTimeout(timer), reject(e)) });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });

  try {
    const { targetId } = (await send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const url = pathToFileURL(file).href;
    const errors: string[] = [];
    const requests: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => (loaded = resolve));
    listeners.push((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params as EventParams;
      if (m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) errors.push(`console.${p.type}: ${(p.args ?? []).map((a) => String(a.value ?? a.description)).join(" ")}`);
      else if (m.method === "Runtime.exceptionThrown") errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      else if (m.method === "Log.entryAdded" && p.entry?.level === "error") errors.push(`log: ${p.entry.text} ${p.entry.url ?? ""}`.trim());
      else if (m.method === "Network.requestWillBeSent" && p.request?.url !== url) requests.push(String(p.request?.url));
      else if (m.method === "Page.loadEventFired") loaded();
    });
    for (const domain of ["Runtime", "Log", "Network", "Page"]) await send(`${domain}.enable`, {}, sessionId);
    await send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send("Page.navigate", { url }, sessionId);
    await Promise.race([load, new Promise((_, reject) => setTimeout(() => reject(new Error(`${url} did not load in ${timeoutMs} ms`)), timeoutMs))]);
    // Anything the page would start after its load event (an image's onerror, a late fetch).
    await new Promise((r) => setTimeout(r, 300));
    const read = (await send("Runtime.evaluate", {
      expression: `JSON.stringify({ title: document.title, text: document.body.innerText, counts: { scripts: document.scripts.length, handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length, images: document.images.length, charts: document.querySelectorAll("svg.chart").length } })`,
      returnByValue: true,
    }, sessionId)) as { result: { value: string } };
    const page = JSON.parse(read.result.value) as Pick<PageLoad, "title" | "text" | "counts">;
    const shot = (await send("Page.captureScreenshot", { format: "png", clip: { x: 0, y: 0, width, height, scale: 1 } }, sessionId)) as { data: string };
    writeFileSync(options.screenshot, Buffer.from(shot.data, "base64"));
    await send("Browser.close").catch(() => ({}));
    return { errors, requests, ...page };
  } finally {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    clearTimeout(timer);
    // The browser's helper processes may still be writing to the profile as the browser exits.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch {
      // A profile left in the temp folder is harmless.
    }
  }
}
