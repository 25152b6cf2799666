import type { DatasetFormat, TrainingMethod } from "./types.js";

/** What a training method trains on: the TRL command it runs and the data formats it reads. */
export interface MethodSpec {
  /** The formats of its datasets. */
  formats: readonly DatasetFormat[];
  /** Its data, in words, for messages: "preference pairs". */
  data: string;
  /** What to do when a dataset has another format. */
  hint: string;
}

/**
 * The methods intern trains with. Each runs `trl <method> --config <method>.yaml`, checked against
 * `schema/trl/trl-<version>[-<method>].json`, and reads only its formats: a format belongs to
 * exactly one method.
 */
export const METHODS: Readonly<Partial<Record<TrainingMethod, MethodSpec>>> = {
  sft: { formats: ["conversational", "prompt-completion", "text"], data: "conversations or text", hint: "map the dataset to a conversational format" },
  dpo: { formats: ["preference"], data: "preference pairs", hint: "set format: preference and map columns prompt, chosen and rejected" },
  kto: { formats: ["unpaired-preference"], data: "completions labelled desirable or not", hint: "set format: unpaired-preference and map columns prompt, completion and label" },
  grpo: { formats: ["prompt"], data: "prompts that reward functions score", hint: "set format: prompt and map columns prompt (and answer, or keep, for the reward functions)" },
};

/** The methods intern trains with; the format reserves the others. */
export const TRAINED_METHODS: readonly TrainingMethod[] = Object.keys(METHODS) as TrainingMethod[];

/** The columns each format maps; a column of another format is refused. */
export const FORMAT_COLUMNS: Readonly<Record<DatasetFormat, readonly string[]>> = {
  conversational: ["messages", "system"],
  "prompt-completion": ["prompt", "completion", "system"],
  text: ["text"],
  preference: ["prompt", "chosen", "rejected", "system"],
  "unpaired-preference": ["prompt", "completion", "label", "system"],
  prompt: ["prompt", "answer", "keep", "system"],
};

/** The method whose data a format is. */
export function methodOfFormat(format: DatasetFormat): TrainingMethod {
  return TRAINED_METHODS.find((m) => METHODS[m]!.formats.includes(format)) ?? "sft";
}
