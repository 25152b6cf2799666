/**
 * What a pure function of a recipe reads of it, recorded through proxies: which members it got
 * (or asked for with `in`), and which objects it listed the keys of. A sweep's trials differ
 * from the recipe only at their matrix paths, so a rule that read nothing at, under or on the
 * way to those paths gives every trial what it gave the recipe.
 */

const SEP = "\u0000";

export interface ReadPaths {
  /** The value to hand to the function: reads of it, at any depth, are recorded. */
  value: unknown;
  /**
   * Whether what was read so far could differ in a copy of the value with something else set at
   * `path` (as `withValue` makes a trial): a read at or under the path, a listing of an object on
   * the way to it, or a read on the way that found no object there (so the copy makes one).
   */
  touches(path: readonly string[]): boolean;
}

export function readPaths(value: unknown): ReadPaths {
  const read = new Set<string>();
  const listed = new Set<string>();
  /** Members whose proxy could not stand in for them (frozen): whatever is under them counts as read. */
  const opaque = new Set<string>();
  const proxies = new WeakMap<object, object>();
  const at = (base: string, key: string) => (base === "" ? key : base + SEP + key);

  const wrap = (target: unknown, path: string): unknown => {
    if (target === null || typeof target !== "object") return target;
    let proxy = proxies.get(target);
    if (proxy !== undefined) return proxy;
    proxy = new Proxy(target, {
      get(t, key) {
        const v: unknown = Reflect.get(t, key);
        if (typeof key === "symbol") return v;
        const p = at(path, key);
        read.add(p);
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        // A proxy may not stand in for a member that can neither change nor be reconfigured.
        if (d !== undefined && d.configurable === false && d.writable === false) {
          if (v !== null && typeof v === "object") opaque.add(p);
          return v;
        }
        return wrap(v, p);
      },
      has(t, key) {
        if (typeof key !== "symbol") read.add(at(path, key));
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        listed.add(path);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, key) {
        if (typeof key !== "symbol") read.add(at(path, key));
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };

  return {
    value: wrap(value, ""),
    touches(segments) {
      const full = segments.join(SEP);
      for (const r of [...read, ...opaque]) if (r === full || r.startsWith(full + SEP)) return true;
      let node: unknown = value;
      for (let i = 0; i < segments.length; i++) {
        const prefix = segments.slice(0, i).join(SEP);
        if (listed.has(prefix) || opaque.has(prefix)) return true;
        if (i > 0 && read.has(prefix) && (node === null || typeof node !== "object")) return true;
        node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[segments[i]!] : undefined;
      }
      return false;
    },
  };
}
