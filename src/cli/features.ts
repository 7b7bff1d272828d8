/**
 * `deno task cli features train|eval|extract|list`: the feature classifiers of the image metrics.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { userPath } from "./entry.ts";
import { requireFinite, requireFloat } from "../metrics/finite.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { initBackend } from "../runtime/backend.ts";
import { getDatasetFactory } from "../data/registry.ts";
import type { Dataset } from "../data/dataset.ts";
import type { ImageDataset } from "../data/image_dataset.ts";
import { FEATURE_TRAINING, trainClassifier } from "../metrics/features/train.ts";
import { cnnExtractor } from "../metrics/features/cnn_extractor.ts";
import {
  type FeatureModelManifest,
  FEATURES_FORMAT,
  loadFeatureModel,
  saveFeatureModel,
} from "../metrics/features/weights.ts";
import { variableSpecs } from "../metrics/features/cnn.ts";
import { CNN_EXTRACTOR_IDS, featureModelDir, loadFeatureExtractor } from "../metrics/features/registry.ts";
import { asMatrix, npyArray, readNpy, writeNpy } from "../metrics/npy.ts";

const USAGE =
  `usage: deno task cli features train <dataset> [--epochs N] [--out DIR] [--backend wasm|cpu|webgpu]
         [--json]
       deno task cli features eval <dataset> [--dir DIR] [--backend wasm|cpu|webgpu] [--json]
       deno task cli features extract <extractor|dataset> IMAGES.npy OUT.npy [--inception MODEL.json]
         [--backend wasm|cpu|webgpu]
       deno task cli features list [--json]

Feature classifiers for FD/KID/precision/recall on image datasets (reported as "fd-<dataset>-cnn", never
"FID"). Datasets: ${[...FEATURE_TRAINING.keys()].join(", ")}.

  train     train the dataset's classifier deterministically (seeded init and data order) and write
            model.json + weights.bin (with SHA-256) to fixtures/features/<id>/ (or --out)
  eval      verify the stored weights' hash and measure accuracy on the held-out split
  extract   features of N images (a .npy [N, H, W, C] float32 in [-1, 1]) -> OUT.npy [N, d]; extractor
            "inception" needs --inception PATH/model.json (a tfjs Inception-v3, pool_3 output)
  list      the extractors and their recorded accuracy, as a table (--json: {"extractors": [...]} with
            the full weights hashes)`;

/** One row of `features list`. */
interface ExtractorRow {
  id: string;
  dataset?: string;
  dim?: number;
  accuracy?: number;
  weightsHash?: string;
  error?: string;
}

/** `features list` for people: an aligned table (the weights hash shortened; `--json` has it whole). */
export function extractorTable(rows: readonly ExtractorRow[]): string {
  const cells = rows.map((r) =>
    r.error !== undefined ? [r.id, "–", "–", "–", `unavailable: ${r.error}`] : [
      r.id,
      r.dataset ?? "?",
      String(r.dim ?? "?"),
      r.accuracy === undefined ? "?" : `${(100 * r.accuracy).toFixed(2)}%`,
      (r.weightsHash ?? "?").slice(0, 19),
    ]
  );
  const head = ["extractor", "dataset", "dim", "held-out accuracy", "weights (sha256)"];
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(width[i])).join("  ").trimEnd();
  return [line(head), ...cells.map(line)].join("\n");
}

async function loadImageDataset(id: string): Promise<ImageDataset> {
  if (!FEATURE_TRAINING.has(id)) {
    throw new UsageError(
      `features: dataset ${JSON.stringify(id)} has no classifier recipe; allowed: ${
        [...FEATURE_TRAINING.keys()].join(", ")
      }`,
    );
  }
  const f = getDatasetFactory(id);
  const ds: Dataset = await f.load(f.defaults, { cacheDir: ".cache" });
  const img = ds as ImageDataset;
  if (ds.kind !== "image" || !img.heldOut?.labels || !ds.trainLabels) {
    throw new UsageError(`features: dataset ${id} has no labelled held-out split`);
  }
  return img;
}

function accuracy(pred: Int32Array, labels: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / pred.length;
}

/** Images per accuracy slice recorded in the manifest (checked by the tests). */
export const SLICE = 256;

export const featuresCommand: CliCommand = {
  name: "features",
  summary: "train / evaluate / apply the feature classifiers of the image metrics (FD-<dataset>-cnn)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("features", args, {
      epochs: { type: "string" },
      out: { type: "string", path: true },
      dir: { type: "string", path: true },
      backend: { type: "string" },
      inception: { type: "string", path: true },
      json: { type: "boolean" },
    });
    const [sub, ...rest] = positionals;
    const backend = enumFlag("backend", values.backend, ["wasm", "cpu", "webgpu"] as const, "wasm");
    const say = (s: string) => console.error(s);
    if (sub === "list") {
      const rows = [];
      for (const id of CNN_EXTRACTOR_IDS) {
        try {
          const { manifest } = await loadFeatureModel(featureModelDir(id));
          rows.push({
            id,
            dataset: manifest.dataset,
            dim: manifest.dim,
            accuracy: manifest.accuracy.heldOut,
            weightsHash: manifest.weightsHash,
          });
        } catch (e) {
          rows.push({ id, error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (values.json) console.log(JSON.stringify({ extractors: rows }));
      else console.log(extractorTable(rows));
      return 0;
    }
    if (sub === "train") {
      if (rest.length !== 1) throw new UsageError(`features train: expected one dataset\n${USAGE}`);
      const base = FEATURE_TRAINING.get(rest[0]);
      const ds = await loadImageDataset(rest[0]);
      const spec = { ...base!, epochs: intFlag("epochs", values.epochs, base!.epochs, 1, 10000) };
      const info = await initBackend(backend);
      const [h, w, c] = spec.arch.input;
      if (ds.dataShape[0] !== h || ds.dataShape[1] !== w || ds.dataShape[2] !== c) {
        throw new UsageError(
          `features train: ${ds.id} images are ${ds.dataShape.join("x")}; the recipe expects ${h}x${w}x${c}`,
        );
      }
      say(`training ${spec.id} on ${ds.nTrain} ${ds.id} images, ${spec.epochs} epochs, backend ${info.name}`);
      const t0 = performance.now();
      const weights = await trainClassifier(
        spec,
        ds.train,
        ds.trainLabels!,
        ds.nTrain,
        (p) =>
          say(`  epoch ${p.epoch + 1}/${spec.epochs} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`),
      );
      const seconds = (performance.now() - t0) / 1000;
      const outDir = (values.out as string | undefined) ?? featureModelDir(spec.id);
      const tmp = cnnExtractor({
        format: FEATURES_FORMAT,
        id: spec.id,
        dataset: spec.dataset,
        arch: spec.arch,
        dim: spec.arch.hidden,
        variables: variableSpecs(spec.arch),
      } as FeatureModelManifest, weights);
      const held = ds.heldOut;
      const pred = await tmp.classify(held.x, held.n);
      const acc = accuracy(pred, held.labels!);
      const slice = accuracy(pred.subarray(0, SLICE), held.labels!.subarray(0, SLICE));
      tmp.dispose();
      const manifest = await saveFeatureModel(outDir, {
        id: spec.id,
        dataset: spec.dataset,
        arch: spec.arch,
        dim: spec.arch.hidden,
        accuracy: { heldOut: acc, nHeldOut: held.n, firstSlice: { n: SLICE, accuracy: slice } },
        training: {
          seed: spec.seed,
          epochs: spec.epochs,
          batchSize: spec.batchSize,
          lr: spec.lr,
          trainImages: ds.nTrain,
          backend: info.name,
          seconds: Math.round(seconds),
          command: `deno task cli features train ${spec.dataset}${
            values.epochs ? ` --epochs ${spec.epochs}` : ""
          }`,
        },
      }, weights);
      const out = {
        id: spec.id,
        dir: outDir,
        accuracy: acc,
        nHeldOut: held.n,
        weightsHash: manifest.weightsHash,
        seconds,
      };
      if (values.json) console.log(JSON.stringify(out));
      else {
        console.log(
          `${spec.id}: held-out accuracy ${(acc * 100).toFixed(2)}% (n = ${held.n}), ` +
            `${seconds.toFixed(0)} s; wrote ${outDir} (${manifest.weightsHash})`,
        );
      }
      return 0;
    }
    if (sub === "eval") {
      if (rest.length !== 1) throw new UsageError(`features eval: expected one dataset\n${USAGE}`);
      const ds = await loadImageDataset(rest[0]);
      await initBackend(backend);
      const id = FEATURE_TRAINING.get(rest[0])!.id;
      const { manifest, values: w } = await loadFeatureModel(
        (values.dir as string | undefined) ?? featureModelDir(id),
      );
      const ex = cnnExtractor(manifest, w);
      const acc = accuracy(await ex.classify(ds.heldOut.x, ds.heldOut.n), ds.heldOut.labels!);
      ex.dispose();
      const out = {
        id,
        accuracy: acc,
        recorded: manifest.accuracy.heldOut,
        nHeldOut: ds.heldOut.n,
        weightsHash: manifest.weightsHash,
      };
      if (values.json) console.log(JSON.stringify(out));
      else {console.log(
          `${id}: held-out accuracy ${(acc * 100).toFixed(2)}% (recorded ${
            (manifest.accuracy.heldOut * 100).toFixed(2)
          }%), hash verified`,
        );}
      return 0;
    }
    if (sub === "extract") {
      if (rest.length !== 3) {
        throw new UsageError(`features extract: expected <extractor> IMAGES.npy OUT.npy\n${USAGE}`);
      }
      const [id, inPath, outPath] = [rest[0], userPath(rest[1]), userPath(rest[2])];
      await initBackend(backend);
      const ex = await loadFeatureExtractor(id, { inceptionPath: values.inception as string | undefined });
      const arr = await readNpy(inPath);
      requireFloat(arr, inPath);
      requireFinite(arr.data, arr.shape.slice(1).reduce((x, y) => x * y, 1) || 1, `${inPath} (row = image)`);
      if (arr.shape.length !== 4) {
        throw new UsageError(`${inPath}: expected images [N, H, W, C]; got shape (${arr.shape.join(", ")})`);
      }
      const [n, h, w, c] = arr.shape;
      const feats = await ex.extract(Float32Array.from(arr.data), n, [h, w, c]);
      ex.dispose();
      asMatrix(npyArray(feats, [n, ex.dim]), outPath);
      await writeNpy(outPath, npyArray(feats, [n, ex.dim]));
      if (values.json) {
        console.log(
          JSON.stringify({ extractor: ex.id, n, d: ex.dim, out: outPath, weightsHash: ex.weightsHash }),
        );
      } else console.log(`wrote ${outPath}: ${n} x ${ex.dim} features (${ex.id}, ${ex.weightsHash})`);
      return 0;
    }
    throw new UsageError(
      `features: unknown subcommand ${
        JSON.stringify(sub ?? "")
      }; allowed: train, eval, extract, list\n${USAGE}`,
    );
  },
};
