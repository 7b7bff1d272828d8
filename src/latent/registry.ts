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
import { latentShape } from "./autoencoder.ts";

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
  const recipe = AUTOENCODER_RECIPES.get(ref);
  if (recipe?.dir) return recipe.dir;
  if (!recipe) {
    throw new UsageError(
      `${field}: unknown autoencoder ${JSON.stringify(ref)}; allowed: ${AUTOENCODER_IDS.join(", ")} ` +
        `or the path of a directory with an antbench.autoencoder/1 model.json and weights.bin`,
    );
  }
  return `${AUTOENCODERS_DIR}${ref}`;
}

/** True when the weights of `ref` are present (a model.json in its directory). */
export function autoencoderTrained(ref: string): boolean {
  try {
    return Deno.statSync(`${autoencoderDir(ref)}/model.json`).isFile;
  } catch {
    return false;
  }
}

/**
 * Why the autoencoder `ref` cannot encode images of shape `imageShape` (null when it can): unknown id,
 * unreadable or malformed manifest, or a different input shape. A registered recipe is checked by its
 * architecture, so a suite naming a recipe whose weights are not trained yet (one for a GPU machine)
 * validates; planning its runs then asks for the weights ({@link untrainedMessage}). Synchronous (reads
 * model.json only; the weights' hash is verified when they are loaded).
 */
export function autoencoderProblem(ref: string, imageShape: readonly number[] | null): string | null {
  try {
    const recipe = isAutoencoderPath(ref) ? undefined : AUTOENCODER_RECIPES.get(ref);
    const input = recipe && !autoencoderTrained(ref)
      ? recipe.arch.input
      : readAutoencoderManifestSync(autoencoderDir(ref)).arch.input;
    if (imageShape !== null && input.join("x") !== imageShape.join("x")) {
      return `autoencoder ${JSON.stringify(ref)} encodes ${input.join("x")} images; ` +
        `the dataset's are ${imageShape.join("x")}`;
    }
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^latent: /, "") : String(e);
  }
}

/**
 * The shape of one latent of the autoencoder `ref` (from its recipe or its manifest's architecture), or
 * null when it cannot be read (the problem is reported by {@link autoencoderProblem}). The denoiser of a
 * latent run sees data of this shape, so memory estimates and shape checks use it, not the images'.
 */
export function autoencoderLatentShape(ref: string): number[] | null {
  try {
    const recipe = isAutoencoderPath(ref) ? undefined : AUTOENCODER_RECIPES.get(ref);
    const arch = recipe && !autoencoderTrained(ref)
      ? recipe.arch
      : readAutoencoderManifestSync(autoencoderDir(ref)).arch;
    return [...latentShape(arch)];
  } catch {
    return null;
  }
}

/** What to do about a registered recipe without weights. */
export function untrainedMessage(ref: string): string {
  const recipe = AUTOENCODER_RECIPES.get(ref);
  return `latent: autoencoder ${JSON.stringify(ref)} has no trained weights at ${autoencoderDir(ref)}` +
    (recipe?.note ? `: ${recipe.note}` : `: run \`deno task cli autoencoder train ${ref}\``);
}
