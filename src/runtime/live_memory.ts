/**
 * Live-memory meters for measuring what a computation really holds (lab/memory_probe.ts, the footprint
 * tests): the peak of the bytes in use, not of a heap that only grows.
 *
 * - {@link trackTensorData}: bytes of distinct tensor data registered with the tfjs engine (a clone or a
 *   reshape shares its source's data and costs nothing; `tf.memory().numBytes` counts every tensor object
 *   and so counts shared data repeatedly). Works on every backend. It does not see a kernel's internal
 *   scratch buffers.
 * - {@link trackWasmMalloc}: bytes between tfjs-backend-wasm's `_malloc` and `_free` (tensor data and every
 *   buffer a kernel allocates through them), for the wasm backend.
 *
 * Both wrap engine or module methods until `stop()`; meters nest only if stopped in reverse order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** A running meter. */
export interface LiveMeter {
  /** Bytes in use now (counted from the meter's start). */
  readonly current: number;
  /** Highest `current` since the start or the last {@link LiveMeter.resetPeak}. */
  readonly peak: number;
  /** Start a new peak from the current value. */
  resetPeak(): void;
  /** Restore the wrapped methods. */
  stop(): void;
}

interface EngineInternals {
  state: { tensorInfo: Map<object, { bytes: number; backend: unknown }> };
  trackTensor(a: { dataId: object; size: number; dtype: string }, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** Meter the engine's distinct tensor data (see the module doc). */
export function trackTensorData(): LiveMeter {
  const e = tf.engine() as unknown as EngineInternals;
  const track = e.trackTensor, remove = e.removeDataId;
  let current = 0, peak = 0;
  e.trackTensor = function (a, backend) {
    const fresh = !this.state.tensorInfo.has(a.dataId);
    track.call(this, a, backend);
    if (fresh) {
      current += a.size * (BYTES[a.dtype] ?? 4);
      if (current > peak) peak = current;
    }
  };
  e.removeDataId = function (dataId, backend) {
    const info = this.state.tensorInfo.get(dataId);
    if (info && info.backend === backend) current -= info.bytes;
    remove.call(this, dataId, backend);
  };
  return {
    get current() {
      return current;
    },
    get peak() {
      return peak;
    },
    resetPeak() {
      peak = current;
    },
    stop() {
      e.trackTensor = track;
      e.removeDataId = remove;
    },
  };
}

interface WasmModule {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
}

/** The wasm module of the active tfjs-backend-wasm backend, or null on another backend. */
export function wasmModule(): WasmModule | null {
  const m = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
  return m && typeof m._malloc === "function" ? m : null;
}

/** Meter tfjs-backend-wasm's allocations (see the module doc); null on another backend. */
export function trackWasmMalloc(): LiveMeter | null {
  const w = wasmModule();
  if (!w) return null;
  // Emscripten's exports replace themselves with the raw function on their first call: call once first.
  w._free(w._malloc(16));
  const malloc = w._malloc, free = w._free;
  const sizes = new Map<number, number>();
  let current = 0, peak = 0;
  w._malloc = (n: number) => {
    const p = malloc(n);
    sizes.set(p >>> 0, n);
    current += n;
    if (current > peak) peak = current;
    return p;
  };
  w._free = (p: number) => {
    current -= sizes.get(p >>> 0) ?? 0;
    sizes.delete(p >>> 0);
    free(p);
  };
  return {
    get current() {
      return current;
    },
    get peak() {
      return peak;
    },
    resetPeak() {
      peak = current;
    },
    stop() {
      w._malloc = malloc;
      w._free = free;
    },
  };
}
