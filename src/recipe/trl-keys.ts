import { closest } from "./suggest.js";

/** One key of `trl sft`'s config, as scripts/extract-trl-keys.py writes it. */
/** The file name of a key table in schema/trl/: `trl-<version>.json` for `trl sft`, `trl-<version>-<command>.json` for the others. */
export function trlTableFile(version: string, command: string): string {
  return `trl-${version}${command === "sft" ? "" : `-${command}`}.json`;
}

export interface TrlKey {
  group: string;
  type: string[];
  default: unknown;
  enum?: unknown[];
  help: string;
}

/** The keys a pinned TRL version accepts (schema/trl/trl-<version>.json). */
export interface TrlKeyTable {
  trl: string;
  command: string;
  keys: Record<string, TrlKey>;
}

/** Keys that TRL or transformers renamed or dropped, with what to write instead. */
export const RENAMED_KEYS: Readonly<Record<string, { to: string; note: string }>> = {
  max_seq_length: { to: "max_length", note: "TRL renamed `max_seq_length` to `max_length`" },
  torch_dtype: { to: "dtype", note: "transformers renamed `torch_dtype` to `dtype`" },
  warmup_ratio: { to: "warmup_steps", note: "transformers 5 dropped `warmup_ratio`; `warmup_steps` takes a fraction below 1 (`warmup_steps: 0.03`)" },
  evaluation_strategy: { to: "eval_strategy", note: "transformers renamed `evaluation_strategy` to `eval_strategy`" },
  dataset_text_field_name: { to: "dataset_text_field", note: "the key is `dataset_text_field`" },
};

/** Keys intern writes itself from other parts of the recipe; setting them would fight it. */
export const RESERVED_KEYS: Readonly<Record<string, string>> = {
  model_name_or_path: "set from `base_model`",
  model_revision: "set from `base_model.revision`",
  trust_remote_code: "set from `base_model.trust_remote_code`",
  dataset_name: "intern prepares the data and points TRL at it; pin datasets under `data.datasets`",
  dataset_config: "intern prepares the data; use `data.datasets[].config`",
  dataset_train_split: "intern prepares the data; use `data.datasets[].split`",
  dataset_test_split: "intern prepares the data",
  datasets: "intern prepares the data; pin datasets under `data.datasets`",
  output_dir: "intern places outputs in the run's stage folder",
  use_peft: "set from `training.peft`",
  lora_r: "set from `training.peft.r`",
  lora_alpha: "set from `training.peft.alpha`",
  lora_dropout: "set from `training.peft.dropout`",
  lora_target_modules: "set from `training.peft.target_modules`",
  hub_token: "tokens come from HF_TOKEN in the environment and are never written to a config",
  push_to_hub: "publishing the model is a stage of its own, not part of training",
  reward_funcs: "set from `training.rewards`: name a builtin or a function in a Python file beside the recipe",
  reward_weights: "set from the `weight` of each of `training.rewards`",
  reward_model_name_or_path: "intern scores GRPO completions with the functions of `training.rewards`; a reward model is not supported yet",
};

export type KeyProblem =
  | { kind: "unknown"; key: string; message: string; hint?: string }
  | { kind: "reserved"; key: string; message: string; hint?: string }
  | { kind: "type"; key: string; message: string; hint?: string };

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "object") return "object";
  return typeof value;
}

function typeAccepts(types: string[], value: unknown): boolean {
  if (types.includes("any")) return true;
  const t = jsonType(value);
  if (types.includes(t)) return true;
  if (t === "integer" && types.includes("number")) return true;
  // HfArgumentParser reads a number for a string field as its text; let a string field take one.
  return false;
}

/** Checks one hyperparameter key and value against the table. */
export function checkTrlKey(table: TrlKeyTable, key: string, value: unknown, options: { checkValue: boolean }): KeyProblem | null {
  const reserved = RESERVED_KEYS[key];
  if (reserved !== undefined) return { kind: "reserved", key, message: `\`${key}\` is set by intern`, hint: reserved };
  const spec = table.keys[key];
  if (spec === undefined) {
    const renamed = RENAMED_KEYS[key];
    if (renamed !== undefined && table.keys[renamed.to] !== undefined) {
      return { kind: "unknown", key, message: `\`${key}\` is not a key of TRL ${table.trl}`, hint: `did you mean \`${renamed.to}\`? ${renamed.note}` };
    }
    const guess = closest(key, Object.keys(table.keys));
    return {
      kind: "unknown",
      key,
      message: `\`${key}\` is not a key of TRL ${table.trl} (\`trl ${table.command}\` would pass it on to accelerate, which fails with "unrecognized arguments")`,
      ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
    };
  }
  if (!options.checkValue) return null;
  if (!typeAccepts(spec.type, value)) {
    return { kind: "type", key, message: `\`${key}\` must be ${spec.type.filter((t) => t !== "null").join(" or ")} for TRL ${table.trl}, not ${jsonType(value)}`, hint: spec.help || undefined } as KeyProblem;
  }
  if (spec.enum && value !== null && !spec.enum.includes(value)) {
    return { kind: "type", key, message: `\`${key}\` must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(", ")}, not ${JSON.stringify(value)}` };
  }
  return null;
}
