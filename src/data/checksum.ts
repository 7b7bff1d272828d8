/**
 * Content checksums for dataset files (MD5 to match published dataset tables, SHA-256 for our own cache
 * keys), via `node:crypto` (Deno has no std/crypto here).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { UsageError } from "../runtime/errors.ts";

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

/**
 * Lower-case hex SHA-256 of a file's bytes; a UsageError naming `field`, the path and the reason when the
 * file cannot be read.
 */
export async function fileSha256(path: string, field: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${field}: ${JSON.stringify(path)}: no such file`);
    }
    throw new UsageError(`${field}: cannot read ${JSON.stringify(path)} (${(e as Error).message})`);
  }
  return sha256Hex(bytes);
}
