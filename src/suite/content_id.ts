/**
 * Content ids of runs: SHA-256 (crypto.subtle) over the canonical JSON of the fully resolved RunConfig and
 * the antbench version. Canonical JSON sorts object keys at every level, has no whitespace and writes
 * numbers as ECMAScript's shortest round-trip form, so the id depends on the values only, never on key
 * order or formatting.
 *
 * @module
 */
import type { RunConfig } from "../train/types.ts";
import { ANTBENCH_VERSION } from "./version.ts";

/** Number of hex digits of the id used for directory names (64 bits). */
export const RUN_ID_LENGTH = 16;

/**
 * Canonical JSON: sorted keys, no whitespace, `undefined` object fields dropped. Throws on values JSON
 * cannot represent faithfully (NaN, ±Infinity, functions, bigint), which would otherwise collide.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return "[" + value.map((v) => canonicalJson(v === undefined ? null : v)).join(",") + "]";
  }
  if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(obj[k])).join(",") + "}";
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

/** Lowercase hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Full SHA-256 hex of a run: hash of canonical {antbench: version, config}. */
export function runHash(config: RunConfig, version = ANTBENCH_VERSION): Promise<string> {
  return sha256Hex(canonicalJson({ antbench: version, config }));
}

/** The run's content id (the first RUN_ID_LENGTH hex digits of {@link runHash}). */
export async function runId(config: RunConfig, version = ANTBENCH_VERSION): Promise<string> {
  return (await runHash(config, version)).slice(0, RUN_ID_LENGTH);
}
