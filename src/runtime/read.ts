/**
 * Batched asynchronous reads of tensors to the host.
 *
 * tfjs-webgpu under Deno cannot read GPU data synchronously (`dataSync`/`arraySync` throw, see
 * ./webgpu_backend.ts), and every `await data()` there costs at least 10 ms (a `mapAsync` round trip,
 * tfjs-deno-perf.md §1). So host code reads with `await data()`, and several tensors are packed into one
 * tensor on the backend first and read in a single transfer. On wasm/cpu a read is a memory copy and the
 * packing is an exact copy too: the values are bit-identical to per-tensor reads.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * The values of float32 tensors (any shapes), flattened and concatenated in order, read in one transfer.
 * Always a fresh array (never a view of a tensor's storage). The inputs are not disposed.
 */
export async function readConcat(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  if (tensors.length === 0) return new Float32Array(0);
  for (const t of tensors) {
    if (t.dtype !== "float32") throw new TypeError(`readConcat: float32 tensors only, got ${t.dtype}`);
  }
  const packed = tensors.length === 1
    ? tf.reshape(tensors[0], [-1])
    : tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1])), 0));
  try {
    // A reshape shares its input's storage, which the cpu backend returns as is: copy.
    return Float32Array.from(await packed.data() as Float32Array);
  } finally {
    packed.dispose();
  }
}

/**
 * Host copies of float32 tensors (any shapes), read in one transfer ({@link readConcat}) and split per
 * tensor. The inputs are not disposed.
 */
export async function readFlat(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const data = await readConcat(tensors);
  const out: Float32Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    out.push(data.slice(offset, offset + t.size));
    offset += t.size;
  }
  return out;
}
