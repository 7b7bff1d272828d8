/**
 * Backend selection: `--backend auto|webgpu|wasm|cpu`.
 *
 * - `auto`: WebGPU when Deno reports a hardware adapter (`adapter.info.isFallbackAdapter` false), otherwise
 *   wasm. Software adapters (Mesa llvmpipe/lavapipe) are 9–40× slower than patched wasm on a CPU
 *   (tfjs-deno-perf.md §3), so they are never picked automatically.
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
import {
  type AdapterSummary,
  probeAdapter,
  registerWebGpuBackend,
  webGpuAdapter,
  wgpuBackendsInEffect,
} from "./webgpu_backend.ts";

/** Accepted values of `--backend`. */
export const BACKEND_NAMES = ["auto", "webgpu", "wasm", "cpu"] as const;
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
  /** wgpu backends Deno's WebGPU was allowed to use (null when WebGPU was not touched). */
  wgpuBackends: string | null;
}

/** Validate a backend name; `field` names the flag or suite field in the error. */
export function parseBackendName(value: unknown, field = "--backend"): BackendName {
  if (typeof value === "string" && (BACKEND_NAMES as readonly string[]).includes(value)) {
    return value as BackendName;
  }
  throw new UsageError(badValue(field, value, BACKEND_NAMES.join(" | ")));
}

/** The backend `auto` resolves to for a given adapter. */
export function resolveAuto(adapter: AdapterSummary | null): { name: "webgpu" | "wasm"; reason: string } {
  if (adapter === null) return { name: "wasm", reason: "auto: no WebGPU adapter" };
  if (adapter.isFallbackAdapter) {
    return {
      name: "wasm",
      reason: `auto: WebGPU adapter "${adapter.description || adapter.device || adapter.vendor}" is a ` +
        "software fallback adapter",
    };
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
}

/**
 * Resolve a requested backend without initialising tfjs. Unknown names are a UsageError naming `field`; an
 * explicit `webgpu` without an adapter is a UsageError explaining why. Only `auto` and `webgpu` probe WebGPU.
 */
export async function chooseBackend(
  name: BackendName | string = "auto",
  field = "--backend",
): Promise<BackendChoice> {
  const requested = parseBackendName(name, field);
  let adapter: AdapterSummary | null = null;
  let concrete: ConcreteBackend;
  let reason = "requested";
  if (requested === "auto" || requested === "webgpu") adapter = await probeAdapter();
  if (requested === "auto") {
    const r = resolveAuto(adapter);
    concrete = r.name;
    reason = r.reason;
  } else {
    concrete = requested;
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
  return { requested, name: concrete, reason, adapter, wgpuBackends: wgpuBackendsInEffect() };
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
  const { requested, adapter, reason } = choice;
  const concrete = choice.name;
  let patched: string[] = [];
  if (concrete === "wasm") configureWasmPaths();
  if (concrete === "webgpu") await registerWebGpuBackend();
  const ok = await tf.setBackend(concrete);
  if (!ok || tf.getBackend() !== concrete) {
    throw new Error(`tfjs could not initialise the ${concrete} backend (see the messages above)`);
  }
  await tf.ready();
  patchCpuKernels(); // the cpu backend is the reference in tests, whatever is active
  if (concrete === "wasm") patched = patchWasmKernels();
  if (concrete === "cpu") patched = patchCpuKernels();
  const flags = tf.env().features;
  active = {
    requested,
    name: concrete,
    reason,
    adapter: concrete === "webgpu" ? (webGpuAdapter() ?? adapter) : adapter,
    wgpuBackends: wgpuBackendsInEffect() ?? choice.wgpuBackends,
    wasmSimd: concrete === "wasm" ? Boolean(flags["WASM_HAS_SIMD_SUPPORT"]) : null,
    wasmThreads: concrete === "wasm" ? wasmBackend.getThreadsCount() : null,
    patchedKernels: patched,
  };
  return active;
}
