/**
 * `deno task cli autoencoder train|eval|list`: the KL autoencoders of latent diffusion (src/latent/).
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { initBackend } from "../runtime/backend.ts";
import { getDatasetFactory } from "../data/registry.ts";
import type { ImageDataset } from "../data/image_dataset.ts";
import { AUTOENCODER_RECIPES, trainAutoencoder } from "../latent/train.ts";
import {
  type AutoencoderManifest,
  loadAutoencoder,
  saveAutoencoder,
  writeAutoencoderManifest,
} from "../latent/weights.ts";
import { AUTOENCODER_IDS, autoencoderDir, autoencoderTrained } from "../latent/registry.ts";
import { makeCodec } from "../latent/codec.ts";
import { measureQuality } from "../latent/quality.ts";
import { loadFeatureSpace } from "../metrics/features/registry.ts";

const USAGE =
  `usage: deno task cli autoencoder train <id> [--steps N] [--out DIR] [--backend native|wasm|cpu|webgpu]
         [--no-quality] [--inception MODEL.json] [--json]
       deno task cli autoencoder eval <id|DIR> [--record] [--n 1000] [--reference 1000] [--resamples 10]
         [--inception MODEL.json] [--backend native|wasm|cpu|webgpu] [--json]
       deno task cli autoencoder list [--json]

KL-regularised autoencoders for latent diffusion (Rombach et al. 2022): suites name one with
\`latent: "<id>"\` (or the path of a directory in the antbench.autoencoder/1 format) and train their
denoisers on its scaled latents. Recipes: ${AUTOENCODER_IDS.join(", ")}.

  train   train the recipe deterministically (seeded init, data order and posterior noise) and write
          model.json + weights.bin (with SHA-256) to fixtures/autoencoders/<id>/ (or --out), then measure
          its reconstruction quality (PSNR on the held-out split; FD of reconstructions vs real images in
          the dataset's feature space beside the real-vs-real floor) into model.json
  eval    verify the stored weights' hash and measure the same quality; --record writes it into model.json
  list    the autoencoders, their latent shapes and recorded quality (and which are not trained yet)

A recipe for a GPU machine (ffhq-kl-f4: 256x256 faces -> 64x64x3) keeps its weights under data/ (its
\`dir\`); until they exist, suites naming it validate but cannot plan runs. Any directory with an
antbench.autoencoder/1 model.json + weights.bin can also be named by its path.`;

async function loadImages(dataset: { id: string; options: Record<string, unknown> }): Promise<ImageDataset> {
  const f = getDatasetFactory(dataset.id, "autoencoder dataset");
  const ds = await f.load({ ...f.defaults as Record<string, unknown>, ...dataset.options }, {
    cacheDir: ".cache",
  });
  if (ds.kind !== "image" || !(ds as ImageDataset).heldOut) {
    throw new UsageError(`autoencoder: dataset ${dataset.id} is not an image dataset with a held-out split`);
  }
  return ds as ImageDataset;
}

async function quality(
  manifest: AutoencoderManifest,
  values: Float32Array[],
  ds: ImageDataset,
  backend: string,
  fd: { n: number; referenceN: number; resamples: number },
  say: (s: string) => void,
  inceptionPath?: string,
) {
  const codec = makeCodec(manifest, values);
  // No FD in raw pixel space ("data": too many dimensions) or without the user's Inception weights.
  const skip = ds.featureSpace === "data" || (ds.featureSpace === "inception" && !inceptionPath);
  if (skip) {
    say(`no FD: feature space ${ds.featureSpace}${inceptionPath ? "" : " (give --inception MODEL.json)"}`);
  }
  const features = skip
    ? null
    : await loadFeatureSpace(ds.featureSpace, ds.dataShape, inceptionPath ? { inceptionPath } : {});
  try {
    return await measureQuality(codec, ds, backend, features ? { features, ...fd } : undefined, say);
  } finally {
    features?.dispose();
    codec.dispose();
  }
}

export const autoencoderCommand: CliCommand = {
  name: "autoencoder",
  summary: "train / evaluate the KL autoencoders of latent diffusion (suites' `latent`)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("autoencoder", args, {
      steps: { type: "string" },
      out: { type: "string" },
      backend: { type: "string" },
      "no-quality": { type: "boolean" },
      record: { type: "boolean" },
      n: { type: "string" },
      reference: { type: "string" },
      resamples: { type: "string" },
      inception: { type: "string" },
      json: { type: "boolean" },
    });
    const [sub, ...rest] = positionals;
    const backendName = enumFlag(
      "backend",
      values.backend,
      ["native", "wasm", "cpu", "webgpu"] as const,
      "wasm",
    );
    const say = (s: string) => console.error(`autoencoder: ${s}`);
    const fd = {
      n: intFlag("n", values.n, 1000, 2),
      referenceN: intFlag("reference", values.reference, 1000, 2),
      resamples: intFlag("resamples", values.resamples, 10, 1, 1000),
    };
    if (sub === "list") {
      const rows = [];
      for (const id of AUTOENCODER_IDS) {
        if (!autoencoderTrained(id)) {
          const r = AUTOENCODER_RECIPES.get(id)!;
          rows.push({
            id,
            dataset: r.dataset.id,
            input: r.arch.input,
            trained: false,
            dir: autoencoderDir(id),
            note: r.note ?? null,
          });
          continue;
        }
        try {
          const { manifest } = await loadAutoencoder(autoencoderDir(id));
          rows.push({
            id,
            dataset: manifest.dataset.id,
            input: manifest.arch.input,
            latentShape: manifest.latentShape,
            paramCount: manifest.paramCount,
            trained: true,
            psnr: manifest.quality?.psnr ?? null,
            weightsHash: manifest.weightsHash,
          });
        } catch (e) {
          rows.push({ id, error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (values.json) console.log(JSON.stringify({ autoencoders: rows }));
      else for (const r of rows) console.log(JSON.stringify(r));
      return 0;
    }
    if (sub === "train") {
      if (rest.length !== 1) throw new UsageError(`autoencoder train: expected one recipe id\n${USAGE}`);
      const base = AUTOENCODER_RECIPES.get(rest[0]);
      if (!base) {
        throw new UsageError(badValue("autoencoder train <id>", rest[0], AUTOENCODER_IDS.join(" | ")));
      }
      const recipe = { ...base, steps: intFlag("steps", values.steps, base.steps, 1, 10_000_000) };
      const ds = await loadImages(recipe.dataset);
      if (ds.dataShape.join("x") !== recipe.arch.input.join("x")) {
        throw new UsageError(
          `autoencoder train: ${ds.id} images are ${ds.dataShape.join("x")}; the recipe expects ` +
            recipe.arch.input.join("x"),
        );
      }
      const info = await initBackend(backendName);
      say(
        `training ${recipe.id} on ${ds.nTrain} ${ds.id} images, ${recipe.steps} steps, backend ${info.name}`,
      );
      const t0 = performance.now();
      const weights = await trainAutoencoder(recipe, ds.train, ds.nTrain, (p) =>
        say(
          `step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)} (L1/image ${p.rec.toFixed(3)}, KL/image ` +
            `${p.kl.toFixed(1)}) ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        ));
      const seconds = (performance.now() - t0) / 1000;
      const outDir = (values.out as string | undefined) ?? autoencoderDir(recipe.id);
      const { id: _id, dataset: _ds, arch: _arch, ...settings } = recipe;
      let manifest = await saveAutoencoder(outDir, {
        id: recipe.id,
        dataset: recipe.dataset,
        arch: recipe.arch,
        training: {
          ...settings,
          trainImages: ds.nTrain,
          backend: info.name,
          seconds: Math.round(seconds),
          command: `deno task cli autoencoder train ${recipe.id}${
            values.steps ? ` --steps ${recipe.steps}` : ""
          }`,
        },
      }, weights);
      say(`wrote ${outDir} (${manifest.weightsHash}) after ${seconds.toFixed(0)} s`);
      if (!values["no-quality"]) {
        manifest = {
          ...manifest,
          quality: await quality(
            manifest,
            weights,
            ds,
            info.name,
            fd,
            say,
            values.inception as string | undefined,
          ),
        };
        await writeAutoencoderManifest(outDir, manifest);
      }
      const out = {
        id: recipe.id,
        dir: outDir,
        weightsHash: manifest.weightsHash,
        seconds,
        quality: manifest.quality,
      };
      console.log(values.json ? JSON.stringify(out) : `${recipe.id}: ${JSON.stringify(out)}`);
      return 0;
    }
    if (sub === "eval") {
      if (rest.length !== 1) throw new UsageError(`autoencoder eval: expected one id or directory\n${USAGE}`);
      const dir = autoencoderDir(rest[0], "autoencoder eval");
      const { manifest, values: w } = await loadAutoencoder(dir);
      const ds = await loadImages(manifest.dataset);
      const info = await initBackend(backendName);
      const q = await quality(manifest, w, ds, info.name, fd, say, values.inception as string | undefined);
      if (values.record) await writeAutoencoderManifest(dir, { ...manifest, quality: q });
      const out = {
        id: manifest.id,
        dir,
        weightsHash: manifest.weightsHash,
        quality: q,
        recorded: manifest.quality ?? null,
      };
      console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
      return 0;
    }
    throw new UsageError(
      `autoencoder: unknown subcommand ${JSON.stringify(sub ?? "")}; allowed: train, eval, list\n${USAGE}`,
    );
  },
};
