/**
 * Content ids of runs: SHA-256 (crypto.subtle) over the canonical JSON of the fully resolved RunConfig and
 * the antbench version. Canonical JSON sorts object keys at every level, has no whitespace and writes
 * numbers as ECMAScript's shortest round-trip form, so the id depends on the values only, never on key
 * order or formatting.
 *
 * Files that change the numbers enter by their bytes, not their path: a run with a task-affinity matrix is
 * hashed with `clustering.affinitySha256` (the SHA-256 of the file's bytes, resolved by
 * {@link withAffinityHash} when the suite's runs are planned) in place of `clustering.affinity`, so a
 * regenerated matrix changes every dependent run id and a moved file changes none. Likewise a latent run's
 * autoencoder enters by `latent.weightsHash` (the SHA-256 of its weights.bin, {@link withLatentHash}) in
 * place of its id or path.
 *
 * @module
 */
import type { RunConfig } from "../train/types.ts";
import { ANTBENCH_VERSION } from "./version.ts";
import { fileSha256 } from "../data/checksum.ts";
import { readAutoencoderManifestSync } from "../latent/weights.ts";
import {
  autoencoderDir,
  autoencoderTrained,
  isAutoencoderPath,
  untrainedMessage,
} from "../latent/registry.ts";
import { UsageError } from "../runtime/errors.ts";

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

/**
 * The config with `clustering.affinitySha256` set from the affinity file's bytes (unchanged when the run has
 * no affinity file). Throws a UsageError naming `clustering.affinity` when the file cannot be read.
 */
export async function withAffinityHash(config: RunConfig): Promise<RunConfig> {
  const path = config.clustering.affinity;
  if (path === undefined) return config;
  const affinitySha256 = await fileSha256(path, "clustering.affinity");
  return { ...config, clustering: { ...config.clustering, affinitySha256 } };
}

/**
 * The config with `latent.weightsHash` set from the autoencoder's manifest (whose hash the weights are
 * verified against when they are loaded); unchanged when the run has no latent space.
 */
// deno-lint-ignore require-await
export async function withLatentHash(config: RunConfig): Promise<RunConfig> {
  if (config.latent === undefined) return config;
  const ref = config.latent.autoencoder;
  if (!isAutoencoderPath(ref) && !autoencoderTrained(ref)) throw new UsageError(untrainedMessage(ref));
  const manifest = readAutoencoderManifestSync(autoencoderDir(config.latent.autoencoder));
  return { ...config, latent: { ...config.latent, weightsHash: manifest.weightsHash } };
}

/**
 * What the id hashes: the config with the affinity path replaced by the hash of its bytes and the
 * autoencoder reference by the hash of its weights.
 */
function hashedView(config: RunConfig): RunConfig {
  if (config.latent !== undefined) {
    if (config.latent.weightsHash === undefined) {
      throw new Error(
        `runHash: latent.autoencoder ${
          JSON.stringify(config.latent.autoencoder)
        } has no weightsHash; resolve ` +
          "it with withLatentHash (planRuns does) so the id hashes the weights, not a name",
      );
    }
    config = { ...config, latent: { autoencoder: "", weightsHash: config.latent.weightsHash } };
  }
  const { affinity, affinitySha256, ...rest } = config.clustering;
  if (affinity === undefined) return config;
  if (affinitySha256 === undefined) {
    throw new Error(
      `runHash: clustering.affinity ${JSON.stringify(affinity)} has no affinitySha256; resolve it with ` +
        `withAffinityHash (planRuns does) so the id hashes the file's bytes, not its path`,
    );
  }
  return { ...config, clustering: { ...rest, affinitySha256 } };
}

/**
 * Full SHA-256 hex of a run: hash of canonical {antbench: version, config}, the affinity file entering by
 * the hash of its bytes (see the module doc).
 */
export async function runHash(config: RunConfig, version = ANTBENCH_VERSION): Promise<string> {
  return await sha256Hex(canonicalJson({ antbench: version, config: hashedView(config) }));
}

/** The run's content id (the first RUN_ID_LENGTH hex digits of {@link runHash}). */
export async function runId(config: RunConfig, version = ANTBENCH_VERSION): Promise<string> {
  return (await runHash(config, version)).slice(0, RUN_ID_LENGTH);
}
