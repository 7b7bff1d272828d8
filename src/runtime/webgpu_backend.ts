/**
 * Our own registration of tfjs-backend-webgpu 4.22 for Deno.
 *
 * The package's built-in factory has two incompatibilities with Deno's WebGPU (ext/webgpu):
 *  1. it reads `adapter.info` after `adapter.requestDevice()`, but Deno invalidates ("consumes") the adapter
 *     once a device has been requested, so the read fails;
 *  2. it pushes `["bgra8unorm-storage"]` (an array, not a string) into `requiredFeatures`, which Deno rejects.
 *
 * {@link registerWebGpuBackend} replaces that factory with one that copies the adapter info first, requests
 * only string features, and then constructs `WebGPUBackend(device, adapterInfo)` itself. It also pins
 * tfjs-webgpu's matmul to the non-atomic `MatMulPackedProgram` (`WEBGPU_MATMUL_PROGRAM_TYPE` = 3, the
 * value of `MatMulProgramType.MatMulPackedProgram` in webgpu_util.ts): the split-K program accumulates with
 * float atomics and is not bit-reproducible (tfjs-deno-perf.md §5).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** `MatMulProgramType.MatMulPackedProgram` in tfjs-backend-webgpu 4.22 (webgpu_util.ts). */
export const MATMUL_PACKED_PROGRAM = 3;

/** What we record about a WebGPU adapter (`GPUAdapterInfo` plus Deno's `isFallbackAdapter`). */
export interface AdapterSummary {
  /** Adapter vendor. */
  vendor: string;
  /** Adapter architecture. */
  architecture: string;
  /** Adapter device. */
  device: string;
  /** Adapter description. */
  description: string;
  /** True for software adapters (Mesa llvmpipe / lavapipe). */
  isFallbackAdapter: boolean;
  /** Smallest subgroup size (null when unknown). */
  subgroupMinSize: number | null;
  /** Largest subgroup size (null when unknown). */
  subgroupMaxSize: number | null;
  /** Features the adapter offers, sorted. */
  features: string[];
}

interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features: Iterable<string> & { has(f: string): boolean };
  limits: Record<string, number>;
  requestDevice(desc: Record<string, unknown>): Promise<unknown>;
}

/**
 * Which wgpu backends Deno's WebGPU may initialise, decided before the first `requestAdapter` of the process
 * (Deno reads `DENO_WEBGPU_BACKEND` when it creates its wgpu instance).
 *
 * A value the user set is kept. On Linux, when unset, antbench asks for `vulkan` only. Reason: with wgpu's
 * default set, its GL backend is initialised too, which loads libglvnd's libEGL, and at process exit glibc
 * sometimes aborts on a corrupted heap while libEGL's destructor frees its state (main thread in `exit` ->
 * `_dl_fini` -> libEGL.so.1 -> `free`, a runtime thread in its own exit-time `free`). Measured here (Deno
 * 2.9.6, Debian 12, Mesa 22.3.6): 1 of 20 runs of the WebGPU tests aborted with "corrupted size vs.
 * prev_size" or "corrupted double-linked list" after every test had passed (CI: exit 134); with Vulkan
 * only, libEGL is never loaded, and 60 of 60 runs exited cleanly. Real GPUs on Linux are Vulkan devices (NVIDIA, AMD, Intel), and Mesa's
 * lavapipe (Debian `mesa-vulkan-drivers`) is the software Vulkan adapter. GL-only machines opt back in with
 * `DENO_WEBGPU_BACKEND=gl`.
 *
 * Pure: `os` is `Deno.build.os`, `current` the variable's value (undefined when unset).
 */
export function wgpuBackendChoice(
  os: string,
  current: string | undefined,
): { set: string | null; effective: string } {
  if (current !== undefined) return { set: null, effective: current === "" ? "(none)" : current };
  if (os === "linux") return { set: "vulkan", effective: "vulkan" };
  return { set: null, effective: "default" };
}

let wgpuBackends: string | null = null;

/**
 * The XDG_RUNTIME_DIR to set before WebGPU enumerates its Vulkan drivers, or null to leave it. Mesa's
 * Vulkan WSI asks libwayland for a display, and libwayland prints "error: XDG_RUNTIME_DIR is invalid or not
 * set in the environment." when the variable is unset or not an absolute path (headless CI, root shells,
 * containers), although no display is needed. Pointing it at /dev/null, a path that can never hold a
 * Wayland socket, keeps the probe quiet and changes nothing else: a set, absolute value is left alone.
 * Pure: `os` is `Deno.build.os`, `current` the variable's value (undefined when unset).
 */
export function xdgRuntimeDirChoice(os: string, current: string | undefined): string | null {
  if (os !== "linux") return null;
  return current !== undefined && current.startsWith("/") ? null : "/dev/null";
}

/**
 * Apply {@link wgpuBackendChoice} once per process, before any adapter is requested; returns the backend
 * set in effect (recorded in the environment fingerprint). Without `--allow-env=DENO_WEBGPU_BACKEND` the
 * variable can be neither read nor set, and wgpu's default set is used (recorded as such).
 */
export function applyWgpuBackendChoice(): string {
  if (wgpuBackends !== null) return wgpuBackends;
  try {
    const choice = wgpuBackendChoice(Deno.build.os, Deno.env.get("DENO_WEBGPU_BACKEND"));
    if (choice.set !== null) Deno.env.set("DENO_WEBGPU_BACKEND", choice.set);
    wgpuBackends = choice.effective;
  } catch {
    wgpuBackends = "default (no --allow-env=DENO_WEBGPU_BACKEND)";
  }
  try {
    const xdg = xdgRuntimeDirChoice(Deno.build.os, Deno.env.get("XDG_RUNTIME_DIR"));
    if (xdg !== null) Deno.env.set("XDG_RUNTIME_DIR", xdg);
  } catch { /* no --allow-env=XDG_RUNTIME_DIR: libwayland may print its harmless message */ }
  return wgpuBackends!;
}

/** The wgpu backend set in effect ({@link applyWgpuBackendChoice}); null before WebGPU was touched. */
export function wgpuBackendsInEffect(): string | null {
  return wgpuBackends;
}

function gpu(): GpuLike | null {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (!nav?.gpu) return null;
  applyWgpuBackendChoice();
  return nav.gpu;
}

/** Copy the adapter's info into plain values (before any requestDevice call). */
export function summarizeAdapter(adapter: AdapterLike): AdapterSummary {
  const info = adapter.info ?? {};
  const str = (k: string) => (typeof info[k] === "string" ? info[k] as string : "");
  const num = (k: string) => (typeof info[k] === "number" ? info[k] as number : null);
  return {
    vendor: str("vendor"),
    architecture: str("architecture"),
    device: str("device"),
    description: str("description"),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
    subgroupMinSize: num("subgroupMinSize"),
    subgroupMaxSize: num("subgroupMaxSize"),
    features: [...adapter.features].map(String).sort(),
  };
}

let probed: Promise<AdapterSummary | null> | null = null;

/**
 * Ask for the default WebGPU adapter and describe it; null when WebGPU is unavailable (no
 * `--unstable-webgpu`, no driver, or `DENO_WEBGPU_BACKEND` set to an empty string). Asked once per isolate:
 * the answer cannot change within a process, and each request re-enumerates the drivers.
 */
export function probeAdapter(): Promise<AdapterSummary | null> {
  if (probed) return probed;
  probed = (async () => {
    const g = gpu();
    if (!g) return null;
    try {
      const adapter = await g.requestAdapter({ powerPreference: "high-performance" });
      return adapter ? summarizeAdapter(adapter) : null;
    } catch {
      return null;
    }
  })();
  return probed;
}

/**
 * tfjs-webgpu reads GPU buffers synchronously (`dataSync`, `arraySync`) through an OffscreenCanvas, which
 * Deno does not have ("Cannot read properties of null (reading 'clearRect')"). Keep reads of data that is
 * already on the CPU, and replace the failure for GPU data with an error that says what to do.
 */
function guardReadSync(backend: tf.KernelBackend): void {
  const b = backend as unknown as {
    readSync(dataId: object): unknown;
    tensorMap: { get(dataId: object): { values?: unknown; dtype: string; complexTensorInfos?: unknown } };
  };
  const original = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    const d = b.tensorMap.get(dataId);
    if (d.values != null || d.dtype === "string" || d.complexTensorInfos != null) return original(dataId);
    throw new Error(
      "webgpu under Deno cannot read GPU data synchronously (dataSync/arraySync/bufferSync need an " +
        "OffscreenCanvas); read with `await tensor.data()` instead",
    );
  };
}

let registered: { adapter: AdapterSummary | null } | null = null;

/** The adapter the registered factory used (null before the backend has been created). */
export function webGpuAdapter(): AdapterSummary | null {
  return registered?.adapter ?? null;
}

/**
 * Register (or re-register) tfjs's "webgpu" backend with the Deno-safe factory and set the deterministic
 * matmul flag. Importing tfjs-backend-webgpu also registers all its kernels. Idempotent.
 */
export async function registerWebGpuBackend(): Promise<void> {
  if (registered) return;
  const mod = await import("@tensorflow/tfjs-backend-webgpu");
  const WebGPUBackend = mod.WebGPUBackend as unknown as new (
    device: unknown,
    info?: unknown,
  ) => tf.KernelBackend;
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const state: { adapter: AdapterSummary | null } = { adapter: null };
  tf.registerBackend("webgpu", async () => {
    const g = gpu();
    if (!g) {
      throw new Error("WebGPU is not available (navigator.gpu is undefined; run with --unstable-webgpu)");
    }
    const adapter = await g.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) throw new Error("WebGPU: requestAdapter() returned null (no adapter)");
    const summary = summarizeAdapter(adapter);
    state.adapter = summary;
    const requiredFeatures: string[] = [];
    if (adapter.features.has("timestamp-query")) requiredFeatures.push("timestamp-query");
    if (adapter.features.has("bgra8unorm-storage")) requiredFeatures.push("bgra8unorm-storage");
    const l = adapter.limits;
    const requiredLimits = {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    };
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
    const backend = new WebGPUBackend(device, { vendor: summary.vendor, architecture: summary.architecture });
    guardReadSync(backend);
    return backend;
  }, 0);
  tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", MATMUL_PACKED_PROGRAM);
  registered = state;
}
