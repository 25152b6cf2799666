/** Environment variables whose values never appear in a log, an event or an error message. */
export const SECRET_NAMES: readonly string[] = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MISTRAL_API_KEY"];

const SECRET_PATTERN = /(TOKEN|API_KEY|SECRET|PASSWORD)$/;

/** The secret values present in an environment: the known names plus anything named like a secret. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= 6 && (SECRET_NAMES.includes(name) || SECRET_PATTERN.test(name))) out.add(value);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every secret value in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}
