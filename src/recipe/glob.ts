/**
 * Globs on Hub ids (`owner/name`): `*` and `?` stay inside one segment, `**` crosses `/`.
 * Matching is case-insensitive, like the Hub's own ids.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

export interface AllowDeny {
  allow: readonly string[];
  deny: readonly string[];
}

/** Why an id is refused by a policy, or null when it is allowed. Deny wins over allow. */
export function refusal(id: string, policy: AllowDeny): string | null {
  const denied = policy.deny.find((g) => globToRegExp(g).test(id));
  if (denied !== undefined) return `denied by \`${denied}\``;
  if (!policy.allow.some((g) => globToRegExp(g).test(id))) {
    return policy.allow.length === 0 ? "the allow list is empty" : `not matched by any allow pattern (${policy.allow.join(", ")})`;
  }
  return null;
}
