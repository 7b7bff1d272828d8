/**
 * Content checksums for dataset files (MD5 to match published dataset tables, SHA-256 for our own cache
 * keys), via `node:crypto` (Deno has no std/crypto here).
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Lower-case hex MD5 of `bytes`. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** Lower-case hex SHA-256 of one or more byte arrays / strings, hashed in order. */
export function sha256Hex(...parts: (Uint8Array | string)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}
