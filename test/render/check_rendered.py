"""Reads rendered files back with the real tools: TRL's parser for sft.yaml, dpo.yaml, kto.yaml and grpo.yaml,
accelerate's loader and launch validation for accelerate.yaml. Usage: check_rendered.py LIST.json;
LIST.json is {"trl": [{"path": P, "gpu": bool, "command": "sft" | "dpo" | "kto" | "grpo"}], "accelerate": [P]}. Prints one JSON object with a result per
file, after a marker line, so library warnings on stdout cannot garble it."""
import dataclasses
import enum
import json
import sys
import traceback
from unittest import mock

import yaml


def plain(value):
    """A parsed value as JSON, with its Python type: enums by value, so "no" reads as "no"."""
    if isinstance(value, enum.Enum):
        return {"type": "enum", "value": value.value}
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "value": [plain(v)["value"] for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"type": type(value).__name__, "value": value}
    return {"type": type(value).__name__, "value": repr(value)}


def error(exc):
    return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}


def check_trl(path, gpu, command):
    import transformers.training_args as training_args
    from trl import DatasetMixtureConfig, DPOConfig, GRPOConfig, KTOConfig, ModelConfig, ScriptArguments, SFTConfig, TrlParser
    from trl.scripts.grpo import GRPOScriptArguments

    # Exactly what `trl sft` / `trl dpo` build (trl/scripts/<command>.py make_parser + parse_args_and_config).
    config = {"sft": SFTConfig, "dpo": DPOConfig, "kto": KTOConfig, "grpo": GRPOConfig}[command]
    script = GRPOScriptArguments if command == "grpo" else ScriptArguments
    parser = TrlParser((script, config, ModelConfig, DatasetMixtureConfig))
    # This machine has no GPU: a GPU job's config is read as on a bf16-capable GPU. A CPU job's
    # config gets no such help, since it must parse on a machine without one.
    real = training_args.is_torch_bf16_gpu_available
    with mock.patch.object(training_args, "is_torch_bf16_gpu_available", (lambda: True) if gpu else real):
        try:
            *parsed, from_config, from_args = parser.parse_args_and_config(
                args=["--config", path], return_remaining_strings=True, separate_remaining_strings=True
            )
        except BaseException as exc:  # argparse exits with SystemExit on a bad value
            return error(exc)
    with open(path, encoding="utf-8") as f:
        keys = list(yaml.safe_load(f))
    values = {}
    for key in keys:
        owner = next((p for p in parsed if key in {f.name for f in dataclasses.fields(p)}), None)
        if owner is not None:
            values[key] = plain(getattr(owner, key))
    out = {"remaining_config": from_config, "remaining_args": from_args, "values": values}
    if command == "grpo":
        out["rewards"] = resolve_rewards(path, parsed[0].reward_funcs or [])
    return out


def resolve_rewards(path, names):
    """Each of `reward_funcs` as `trl grpo` loads it: a name of trl.rewards, or module.function
    imported from the job's working directory (the config's folder), as trl/scripts/grpo.py does."""
    import importlib
    import os

    import trl.rewards

    folder = os.path.dirname(os.path.abspath(path))
    out = {}
    for name in names:
        try:
            if "." not in name:
                out[name] = callable(getattr(trl.rewards, name))
                continue
            module_path, func = name.rsplit(".", 1)
            sys.path.insert(0, folder)
            try:
                sys.modules.pop(module_path, None)
                out[name] = callable(getattr(importlib.import_module(module_path), func))
            finally:
                sys.path.remove(folder)
        except BaseException as exc:
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


def check_accelerate(path):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    try:
        config = load_config_from_file(path)
    except BaseException as exc:
        return error(exc)
    out = {
        "class": type(config).__name__,
        "distributed_type": plain(config.distributed_type)["value"],
        "num_processes": config.num_processes,
        "num_machines": config.num_machines,
        "mixed_precision": config.mixed_precision,
        "use_cpu": config.use_cpu,
    }
    # `accelerate launch` copies nested deepspeed_config/fsdp_config keys onto its own options.
    parser = launch_command_parser()
    dests = {a.dest for a in parser._actions}
    nested = [k for k in (getattr(config, "deepspeed_config", None) or {}) if k not in dests]
    nested += [k for k in (getattr(config, "fsdp_config", None) or {}) if k not in dests and f"fsdp_{k}" not in dests]
    out["unknown_nested_keys"] = nested
    try:
        args, _, _ = _validate_launch_command(parser.parse_args(["--config_file", path, "train.py"]))
        out["launch"] = {k: getattr(args, k, None) for k in ("num_processes", "num_machines", "use_deepspeed", "use_fsdp", "multi_gpu", "cpu", "mixed_precision")}
    except BaseException as exc:
        out["launch"] = error(exc)
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        todo = json.load(f)
    result = {"trl": {s["path"]: check_trl(s["path"], s["gpu"], s["command"]) for s in todo.get("trl", [])}, "accelerate": {p: check_accelerate(p) for p in todo.get("accelerate", [])}}
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
