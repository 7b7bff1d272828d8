/**
 * Real FID's feature extractor, supplied by the user: a TensorFlow.js Inception-v3 (graph model from
 * tensorflowjs_converter of the TF "inception-2015-12-05" / pytorch-fid network, or a Keras layers model)
 * read from a local model.json with its weight shards. No weights ship with antbench (none are available
 * offline; fid-data.md §2); without a faithful FID network the metric must be reported as "FD-<extractor>".
 *
 * Preprocessing follows pytorch-fid (src/pytorch_fid/inception.py): images in [0, 1] resized to 299×299
 * with bilinear interpolation, align_corners=False (= tfjs resizeBilinear with half-pixel centres), then
 * scaled to [−1, 1] by 2x − 1. antbench images are already in [−1, 1] (= 2x − 1 of their [0, 1] form), and
 * bilinear resizing commutes with that affine map, so they are resized directly. Grayscale is replicated to
 * three channels. The output (pool_3, 2048-d for Inception-v3) is flattened per image.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import { type LayersModel, loadLayersModel } from "@tensorflow/tfjs-layers";
import { UsageError } from "../../runtime/errors.ts";
import type { FeatureExtractor } from "./extractor.ts";
import { sha256 } from "./weights.ts";

/** Options of {@link loadInceptionExtractor}. */
export interface InceptionOptions {
  /** Network input size (default 299). */
  inputSize?: number;
  /** Graph-model node to read (default: the model's first output). */
  outputNode?: string;
  /** Images per forward batch (default 32). */
  batchSize?: number;
}

/** An IOHandler reading a tfjs model.json and its weight shards from the local file system. */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler & { hashInput: Uint8Array[] } {
  const dir = modelJsonPath.includes("/") ? modelJsonPath.slice(0, modelJsonPath.lastIndexOf("/") + 1) : "./";
  const hashInput: Uint8Array[] = [];
  return {
    hashInput,
    async load() {
      let text: string;
      try {
        text = await Deno.readTextFile(modelJsonPath);
      } catch (e) {
        throw new UsageError(
          `${modelJsonPath}: cannot read the model (${e instanceof Error ? e.message : e})`,
        );
      }
      hashInput.push(new TextEncoder().encode(text));
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`${modelJsonPath}: not JSON (${e instanceof Error ? e.message : e})`);
      }
      if (!json.modelTopology) {
        throw new UsageError(`${modelJsonPath}: no "modelTopology"; not a tfjs model.json`);
      }
      return await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            let bytes: Uint8Array;
            try {
              bytes = await Deno.readFile(dir + p);
            } catch (e) {
              throw new UsageError(
                `${dir + p}: cannot read weight shard (${e instanceof Error ? e.message : e})`,
              );
            }
            hashInput.push(bytes);
            parts.push(bytes.slice().buffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(parts)];
      });
    },
  };
}

/**
 * Resize NHWC images to size×size (bilinear, half-pixel centres) and replicate one channel to three.
 * Returns a [n, size, size, 3] tensor (caller disposes).
 */
export function inceptionPreprocess(x: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    let y: tf.Tensor4D = x;
    if (c === 1) y = tf.tile(x, [1, 1, 1, 3]);
    else if (c !== 3) throw new RangeError(`inception: images need 1 or 3 channels; got ${c}`);
    if (y.shape[1] === size && y.shape[2] === size) return tf.clone(y);
    return tf.image.resizeBilinear(y, [size, size], false, true);
  });
}

/** Load a tfjs graph or layers model from `modelJsonPath` as a feature extractor. */
export async function loadInceptionExtractor(
  modelJsonPath: string,
  opts: InceptionOptions = {},
): Promise<FeatureExtractor> {
  const size = opts.inputSize ?? 299;
  const batch = opts.batchSize ?? 32;
  const handler = fileSystemHandler(modelJsonPath);
  const topo = JSON.parse(await Deno.readTextFile(modelJsonPath).catch(() => "{}"));
  const isLayers = topo.format === "layers-model" ||
    (topo.modelTopology && typeof topo.modelTopology === "object" && "class_name" in topo.modelTopology) ||
    (topo.modelTopology?.model_config !== undefined);
  let model: GraphModel | LayersModel;
  try {
    model = isLayers ? await loadLayersModel(handler) : await loadGraphModel(handler);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `${modelJsonPath}: cannot load as a tfjs ${isLayers ? "layers" : "graph"} model (${e})`,
    );
  }
  const weightsHash = await sha256(concat(handler.hashInput));
  const forward = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const pre = inceptionPreprocess(x, size);
      let out: tf.Tensor;
      if (isLayers) out = (model as LayersModel).predict(pre) as tf.Tensor;
      else {
        const g = model as GraphModel;
        out = (opts.outputNode ? g.execute(pre, opts.outputNode) : g.execute(pre)) as tf.Tensor;
      }
      if (Array.isArray(out)) {
        throw new UsageError(`${modelJsonPath}: the model has several outputs; pick one`);
      }
      return tf.reshape(out, [x.shape[0], -1]) as tf.Tensor2D;
    });
  const probe = forward(tf.zeros([1, size, size, 3]) as tf.Tensor4D);
  const dim = probe.shape[1];
  probe.dispose();
  const shapesSeen = new Map<number, [number, number, number]>();
  return {
    id: "inception",
    dataset: "",
    dim,
    inputShapes: [],
    weightsHash,
    async extract(images: Float32Array, n: number, shape?: [number, number, number]): Promise<Float32Array> {
      const s = shape ?? guessSquareShape(images.length, n, shapesSeen);
      const per = s[0] * s[1] * s[2];
      const out = new Float32Array(n * dim);
      for (let i = 0; i < n; i += batch) {
        const b = Math.min(batch, n - i);
        const y = tf.tidy(() => forward(tf.tensor4d(images.subarray(i * per, (i + b) * per), [b, ...s])));
        try {
          out.set(await y.data() as Float32Array, i * dim);
        } finally {
          y.dispose();
        }
      }
      return out;
    },
    dispose: () => model.dispose(),
  };
}

/** Square images: per-image size h·h·c with c = 1 or 3 (3 preferred when both fit). */
function guessSquareShape(
  length: number,
  n: number,
  cache: Map<number, [number, number, number]>,
): [number, number, number] {
  if (n <= 0 || length % n !== 0) {
    throw new RangeError(`inception: ${length} values do not split into ${n} images`);
  }
  const per = length / n;
  const hit = cache.get(per);
  if (hit) return hit;
  for (const c of [3, 1]) {
    const h = Math.round(Math.sqrt(per / c));
    if (h * h * c === per) {
      cache.set(per, [h, h, c]);
      return [h, h, c];
    }
  }
  throw new RangeError(
    `inception: cannot infer a square image shape from ${per} values per image; pass the shape`,
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
