import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeEmulator, KubeObject, PodState } from "./emulator.js";

/** What a stand-in kubelet does with a new Job: run its container here, or put its pods in a state. */
export type Outcome = "run" | PodState;

/**
 * A stand-in kubelet for end-to-end tests: when the emulator creates a Job, it runs the Job's
 * container command on this machine, with the ConfigMap's files where the pod mounts them and the
 * container's plain `env` values (never a secretKeyRef), and reports the pods running, then
 * succeeded or failed, with the command's output as their log (growing while it runs). The stage folder is on this
 * machine, as it is on the shared volume a real cluster's pods mount at the same path.
 */
export function runPodsHere(emu: KubeEmulator, outcome: (job: KubeObject) => Outcome = () => "run"): void {
  emu.onJobCreated = (job) => {
    setTimeout(() => void runJob(emu, job, outcome(job)).catch(() => {}), 10);
  };
}

async function runJob(emu: KubeEmulator, job: KubeObject, outcome: Outcome): Promise<void> {
  const ns = job.metadata.namespace!;
  const name = job.metadata.name;
  const completions = Number(job.spec.completions ?? 1);
  if (outcome !== "run") {
    for (let i = 0; i < completions; i++) emu.setPod(ns, name, i, outcome);
    return;
  }
  const pod = job.spec.template.spec;
  const container = pod.containers[0];
  const files = mkdtempSync(join(tmpdir(), "intern-kubelet-"));
  const mount = (container.volumeMounts ?? []).find((m: { name: string }) => m.name === "files")?.mountPath ?? "/intern";
  for (const [file, content] of Object.entries(emu.get("configmaps", ns, name)?.data ?? {})) {
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, file), content);
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? files };
  for (const e of container.env ?? []) if (typeof e.value === "string") env[e.name] = e.value;
  const [command, ...args] = (container.command as string[]).map((a) => (a.startsWith(`${mount}/`) ? join(files, a.slice(mount.length + 1)) : a));
  for (let i = 0; i < completions; i++) {
    const pod = emu.setPod(ns, name, i, { state: "running" });
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn(command!, args, { env: { ...env, INTERN_MACHINE_RANK: String(i) }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      // The pod's log grows as the command writes, as a kubelet's does.
      const add = (d: Buffer) => {
        output += d.toString();
        emu.setLog(ns, pod.metadata.name, output);
      };
      child.stdout.on("data", add);
      child.stderr.on("data", add);
      child.on("close", (c) => resolve({ code: c ?? 1, output }));
    });
    if (!emu.get("jobs", ns, name)) return;
    emu.setPod(ns, name, i, code === 0 ? { state: "succeeded", log: output } : { state: "failed", exitCode: code, log: output });
  }
}
