import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_COMPUTE_INVALID";

/** GPUs, nodes and the accelerate profile must describe a launch that can happen. */
export const computeRule: Rule = (r) => {
  const out: Problem[] = [];
  const c = r.compute ?? {};
  const nodes = c.nodes ?? 1;
  const gpus = c.gpus ?? 0;
  if (gpus % nodes !== 0) {
    out.push({ path: ["compute", "gpus"], code: CODE, message: `compute.gpus (${gpus}) does not divide evenly across compute.nodes (${nodes})`, hint: `use a multiple of ${nodes}, such as ${nodes * Math.max(1, Math.round(gpus / nodes))}` });
  }
  if (nodes > 1 && gpus === 0) {
    out.push({ path: ["compute", "nodes"], code: CODE, message: "multi-node training needs GPUs (compute.gpus is 0)" });
  }
  if (nodes > 1 && (c.backend ?? "local") === "local") {
    out.push({ path: ["compute", "nodes"], code: CODE, message: "the local backend runs on one machine; compute.nodes must be 1", hint: "use backend slurm or kubernetes for multi-node training" });
  }
  const profile = c.accelerate;
  if (profile === "cpu" && gpus > 0) {
    out.push({ path: ["compute", "accelerate"], code: CODE, message: `accelerate profile \`cpu\` with compute.gpus ${gpus}`, hint: "drop compute.accelerate to pick a GPU profile, or set compute.gpus to 0" });
  }
  if (profile === "single-gpu" && gpus !== 1) {
    out.push({ path: ["compute", "accelerate"], code: CODE, message: `accelerate profile \`single-gpu\` needs compute.gpus 1, not ${gpus}` });
  }
  if ((profile === "multi-gpu" || profile === "fsdp2" || profile === "zero3") && gpus < (profile === "multi-gpu" ? 2 : 1)) {
    out.push({ path: ["compute", "accelerate"], code: CODE, message: `accelerate profile \`${profile}\` needs ${profile === "multi-gpu" ? "at least 2 GPUs" : "GPUs"}, but compute.gpus is ${gpus}` });
  }
  if (gpus === 0 && c.mixed_precision !== undefined && c.mixed_precision !== "no") {
    out.push({ path: ["compute", "mixed_precision"], code: CODE, message: `mixed precision \`${c.mixed_precision}\` needs GPUs; on CPU use \`no\`` });
  }
  const env = c.environment;
  if (env?.python !== undefined && env.requirements !== undefined) {
    out.push({ path: ["compute", "environment", "requirements"], code: CODE, message: "compute.environment has both `python` and `requirements`; keep one", target: "key" });
  }
  const backend = c.backend ?? "local";
  if (backend === "kubernetes" && c.kubernetes?.image === undefined) {
    out.push({ path: ["compute"], code: CODE, message: "backend kubernetes needs compute.kubernetes.image (the image jobs run in)", target: "key" });
  }
  if (backend !== "slurm" && c.slurm !== undefined) {
    out.push({ path: ["compute", "slurm"], code: CODE, message: `compute.slurm is ignored with backend \`${backend}\``, severity: "warning", target: "key" });
  }
  if (backend !== "kubernetes" && c.kubernetes !== undefined) {
    out.push({ path: ["compute", "kubernetes"], code: CODE, message: `compute.kubernetes is ignored with backend \`${backend}\``, severity: "warning", target: "key" });
  }
  // Portable kernels were checked with the fused AdamW intern picks for CPU training; another
  // optimizer may compute its square roots through MKL's vector math, which rounds by vendor.
  if (c.cpu_kernels === "portable" && gpus === 0) {
    const optims: [(string | number)[], unknown][] = [[["training", "hyperparameters", "optim"], r.training?.hyperparameters?.optim], ...(r.training?.then ?? []).map((t, i): [(string | number)[], unknown] => [["training", "then", i, "hyperparameters", "optim"], t.hyperparameters?.optim])];
    for (const [path, optim] of optims) {
      if (optim !== undefined && optim !== "adamw_torch_fused") {
        out.push({ path, code: CODE, message: `optimizer \`${String(optim)}\` with compute.cpu_kernels portable: only adamw_torch_fused (intern's choice when optim is unset) is known to compute the same bits on Intel and AMD CPUs`, hint: "drop optim, or accept that the run may not rerun bit for bit on another vendor's CPU", severity: "warning", target: "value" });
      }
    }
  }
  r.stages?.forEach((s, i) => {
    if ((s.placement ?? "job") === "control-plane" && (s.gpus ?? 0) > 0) {
      out.push({ path: ["stages", i, "gpus"], code: CODE, message: `stage ${s.name} runs in the control plane and cannot have GPUs` });
    }
  });
  return out;
};
