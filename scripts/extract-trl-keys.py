"""Write the keys `trl sft` (or `trl dpo`, `trl kto`, `trl grpo`) accepts, with their types, for the TRL version installed.

intern checks a recipe's `training.hyperparameters` against this file offline, so that a key
the pinned TRL does not know is caught by `intern validate` instead of by `accelerate launch`
("unrecognized arguments") hours later on a cluster. Run it in the job environment:

    python scripts/extract-trl-keys.py > schema/trl/trl-<version>.json
    python scripts/extract-trl-keys.py dpo > schema/trl/trl-<version>-dpo.json
    python scripts/extract-trl-keys.py kto > schema/trl/trl-<version>-kto.json
    python scripts/extract-trl-keys.py grpo > schema/trl/trl-<version>-grpo.json
"""
import dataclasses
import enum
import json
import sys
import types
import typing

import trl
from trl import DatasetMixtureConfig, DPOConfig, GRPOConfig, KTOConfig, ModelConfig, ScriptArguments, SFTConfig
from trl.scripts.grpo import GRPOScriptArguments

# The config class each command parses, besides the arguments every command shares.
CONFIGS = {"sft": SFTConfig, "dpo": DPOConfig, "kto": KTOConfig, "grpo": GRPOConfig}
# The script arguments of each command: `trl grpo` adds its reward functions to the shared ones.
SCRIPT_ARGUMENTS = {"grpo": GRPOScriptArguments}


def json_type(annotation):
    """Map a dataclass annotation to (json types, enum choices)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds, choices = set(), None
        for arg in typing.get_args(annotation):
            sub, sub_choices = json_type(arg)
            kinds |= set(sub)
            choices = sub_choices or choices
        return sorted(kinds), choices
    if origin is typing.Literal:
        values = list(typing.get_args(annotation))
        return sorted({json_type(type(v))[0][0] for v in values}), values
    if annotation is type(None):
        return ["null"], None
    if annotation is bool:
        return ["boolean"], None
    if annotation is int:
        return ["integer"], None
    if annotation is float:
        return ["number"], None
    if annotation is str:
        return ["string"], None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return ["string"], [m.value for m in annotation]
    if origin in (list, tuple) or annotation in (list, tuple):
        return ["array"], None
    if origin is dict or annotation is dict:
        return ["object"], None
    return ["any"], None


def default_of(field):
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "sft"
    if command not in CONFIGS:
        sys.exit(f"unknown command {command}; expected one of {', '.join(CONFIGS)}")
    keys = {}
    hints_cache = {}
    for cls in (SCRIPT_ARGUMENTS.get(command, ScriptArguments), CONFIGS[command], ModelConfig, DatasetMixtureConfig):
        hints = hints_cache.setdefault(cls, typing.get_type_hints(cls))
        for field in dataclasses.fields(cls):
            if not field.init or field.name.startswith("_") or field.name in keys:
                continue
            kinds, choices = json_type(hints.get(field.name, typing.Any))
            help_text = (field.metadata or {}).get("help", "") or ""
            entry = {"group": cls.__name__, "type": kinds, "default": default_of(field)}
            meta_choices = (field.metadata or {}).get("choices")
            if meta_choices:
                choices = list(meta_choices)
            if choices:
                entry["enum"] = choices
            entry["help"] = " ".join(help_text.split())[:400]
            keys[field.name] = entry
    out = {"trl": trl.__version__, "command": command, "keys": dict(sorted(keys.items()))}
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
