"""What moves a job's numbers on the node it runs on, as one JSON document on stdout.

intern runs this at the start of every job, on the node itself (a Slurm or Kubernetes node is
not the login node), and records the result with the stage's outputs and in the lock, so an audit on
another machine can say what differs: the CPU and the kernels torch dispatches to, the GPUs and
their driver stack, the resolved package set, the thread counts and the determinism switches.
It takes about a tenth of a second: it reads files and asks nvidia-smi, and imports nothing heavy
(not torch, whose facts it reads from torch's version file and derives by torch's own rules).

Nothing secret and nothing that varies between identical reruns on one machine: no host name,
no time, no path, no environment variable beyond the few named below.

    python fingerprint.py > fingerprint.json
"""
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys

# The CPU features that decide which kernels torch, oneDNN and BLAS use, and so the floats.
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "neon", "asimd", "sve")
# Environment variables that change threading or determinism.
THREAD_KEYS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
ENV_KEYS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_CBWR", "OPENBLAS_NUM_THREADS", "CUBLAS_WORKSPACE_CONFIG", "PYTHONHASHSEED", "OPENBLAS_CORETYPE", "NVIDIA_TF32_OVERRIDE")


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
            seen[name] = dist
    return [f"{n}=={d.version}" for n, d in sorted(seen.items())], packages_digest(seen)


# Lines of an installed package's RECORD that say nothing of the wheel it came from: bytecode
# compiled at install time (it embeds times), scripts outside site-packages (their first line
# names the environment's path), and what the installer wrote about itself.
NOT_FROM_THE_WHEEL = re.compile(r"(__pycache__/|\.pyc,|^\.\./|\.dist-info/(INSTALLER|REQUESTED|RECORD|direct_url\.json),)")


def packages_digest(dists):
    """sha256 over the file hashes pip recorded for every package (its RECORD files): the same
    versions built differently (a CPU and a CUDA torch, a patched wheel) digest differently."""
    h = hashlib.sha256()
    for name, dist in sorted(dists.items()):
        record = dist.read_text("RECORD") or ""
        lines = sorted(l for l in record.splitlines() if "sha256=" in l and not NOT_FROM_THE_WHEEL.search(l))
        h.update(f"{name}\n".encode())
        for line in lines:
            h.update(f"{line}\n".encode())
    return f"sha256:{h.hexdigest()}"


def gpus():
    """Each GPU as nvidia-smi sees it; none where there is no nvidia-smi."""
    fields = "name,compute_cap,memory.total,driver_version"
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={fields}", "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    found = []
    for line in out.stdout.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 4:
            memory = round(float(parts[2]) / 1024) if parts[2].replace(".", "", 1).isdigit() else None
            found.append({"model": parts[0], "capability": parts[1], "memory_gib": memory, "driver": parts[3]})
    return found


def torch_version_file():
    """torch's own version.py, read as text: importing torch would cost seconds in every job."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    facts = {}
    try:
        with open(os.path.join(list(spec.submodule_search_locations)[0], "version.py"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^(__version__|cuda|hip)\s*(?::[^=]*)?=\s*(.+?)\s*$", line)
                if m:
                    value = m.group(2)
                    facts[m.group(1)] = None if value == "None" else value.strip("'\"")
    except OSError:
        return None
    return facts


def cpu_capability(isa):
    """The CPU kernels torch dispatches to, by its own rule: ATEN_CPU_CAPABILITY when set, else the best the CPU has."""
    forced = os.environ.get("ATEN_CPU_CAPABILITY")
    if forced:
        return forced.upper()
    if platform.machine() in ("x86_64", "AMD64"):
        if {"avx512f", "avx512bw", "avx512vl"} <= isa:
            return "AVX512"
        if {"avx2", "fma"} <= isa:
            return "AVX2"
    return "DEFAULT"


def physical_cores():
    """Distinct (package, core) pairs in /proc/cpuinfo: torch's default intra-op thread count."""
    pairs, package = set(), None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "physical id":
                    package = value.strip()
                elif key == "core id":
                    pairs.add((package, value.strip()))
    except OSError:
        return None
    return len(pairs) or os.cpu_count()


def env_threads():
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(key, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def torch_facts(cpu_isa, pkgs):
    version = torch_version_file()
    if version is None:
        return None
    by_name = dict(p.split("==", 1) for p in pkgs)
    cudnn = next((v for n, v in by_name.items() if n.startswith("nvidia-cudnn")), None)
    nccl = next((v for n, v in by_name.items() if n.startswith("nvidia-nccl")), None)
    return {
        "version": version.get("__version__"),
        "cuda": version.get("cuda"),
        "hip": version.get("hip"),
        "cpu_capability": cpu_capability(cpu_isa),
        # torch's default: OMP_NUM_THREADS or MKL_NUM_THREADS when set, else the physical cores.
        "threads": env_threads() or physical_cores(),
        "cudnn": cudnn,
        "nccl": nccl,
    }


def main():
    machine = cpu()
    pkgs, pkgs_digest = packages()
    torch = torch_facts(set(machine["isa"]), pkgs)
    doc = {
        "hardware": {"cpu": machine, "gpus": gpus()},
        "software": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": f"{platform.system()}-{platform.machine()}",
            "libc": "-".join(platform.libc_ver()) or None,
            "torch": torch,
            "packages": pkgs,
            "packages_sha256": pkgs_digest,
        },
        # With torch present, its thread count is the one that counts, however it was set.
        "environment": {k: os.environ[k] for k in ENV_KEYS if k in os.environ and not (torch and k in THREAD_KEYS)},
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
