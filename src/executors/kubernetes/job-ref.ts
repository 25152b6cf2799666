import { InternError } from "../../errors.js";

/**
 * What the event log keeps of a submitted Job: enough to poll it with the run's other Jobs (the
 * namespace and run label), tell it from a later attempt of the same name (its uid), and write its
 * log into the stage folder (dir).
 */
export interface JobRef {
  namespace: string;
  name: string;
  uid: string;
  run: string;
  dir: string;
}

export function formatRef(ref: JobRef): string {
  return JSON.stringify({ namespace: ref.namespace, name: ref.name, uid: ref.uid, run: ref.run, dir: ref.dir });
}

export function parseRef(text: string): JobRef {
  try {
    const r = JSON.parse(text) as Partial<JobRef>;
    if (typeof r.namespace === "string" && typeof r.name === "string" && typeof r.uid === "string" && typeof r.run === "string" && typeof r.dir === "string") return r as JobRef;
  } catch {
    // not JSON: falls through to the error below
  }
  throw new InternError("INTERN_K8S_REF", `not a Kubernetes job reference: ${text}`, { hint: "the run was started with another backend; resume it with that backend (--backend)" });
}
