import type { RunState } from "../../run/run-state.js";
import type { RunTimes } from "../stage-times.js";
import { html, type Html } from "./escape.js";

type Plain = Record<string, unknown>;

const plain = (v: unknown): Plain => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Plain) : {});
const text = (v: unknown): string => (v === null || v === undefined || v === "" ? "-" : typeof v === "string" ? v : JSON.stringify(v));

/** The lock this run wrote: its file and the sha256 of its bytes. */
export interface LockDigest {
  file: string;
  sha256: string;
}

/** One environment the jobs ran in (stages that ran in the same one share it). */
function fingerprintBlock(stages: readonly string[], f: Plain, determinism: readonly [string, Plain][]): Html {
  const hw = plain(f.hardware);
  const cpu = plain(hw.cpu);
  const gpus = Array.isArray(hw.gpus) ? (hw.gpus as unknown[]).map(plain) : [];
  const sw = plain(f.software);
  const torch = plain(sw.torch);
  const packages = Array.isArray(sw.packages) ? (sw.packages as unknown[]).map(text) : [];
  const vars = Object.entries(plain(f.environment));
  const rows: [string, Html | string][] = [
    ["CPU", `${text(cpu.model)}, ${text(cpu.arch)}, ${text(cpu.cores)} cores`],
    ["CPU features", Array.isArray(cpu.isa) ? (cpu.isa as unknown[]).map(text).join(" ") : "-"],
    ["GPUs", gpus.length === 0 ? "none" : gpus.map((g) => [g.model, g.memory_gib ? `${text(g.memory_gib)} GiB` : null, g.capability ? `compute ${text(g.capability)}` : null, g.driver ? `driver ${text(g.driver)}` : null].filter(Boolean).map(text).join(", ")).join("; ")],
    ["Python", `${text(sw.implementation)} ${text(sw.python)} on ${text(sw.system)}, ${text(sw.libc)}`],
    ["torch", `${text(torch.version)}${torch.cpu_capability ? `, CPU kernels ${text(torch.cpu_capability)}` : ""}${torch.cuda ? `, CUDA ${text(torch.cuda)}` : ""}${torch.threads ? `, ${text(torch.threads)} threads` : ""}`],
    ["Packages", html`${packages.length} resolved, sha256 <span class="mono">${text(sw.packages_sha256).replace(/^sha256:/, "")}</span>${packages.length > 0 ? html`<details><summary>the list</summary><p class="mono packages">${packages.join("  ")}</p></details>` : null}`],
  ];
  if (determinism.length > 0) rows.push(["Seeds", html`${determinism.map(([stage, d]) => html`<div><span class="mono">${stage}</span>: <span class="mono">${Object.entries(d).map(([k, v]) => `${k}=${text(v)}`).join(" ")}</span></div>`)}`]);
  if (vars.length > 0) rows.push(["Variables", html`<span class="mono">${vars.map(([k, v]) => `${k}=${text(v)}`).join("  ")}</span>`]);
  return html`<h3>${stages.join(", ")}</h3><table class="kv"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/**
 * Where the jobs ran, as each measured it (the environment fingerprint), the job environment's
 * digest, and the lock's digest once the run has written it.
 */
export function environmentSection(state: RunState, times: RunTimes | null, lock: LockDigest | null): Html {
  // Stages share an environment when their machine, software and variables are the same; their
  // seeds and determinism switches are their own.
  const groups = new Map<string, { stages: string[]; f: Plain; determinism: [string, Plain][] }>();
  for (const s of state.stages.values()) {
    const f = plain(s.outputs.fingerprint);
    if (Object.keys(f).length === 0) continue;
    const key = JSON.stringify([f.hardware, f.software, f.environment]);
    const g = groups.get(key) ?? { stages: [], f, determinism: [] };
    groups.set(key, g);
    g.stages.push(s.id);
    if (Object.keys(plain(f.determinism)).length > 0) g.determinism.push([s.id, plain(f.determinism)]);
  }
  const env = times?.environment;
  const facts = html`<table class="kv"><tbody><tr><th>Lock</th><td>${lock ? html`<span class="mono">${lock.file}</span>, sha256 <span class="mono">${lock.sha256.replace(/^sha256:/, "")}</span>` : "not written yet: the lock is written when the run succeeds (lock.yaml in the run folder)"}</td></tr><tr><th>Job environment</th><td>${env ? html`<span class="mono">${env.id}</span>${env.created ? " (created by this run)" : ""}` : "-"}</td></tr><tr><th>Backend</th><td>${state.backend}</td></tr>${times?.intern ? html`<tr><th>intern</th><td class="mono">${times.intern}</td></tr>` : null}</tbody></table>`;
  return html`<section id="environment"><h2>Environment</h2>${facts}${groups.size === 0 ? html`<p class="muted">No job recorded a fingerprint.</p>` : [...groups.values()].map((g) => fingerprintBlock(g.stages, g.f, g.determinism))}</section>`;
}
