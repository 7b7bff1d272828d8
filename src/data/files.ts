/**
 * File access shared by the dataset loaders: paths relative to the repository root, and reads whose
 * failures become UsageErrors that name the file and the command that installs it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { UsageError } from "../runtime/errors.ts";
import { md5Hex } from "./checksum.ts";

/** Absolute path of the repository root (two levels above this file). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Resolve a dataset path: absolute paths stay, relative ones are taken from the repository root. */
export function resolveDataPath(path: string): string {
  return path.startsWith("/") ? path : `${REPO_ROOT}/${path}`;
}

/** Read a data file; a missing or unreadable file is a UsageError naming `installHint`. */
export async function readDataFile(path: string, dataset: string, installHint: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${dataset}: data file ${path} is missing. ${installHint}`);
    }
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`${dataset}: no permission to read ${path} (run with --allow-read covering it)`);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`${dataset}: ${path} is a directory, expected a data file`);
    }
    throw e;
  }
}

/** Gunzip `bytes`; a corrupt or truncated stream is a UsageError naming the file. */
export function gunzipData(
  bytes: Uint8Array,
  path: string,
  dataset: string,
  installHint: string,
): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UsageError(
      `${dataset}: ${path} is not a valid gzip file (${why}); it is corrupt. ${installHint}`,
    );
  }
}

/** Check the MD5 of `bytes` against the published value; a mismatch is a UsageError. */
export function verifyMd5(
  bytes: Uint8Array,
  expected: string,
  path: string,
  dataset: string,
  installHint: string,
): void {
  const got = md5Hex(bytes);
  if (got !== expected) {
    throw new UsageError(
      `${dataset}: checksum mismatch for ${path}: md5 ${got}, expected ${expected} ` +
        `(${bytes.length} bytes); the file is corrupt or a different file. ${installHint}`,
    );
  }
}
