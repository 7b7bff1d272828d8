/**
 * The problem collector of suite validation (src/suite/validate.ts): typed field checks that record
 * "path: got X; allowed: Y" problems instead of throwing, so that every problem of a suite is listed at once.
 *
 * @module
 */
import { badValue } from "../runtime/errors.ts";
import type { Component } from "../train/types.ts";
import type { OptionedEntry } from "./registries.ts";

/** A plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A safe integer in [min, max]. */
export function isInt(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

function range(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
}

/** Collects problems while resolving; every check is applied so that all problems are listed at once. */
export class Checker {
  readonly problems: string[] = [];

  add(path: string, value: unknown, allowed: string): void {
    this.problems.push(badValue(path, value, allowed));
  }

  unknownKeys(path: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const p = path ? `${path}.${key}` : key;
        this.problems.push(`${p}: unknown field; allowed fields: ${known.join(", ")}`);
      }
    }
  }

  int(path: string, v: unknown, fallback: number, min: number, max?: number): number {
    if (v === undefined) return fallback;
    if (!isInt(v, min, max)) {
      this.add(path, v, range(min, max ?? Number.MAX_SAFE_INTEGER));
      return fallback;
    }
    return v;
  }

  num(path: string, v: unknown, fallback: number, ok: (x: number) => boolean, allowed: string): number {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
      this.add(path, v, allowed);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], fallback: T): T {
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.add(path, v, allowed.join(" | "));
      return fallback;
    }
    return v as T;
  }

  bool(path: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") {
      this.add(path, v, "true | false");
      return fallback;
    }
    return v;
  }

  /** Resolve `string | {id, options}` against a registry; options are merged over defaults and validated. */
  component(
    path: string,
    v: unknown,
    registry: ReadonlyMap<string, OptionedEntry>,
    kind: string,
  ): Component | null {
    let id: unknown;
    let options: unknown = {};
    let idPath = path;
    if (typeof v === "string") id = v;
    else if (isObject(v)) {
      this.unknownKeys(path, v, ["id", "options"]);
      id = v.id;
      idPath = `${path}.id`;
      if (v.options !== undefined) options = v.options;
    } else {
      this.add(path, v, `a ${kind} id or {id, options}`);
      return null;
    }
    if (typeof id !== "string" || !registry.has(id)) {
      this.add(idPath, id, [...registry.keys()].join(" | "));
      return null;
    }
    if (!isObject(options)) {
      this.add(`${path}.options`, options, "an object of option values");
      return null;
    }
    const entry = registry.get(id)!;
    const merged = { ...(entry.defaults as Record<string, unknown>), ...options };
    // Factories may name options "<kind>.<id>.<option>" for library callers; here the path says it all.
    const own = new RegExp(`^(?:${kind}|method)\\.${id.replace(/[^\w-]/g, "\\$&")}\\.`);
    for (const p of entry.validate(merged)) this.problems.push(`${path}.options.${p.replace(own, "")}`);
    return { id, options: merged };
  }

  list<T>(path: string, v: unknown, item: (path: string, v: unknown) => T | null, allowEmpty = false): T[] {
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) {
      this.add(path, v, allowEmpty ? "a list" : "a non-empty list");
      return [];
    }
    const out: T[] = [];
    v.forEach((x, i) => {
      const r = item(`${path}[${i}]`, x);
      if (r !== null) out.push(r);
    });
    return out;
  }
}

/** Keys that occur more than once. */
export function duplicates<T>(xs: T[], key: (x: T) => string): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of xs) {
    const k = key(x);
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return [...dup];
}
