/**
 * Model checkpoints: a directory with
 *
 * - `weights.bin`: every variable of the model, in `model.variables` order, as raw little-endian float32,
 *   concatenated;
 * - `model.json`: `{format: "antbench.checkpoint/1", model: {id, options}, dataset?: {id, options}, latent?:
 *   {autoencoder, weightsHash, scaleFactor}, dataShape,
 *   T, schedule, step, variables: [{name, shape, offset, length}], sha256}` where `offset` and `length`
 *   count float32 elements of weights.bin and `sha256` is the hex SHA-256 of weights.bin. `dataset` (the
 *   training data with its resolved options) is written by the trainer; older checkpoints lack it.
 *
 * weights.bin is written first and model.json last, each atomically, so a directory with a model.json
 * always has the weights it describes. Loading rebuilds the model through the model registry
 * (src/models/registry.ts) with the stored options and assigns the weights by position (tfjs variable
 * names are process-local counters, so names are recorded for information only; shapes must match).
 * The trainer writes one checkpoint per evaluation point; the task-affinity measurement
 * (src/clustering/affinity.ts) reads them, as the ANT paper averages affinities over training
 * (Go et al. 2023, §4.1).
 *
 * @module
 */
import type { Tensor } from "../runtime/tensor_types.ts";
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser, ModelFactory } from "./denoiser.ts";
import { getModelFactory } from "./registry.ts";
import { SCHEDULE_IDS, type ScheduleId } from "../diffusion/schedule.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { badValue, formatValue, UsageError } from "../runtime/errors.ts";
import { readConcat } from "../runtime/read.ts";

/** Format tag of model.json. */
export const CHECKPOINT_FORMAT = "antbench.checkpoint/1";

/** One variable's place in weights.bin (in float32 elements). */
export interface CheckpointVariable {
  /** Variable name. */
  name: string;
  /** Variable shape. */
  shape: number[];
  /** Offset in weights.bin, in float32 values. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

/** Contents of model.json. */
export interface CheckpointMeta {
  /** Format tag. */
  format: typeof CHECKPOINT_FORMAT;
  /** Model id and resolved options. */
  model: { id: string; options: Record<string, unknown> };
  /** The dataset the weights were trained on, options fully resolved (absent in older checkpoints). */
  dataset?: { id: string; options: Record<string, unknown> };
  /** The latent space of a latent run: the model's data are `scaleFactor` × the autoencoder's latents. */
  latent?: CheckpointLatent;
  /** Shape of one sample. */
  dataShape: number[];
  /** Diffusion timesteps. */
  T: number;
  /** Noise schedule. */
  schedule: ScheduleId;
  /** Training step at which the weights were taken. */
  step: number;
  /** The stored variables, in order. */
  variables: CheckpointVariable[];
  /** Hex SHA-256 of weights.bin. */
  sha256: string;
}

/** The latent space a checkpoint's model was trained in. */
export interface CheckpointLatent {
  /** Autoencoder id or directory. */
  autoencoder: string;
  /** "sha256:<hex>" of the autoencoder's weights. */
  weightsHash: string;
  /** The factor the latents were multiplied by (LDM's scale_factor: 1 / std of the training latents). */
  scaleFactor: number;
}

/** What {@link saveCheckpoint} needs besides the model. */
export interface SaveCheckpointOptions {
  /** The model's fully resolved options (defaults merged with the run's overrides). */
  modelOptions: Record<string, unknown>;
  /** The training dataset with its fully resolved options, recorded for later measurements. */
  dataset?: { id: string; options: Record<string, unknown> };
  /** The latent space of a latent run. */
  latent?: CheckpointLatent;
  /** Diffusion timesteps. */
  T: number;
  /** Noise schedule. */
  schedule: ScheduleId;
  /** Training step of the weights. */
  step: number;
  /**
   * Tensors to store instead of `model.variables` (e.g. the EMA weights), same order and shapes.
   * Default: the model's current variables.
   */
  weights?: readonly Tensor[];
}

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  /** The model with the stored weights. */
  model: Denoiser;
  /** What model.json records. */
  meta: CheckpointMeta;
}

/** Hex SHA-256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Write `model` (or `opts.weights`) to the checkpoint directory `dir` (created if needed). */
export async function saveCheckpoint(
  dir: string,
  model: Denoiser,
  opts: SaveCheckpointOptions,
): Promise<CheckpointMeta> {
  const tensors = opts.weights ?? model.variables;
  if (tensors.length !== model.variables.length) {
    throw new RangeError(
      `saveCheckpoint: ${tensors.length} weight tensors for ${model.variables.length} variables`,
    );
  }
  const variables: CheckpointVariable[] = [];
  let offset = 0;
  tensors.forEach((w, i) => {
    const v = model.variables[i];
    if (w.shape.join(",") !== v.shape.join(",")) {
      throw new RangeError(`saveCheckpoint: weight ${i} has shape [${w.shape}], variable has [${v.shape}]`);
    }
    variables.push({ name: v.name, shape: [...v.shape], offset, length: v.size });
    offset += v.size;
  });
  // One read of all weights (concatenated in order on the backend: exactly weights.bin's layout).
  const data = await readConcat(tensors);
  const bytes = new Uint8Array(offset * 4);
  const view = new DataView(bytes.buffer);
  for (let j = 0; j < data.length; j++) view.setFloat32(4 * j, data[j], true);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    model: { id: model.id, options: { ...opts.modelOptions } },
    ...(opts.dataset ? { dataset: { id: opts.dataset.id, options: { ...opts.dataset.options } } } : {}),
    ...(opts.latent ? { latent: { ...opts.latent } } : {}),
    dataShape: [...model.dataShape],
    T: opts.T,
    schedule: opts.schedule,
    step: opts.step,
    variables,
    sha256: await sha256Hex(bytes),
  };
  await atomicWriteFile(`${dir}/weights.bin`, bytes);
  await atomicWriteJson(`${dir}/model.json`, meta);
  return meta;
}

function isIntArray(x: unknown, min: number): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= min);
}

/** Problems with a parsed model.json (field paths name the bad entries). */
function metaProblems(m: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (m.format !== CHECKPOINT_FORMAT) p.push(badValue("format", m.format, JSON.stringify(CHECKPOINT_FORMAT)));
  const model = m.model as Record<string, unknown> | undefined;
  if (!model || typeof model.id !== "string" || typeof model.options !== "object" || model.options === null) {
    p.push(badValue("model", model, "{id: string, options: object}"));
  }
  if (m.dataset !== undefined) {
    const d = m.dataset as Record<string, unknown> | null;
    if (
      typeof d !== "object" || d === null || typeof d.id !== "string" || typeof d.options !== "object" ||
      d.options === null || Array.isArray(d.options)
    ) {
      p.push(badValue("dataset", m.dataset, "{id: string, options: object} or absent"));
    }
  }
  if (!isIntArray(m.dataShape, 1) || m.dataShape.length === 0) {
    p.push(badValue("dataShape", m.dataShape, "a list of positive integers"));
  }
  if (!(Number.isInteger(m.T) && (m.T as number) >= 1)) p.push(badValue("T", m.T, "an integer >= 1"));
  if (!(SCHEDULE_IDS as readonly unknown[]).includes(m.schedule)) {
    p.push(badValue("schedule", m.schedule, SCHEDULE_IDS.join(" | ")));
  }
  if (!(Number.isInteger(m.step) && (m.step as number) >= 0)) {
    p.push(badValue("step", m.step, "an integer >= 0"));
  }
  if (typeof m.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(m.sha256)) {
    p.push(badValue("sha256", m.sha256, "64 lowercase hex digits"));
  }
  if (!Array.isArray(m.variables)) {
    p.push(badValue("variables", m.variables, "a list of {name, shape, offset, length}"));
  } else {
    m.variables.forEach((v: Record<string, unknown>, i: number) => {
      if (
        typeof v !== "object" || v === null || !isIntArray(v.shape, 0) || !Number.isInteger(v.offset) ||
        !Number.isInteger(v.length) || (v.offset as number) < 0 ||
        (v.shape as number[]).reduce((a, b) => a * b, 1) !== v.length
      ) {
        p.push(badValue(`variables[${i}]`, v, "{name, shape, offset >= 0, length = prod(shape)}"));
      }
    });
  }
  return p;
}

/** Read and validate `dir/model.json` (no weights). */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const path = `${dir}/model.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `checkpoint ${formatValue(dir)}: ${path} not found (is it a checkpoint directory?)`,
      );
    }
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `checkpoint ${formatValue(dir)}: ${path} is not valid JSON (${(e as Error).message})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`checkpoint ${formatValue(dir)}: ${path} is not a JSON object`);
  }
  const problems = metaProblems(parsed as Record<string, unknown>);
  if (problems.length > 0) {
    throw new UsageError(
      `checkpoint ${formatValue(dir)}: bad ${path}\n` + problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  return parsed as CheckpointMeta;
}

/**
 * Load a checkpoint directory: validate model.json, verify the SHA-256 and size of weights.bin, rebuild the
 * model through the model registry (or `factory`, for models outside it) and assign the weights.
 * Missing or corrupt files are UsageErrors naming the file and what is wrong.
 */
export async function loadCheckpoint(dir: string, factory?: ModelFactory): Promise<LoadedCheckpoint> {
  const meta = await readCheckpointMeta(dir);
  const path = `${dir}/weights.bin`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`checkpoint ${formatValue(dir)}: ${path} not found`);
    }
    throw e;
  }
  const total = meta.variables.reduce((s, v) => s + v.length, 0);
  if (bytes.length !== total * 4) {
    throw new UsageError(
      `checkpoint ${
        formatValue(dir)
      }: ${path} has ${bytes.length} bytes; model.json describes ${total} float32s ` +
        `(${total * 4} bytes)`,
    );
  }
  const hash = await sha256Hex(bytes);
  if (hash !== meta.sha256) {
    throw new UsageError(
      `checkpoint ${
        formatValue(dir)
      }: ${path} is corrupt: sha256 ${hash} does not match model.json's ${meta.sha256}`,
    );
  }
  const f = factory ?? getModelFactory(meta.model.id, `checkpoint ${dir}: model.id`);
  if (f.id !== meta.model.id) {
    throw new UsageError(badValue(`checkpoint ${dir}: model.id`, meta.model.id, JSON.stringify(f.id)));
  }
  const options = { ...f.defaults as Record<string, unknown>, ...meta.model.options };
  const problems = f.validate(options);
  if (problems.length > 0) {
    throw new UsageError(
      `checkpoint ${formatValue(dir)}: model options rejected by "${f.id}"\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  const model = f.build(options, { dataShape: meta.dataShape, T: meta.T, initSeed: 1 });
  try {
    if (model.variables.length !== meta.variables.length) {
      throw new UsageError(
        `checkpoint ${formatValue(dir)}: model.json lists ${meta.variables.length} variables; ` +
          `the rebuilt "${f.id}" model has ${model.variables.length}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    model.variables.forEach((v, i) => {
      const cv = meta.variables[i];
      if (cv.shape.join(",") !== v.shape.join(",")) {
        throw new UsageError(
          `checkpoint ${
            formatValue(dir)
          }: variables[${i}] has shape [${cv.shape}]; the rebuilt model expects [${v.shape}]`,
        );
      }
      if (cv.offset + cv.length > total) {
        throw new UsageError(
          `checkpoint ${formatValue(dir)}: variables[${i}] extends past the end of ${path}`,
        );
      }
      const data = new Float32Array(cv.length);
      for (let j = 0; j < cv.length; j++) data[j] = view.getFloat32((cv.offset + j) * 4, true);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, meta };
}
