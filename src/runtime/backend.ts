/**
 * Backend selection: `--backend auto|webgpu|native|wasm|cpu`.
 *
 * - `auto`: WebGPU when Deno reports a hardware adapter (`adapter.info.isFallbackAdapter` false), otherwise
 *   native when its libraries load, otherwise wasm. Software adapters (Mesa llvmpipe/lavapipe) are 9–40×
 *   slower than patched wasm on a CPU (tfjs-deno-perf.md §3), so they are never picked automatically.
 * - `native`: the wasm backend (tfjs's name stays "wasm") with its GEMM and convolution kernels run by
 *   OpenBLAS and oneDNN through Deno FFI (src/runtime/native/kernels.ts). Needs `--allow-ffi` for the
 *   library paths (deno.json); when OpenBLAS cannot be loaded it falls back to wasm with one line on stderr.
 *   Its thread count is fixed per run (default {@link DEFAULT_NATIVE_THREADS}): reruns are bit-identical only
 *   at the same count.
 * - `wasm`: tfjs-backend-wasm (XNNPACK, SIMD, one thread under Deno) with the kernel patches of
 *   {@link patchWasmKernels} (missing gradient kernels, fast transposed matmul and conv backprop).
 * - `webgpu`: our Deno-safe factory ({@link registerWebGpuBackend}); an error when there is no adapter.
 * - `cpu`: tfjs-backend-cpu (reference; slow).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "./gradients.ts";
import "@tensorflow/tfjs-backend-cpu";
import * as wasmBackend from "@tensorflow/tfjs-backend-wasm";
import { badValue, UsageError } from "./errors.ts";
import { patchCpuKernels, patchWasmKernels } from "./wasm_kernels.ts";
import { loadOpenBlas, type OpenBlasInfo, openblasLoadFailure } from "./native/openblas.ts";
import { type DnnlInfo, loadDnnl } from "./native/dnnl.ts";
import {
  installNativeKernels,
  NATIVE_KERNELS,
  nativeConvLibrary,
  uninstallNativeKernels,
} from "./native/kernels.ts";
import {
  type AdapterSummary,
  probeAdapter,
  registerWebGpuBackend,
  webGpuAdapter,
  wgpuBackendsInEffect,
} from "./webgpu_backend.ts";

/** Accepted values of `--backend`. */
export const BACKEND_NAMES = ["auto", "webgpu", "native", "wasm", "cpu"] as const;
/** A requested backend. */
export type BackendName = typeof BACKEND_NAMES[number];
/** A concrete tfjs backend. */
export type ConcreteBackend = Exclude<BackendName, "auto">;

/** What {@link initBackend} set up. */
export interface BackendInfo {
  /** The backend asked for. */
  requested: BackendName;
  /** The tfjs backend now active. */
  name: ConcreteBackend;
  /** Why this backend (for `auto`) or "requested". */
  reason: string;
  /** The WebGPU adapter seen while choosing (null when none). */
  adapter: AdapterSummary | null;
  /** wasm only: SIMD build loaded / thread count (always 1 under Deno). */
  wasmSimd: boolean | null;
  /** wasm only: worker threads (always 1 under Deno). */
  wasmThreads: number | null;
  /** Kernels replaced or added by antbench on this backend. */
  patchedKernels: string[];
  /** native only: the libraries, their versions and the thread count. */
  native: NativeInfo | null;
  /** wgpu backends Deno's WebGPU was allowed to use (null when WebGPU was not touched). */
  wgpuBackends: string | null;
}

/** What the native backend loaded (recorded in the environment fingerprint). */
export interface NativeInfo {
  /** OpenBLAS (GEMMs; always loaded when the native backend is active). */
  openblas: OpenBlasInfo;
  /** oneDNN, when loaded (it then runs the convolutions). */
  onednn: DnnlInfo | null;
  /** The library running Conv2D and its gradients (with oneDNN, 1×1 gradients still run on OpenBLAS). */
  conv: "onednn" | "openblas";
  /** Threads of both libraries (fixed per run: reruns are bit-identical at the same count). */
  threads: number;
}

/**
 * Threads per job of the native backend unless told otherwise. 1: on the 2-core CI-class machine two jobs
 * of one thread each gave more steps per second than one job of two threads (README, "native backend"),
 * and a fixed count keeps results independent of `--jobs`.
 */
export const DEFAULT_NATIVE_THREADS = 1;

/** Validate a backend name; `field` names the flag or suite field in the error. */
export function parseBackendName(value: unknown, field = "--backend"): BackendName {
  if (typeof value === "string" && (BACKEND_NAMES as readonly string[]).includes(value)) {
    return value as BackendName;
  }
  throw new UsageError(badValue(field, value, BACKEND_NAMES.join(" | ")));
}

/**
 * The backend `auto` resolves to for a given adapter; `nativeFailure` is null when the native libraries
 * load, else why not.
 */
export function resolveAuto(
  adapter: AdapterSummary | null,
  nativeFailure: string | null = "not probed",
): { name: "webgpu" | "native" | "wasm"; reason: string } {
  const cpu = (why: string) =>
    nativeFailure === null
      ? { name: "native" as const, reason: `auto: ${why}; native libraries loaded` }
      : { name: "wasm" as const, reason: `auto: ${why}; native unavailable (${nativeFailure})` };
  if (adapter === null) return cpu("no WebGPU adapter");
  if (adapter.isFallbackAdapter) {
    return cpu(
      `WebGPU adapter "${
        adapter.description || adapter.device || adapter.vendor
      }" is a software fallback adapter`,
    );
  }
  return {
    name: "webgpu",
    reason: `auto: hardware WebGPU adapter "${adapter.description || adapter.vendor}"`,
  };
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env for this variable
  }
}

let wasmPathsSet = false;

/**
 * Point tfjs at a directory holding tfjs-backend-wasm*.wasm, for bundled runs (scripts/gpu_bundle.sh) where
 * the files are not beside the package. Read from `ANTBENCH_TFJS_WASM_DIR` when set.
 */
function configureWasmPaths(): void {
  if (wasmPathsSet) return;
  wasmPathsSet = true;
  const dir = envGet("ANTBENCH_TFJS_WASM_DIR");
  if (!dir) return;
  wasmBackend.setWasmPaths(dir.endsWith("/") ? dir : dir + "/");
  // Emscripten's Node code path reads __dirname, which an ES-module bundle does not define.
  const g = globalThis as { __dirname?: string };
  if (g.__dirname === undefined) g.__dirname = dir;
}

let active: BackendInfo | null = null;

/** The info of the last successful {@link initBackend} call in this process (null before). */
export function activeBackend(): BackendInfo | null {
  return active;
}

/**
 * A resolved backend choice: which concrete backend, why, and the adapter seen. Made once by
 * {@link chooseBackend} (in a bench, by the main thread) and handed to {@link initBackend}, so that workers
 * neither probe WebGPU again nor disagree about what `auto` means.
 */
export interface BackendChoice {
  /** The backend asked for. */
  requested: BackendName;
  /** The concrete backend chosen. */
  name: ConcreteBackend;
  /** Why (for auto), or "requested". */
  reason: string;
  /** The WebGPU adapter seen while choosing (null when none). */
  adapter: AdapterSummary | null;
  /** wgpu backends in effect when the adapter was probed (null when WebGPU was not probed). */
  wgpuBackends: string | null;
  /** native only: threads per job (absent: {@link DEFAULT_NATIVE_THREADS}). */
  nativeThreads?: number;
}

/** Options of {@link chooseBackend}. */
export interface ChooseOptions {
  /** Threads of the native backend (per job); default {@link DEFAULT_NATIVE_THREADS}. */
  nativeThreads?: number;
  /** Where the one-line notice of a native → wasm fallback goes (default: stderr). */
  log?: (line: string) => void;
}

/** Null when OpenBLAS loads in this process (worker), else why not. */
export function nativeLoadFailure(): string | null {
  return loadOpenBlas() ? null : openblasLoadFailure();
}

/**
 * Resolve a requested backend without initialising tfjs. Unknown names are a UsageError naming `field`; an
 * explicit `webgpu` without an adapter is a UsageError explaining why. Only `auto` and `webgpu` probe WebGPU.
 */
export async function chooseBackend(
  name: BackendName | string = "auto",
  field = "--backend",
  opts: ChooseOptions = {},
): Promise<BackendChoice> {
  const requested = parseBackendName(name, field);
  const threads = opts.nativeThreads ?? DEFAULT_NATIVE_THREADS;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new UsageError(badValue("native threads", threads, "an integer from 1 to 256"));
  }
  let adapter: AdapterSummary | null = null;
  let concrete: ConcreteBackend;
  let reason = "requested";
  if (requested === "auto" || requested === "webgpu") adapter = await probeAdapter();
  if (requested === "auto") {
    const r = resolveAuto(
      adapter,
      adapter !== null && !adapter.isFallbackAdapter ? "not needed" : nativeLoadFailure(),
    );
    concrete = r.name;
    reason = r.reason;
  } else {
    concrete = requested;
  }
  if (concrete === "native") {
    const failure = nativeLoadFailure();
    if (failure !== null) {
      (opts.log ?? ((l: string) => console.error(l)))(`backend: native unavailable (${failure}); using wasm`);
      concrete = "wasm";
      reason = `native requested; unavailable (${failure})`;
    }
  }
  if (concrete === "webgpu" && adapter === null) {
    const hasGpu = typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== "undefined";
    throw new UsageError(
      badValue(field, "webgpu", "auto | wasm | cpu here") + ": no WebGPU adapter is available (" +
        (hasGpu
          ? `requestAdapter() returned null with wgpu backends "${wgpuBackendsInEffect()}"; install a ` +
            "Vulkan driver (a GPU's, or mesa-vulkan-drivers for a software one) or set DENO_WEBGPU_BACKEND"
          : "navigator.gpu is undefined; run deno with --unstable-webgpu") +
        ")",
    );
  }
  return {
    requested,
    name: concrete,
    reason,
    adapter,
    wgpuBackends: wgpuBackendsInEffect(),
    ...(concrete === "native" ? { nativeThreads: threads } : {}),
  };
}

/** Load the native libraries in this thread, set their thread count and register the kernels. */
function enableNative(threads: number): NativeInfo | null {
  const blas = loadOpenBlas();
  if (!blas) return null;
  const dnnl = loadDnnl();
  blas.setThreads(threads);
  dnnl?.setThreads(threads);
  installNativeKernels(blas, dnnl);
  return {
    openblas: { ...blas.info },
    onednn: dnnl ? { ...dnnl.info } : null,
    conv: nativeConvLibrary() ?? "openblas",
    threads,
  };
}

/**
 * Change the native backend's thread count: OpenBLAS's (process-wide: every thread of the process then
 * uses it) and oneDNN's OpenMP count (the calling thread's). For benchmarks that time thread arms one
 * after another in one process (lab/torch/vs_torch.ts: 1 job × N threads beside N jobs × 1 thread);
 * training keeps one count per run. Throws when the native backend is not active in this thread.
 */
export function setNativeThreads(threads: number): NativeInfo {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new RangeError(`native threads: got ${threads}; allowed: an integer from 1 to 256`);
  }
  const blas = loadOpenBlas();
  if (active?.name !== "native" || active.native === null || blas === null) {
    throw new Error("setNativeThreads: the native backend is not active in this thread");
  }
  const dnnl = loadDnnl();
  blas.setThreads(threads);
  dnnl?.setThreads(threads);
  active.native = {
    ...active.native,
    openblas: { ...blas.info },
    onednn: dnnl ? { ...dnnl.info } : null,
    threads,
  };
  return active.native;
}

/**
 * Select and initialise a tfjs backend: a name (resolved here with {@link chooseBackend}) or a choice made
 * earlier. Safe to call repeatedly (switching backends is allowed; tensors then move lazily on first use).
 */
export async function initBackend(
  name: BackendName | string | BackendChoice = "auto",
  field = "--backend",
): Promise<BackendInfo> {
  const choice = typeof name === "object" ? name : await chooseBackend(name, field);
  const { requested, adapter } = choice;
  let { reason } = choice;
  let concrete = choice.name;
  let patched: string[] = [];
  const tfName = concrete === "native" ? "wasm" : concrete;
  if (tfName === "wasm") configureWasmPaths();
  if (concrete === "webgpu") await registerWebGpuBackend();
  const ok = await tf.setBackend(tfName);
  if (!ok || tf.getBackend() !== tfName) {
    throw new Error(`tfjs could not initialise the ${tfName} backend (see the messages above)`);
  }
  await tf.ready();
  patchCpuKernels(); // the cpu backend is the reference in tests, whatever is active
  let native: NativeInfo | null = null;
  if (tfName === "wasm") patched = patchWasmKernels();
  if (concrete === "native") {
    native = enableNative(choice.nativeThreads ?? DEFAULT_NATIVE_THREADS);
    if (native === null) {
      // Chosen in another thread (a bench's main thread) but not loadable here: the same one-line fallback.
      console.error(`backend: native unavailable (${openblasLoadFailure()}); using wasm`);
      concrete = "wasm";
      reason = `native chosen; unavailable in this worker (${openblasLoadFailure()})`;
    } else {
      patched = [...new Set([...patched, ...NATIVE_KERNELS])];
    }
  }
  if (concrete !== "native") uninstallNativeKernels(); // `wasm` is pure wasm again
  if (concrete === "cpu") patched = patchCpuKernels();
  const flags = tf.env().features;
  active = {
    requested,
    name: concrete,
    reason,
    adapter: concrete === "webgpu" ? (webGpuAdapter() ?? adapter) : adapter,
    wgpuBackends: wgpuBackendsInEffect() ?? choice.wgpuBackends,
    wasmSimd: tfName === "wasm" ? Boolean(flags["WASM_HAS_SIMD_SUPPORT"]) : null,
    wasmThreads: tfName === "wasm" ? wasmBackend.getThreadsCount() : null,
    patchedKernels: patched,
    native,
  };
  return active;
}
