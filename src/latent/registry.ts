/**
 * Which autoencoder a `latent` reference names: an id with a recipe in src/latent/train.ts (weights
 * committed under fixtures/autoencoders/<id>/, trained by `deno task cli autoencoder train <id>`), or the
 * path of a directory in the "antbench.autoencoder/1" format (./weights.ts) that a user supplies, e.g. an
 * autoencoder for 256x256 faces trained on a GPU with the same command and `--out`. A reference containing
 * "/" (or starting with ".") is a path; anything else must be a known id.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { AUTOENCODER_RECIPES } from "./train.ts";
import { readAutoencoderManifestSync } from "./weights.ts";

/** Directory of the committed autoencoders. */
export const AUTOENCODERS_DIR: string = new URL("../../fixtures/autoencoders/", import.meta.url).pathname;

/** Ids of the autoencoders with a recipe (and committed weights). */
export const AUTOENCODER_IDS: readonly string[] = [...AUTOENCODER_RECIPES.keys()];

/** True when `ref` names a directory rather than a registered id. */
export function isAutoencoderPath(ref: string): boolean {
  return ref.includes("/") || ref.startsWith(".");
}

/** The directory of the autoencoder `ref` names; a UsageError naming `field` for an unknown id. */
export function autoencoderDir(ref: string, field = "latent"): string {
  if (isAutoencoderPath(ref)) return ref;
  if (!AUTOENCODER_RECIPES.has(ref)) {
    throw new UsageError(
      `${field}: unknown autoencoder ${JSON.stringify(ref)}; allowed: ${AUTOENCODER_IDS.join(", ")} ` +
        `or the path of a directory with an antbench.autoencoder/1 model.json and weights.bin`,
    );
  }
  return `${AUTOENCODERS_DIR}${ref}`;
}

/**
 * Why the autoencoder `ref` cannot encode images of shape `imageShape` (null when it can): unknown id,
 * unreadable or malformed manifest, or a different input shape. Synchronous (reads model.json only; the
 * weights' hash is verified when they are loaded).
 */
export function autoencoderProblem(ref: string, imageShape: readonly number[] | null): string | null {
  try {
    const manifest = readAutoencoderManifestSync(autoencoderDir(ref));
    if (imageShape !== null && manifest.arch.input.join("x") !== imageShape.join("x")) {
      return `autoencoder ${JSON.stringify(ref)} encodes ${manifest.arch.input.join("x")} images; ` +
        `the dataset's are ${imageShape.join("x")}`;
    }
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^latent: /, "") : String(e);
  }
}
