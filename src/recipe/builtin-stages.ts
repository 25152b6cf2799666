/** Names of the stages intern adds itself; user stages refer to them in `needs` and `before`. */
export const BUILTIN_STAGE_NAMES: readonly string[] = [
  "research",
  "discover",
  "synthesize",
  "prepare",
  "baseline",
  "train",
  "evaluate",
  "decide",
  "report",
];
