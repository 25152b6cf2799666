"""What moves a job's numbers on the node it runs on, as one JSON document on stdout.

intern runs this at the start of every job (on the node itself: a Slurm or Kubernetes node is not
the login node) and records the result with the stage's outputs and in the lock, so an audit on
another machine can say what differs: the CPU and the kernels torch dispatches to, the GPUs and
their driver stack, the resolved package set, the thread counts and the determinism switches.

Nothing secret and nothing that varies between identical reruns on one machine: no host name,
no time, no path, no environment variable beyond the few named below.

    python fingerprint.py > fingerprint.json
"""
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys

# The CPU features that decide which kernels torch, oneDNN and BLAS use, and so the floats.
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "neon", "asimd", "sve")
# Environment variables that change threading or determinism.
THREAD_KEYS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
ENV_KEYS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUBLAS_WORKSPACE_CONFIG", "PYTHONHASHSEED", "OPENBLAS_CORETYPE", "NVIDIA_TF32_OVERRIDE")


def cpu():
    model, flags = platform.processor() or None, set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model", "cpu model") and value.strip():
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {"model": model, "arch": platform.machine(), "isa": [f for f in ISA_FLAGS if f in flags], "cores": cores}


def packages():
    seen = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata.get("Name") or "").lower().replace("_", "-")
        if name and name not in seen:
            seen[name] = dist.version
    return [f"{n}=={v}" for n, v in sorted(seen.items())]


def nvidia_driver():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        lines = [l.strip() for l in out.stdout.splitlines() if l.strip()]
        return lines[0] if out.returncode == 0 and lines else None
    except (OSError, subprocess.SubprocessError):
        return None


def torch_facts():
    if importlib.util.find_spec("torch") is None:
        return None, []
    import torch

    facts = {
        "version": torch.__version__,
        "cuda": torch.version.cuda,
        "cpu_capability": getattr(torch.backends.cpu, "get_cpu_capability", lambda: None)(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "cudnn": None,
        "nccl": None,
        "tf32_matmul": None,
    }
    gpus = []
    if torch.cuda.is_available():
        facts["cudnn"] = torch.backends.cudnn.version()
        try:
            facts["nccl"] = ".".join(str(v) for v in torch.cuda.nccl.version())
        except Exception:  # noqa: BLE001 - a build without NCCL
            facts["nccl"] = None
        facts["tf32_matmul"] = bool(torch.backends.cuda.matmul.allow_tf32)
        driver = nvidia_driver()
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            gpus.append({"model": p.name, "capability": f"{p.major}.{p.minor}", "memory_gib": round(p.total_memory / 2**30), "driver": driver})
    return facts, gpus


def main():
    torch, gpus = torch_facts()
    doc = {
        "hardware": {"cpu": cpu(), "gpus": gpus},
        "software": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": f"{platform.system()}-{platform.machine()}",
            "libc": "-".join(platform.libc_ver()) or None,
            "torch": torch,
            "packages": packages(),
        },
        # With torch present, its thread count is the one that counts, however it was set.
        "environment": {k: os.environ[k] for k in ENV_KEYS if k in os.environ and not (torch and k in THREAD_KEYS)},
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
