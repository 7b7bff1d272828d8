/**
 * The environment fingerprint every result records: what ran the numbers (runtime and library versions,
 * backend, adapter, wasm features, tfjs flags, OS and CPU), so results from different machines are never
 * compared blindly. It is excluded from determinism checks (see RunResult.environment).
 *
 * @module
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { version_cpu } from "@tensorflow/tfjs-backend-cpu";
import { version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { activeBackend, type BackendInfo, type NativeInfo } from "./backend.ts";
import { type AdapterSummary, wgpuBackendsInEffect } from "./webgpu_backend.ts";

/** tf.env() flags that change numerics or speed; recorded when set. */
export const FINGERPRINT_FLAGS: readonly string[] = [
  "IS_NODE",
  "PROD",
  "DEBUG",
  "WASM_HAS_SIMD_SUPPORT",
  "WASM_HAS_MULTITHREAD_SUPPORT",
  "WEBGPU_MATMUL_PROGRAM_TYPE",
  "WEBGPU_CPU_FORWARD",
  "WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD",
  "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE",
  "WEBGPU_USE_LOW_POWER_GPU",
];

/** The environment fingerprint (JSON-safe). */
export interface EnvironmentFingerprint {
  /** Deno version. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** TypeScript version. */
  typescript: string;
  /** tfjs package versions. */
  tfjs: { core: string; cpu: string; wasm: string; webgpu: string | null };
  /** The tfjs backend: requested, used, why, and antbench's kernel patches. */
  backend: {
    requested: string | null;
    name: string;
    reason: string | null;
    patchedKernels: string[];
  };
  /** The WebGPU adapter (null when WebGPU was not used). */
  adapter:
    | Pick<AdapterSummary, "vendor" | "architecture" | "device" | "description" | "isFallbackAdapter">
    | null;
  /** wgpu backends Deno's WebGPU was allowed to use (`DENO_WEBGPU_BACKEND`); null when WebGPU was not used. */
  wgpuBackends: string | null;
  /** wasm build features. */
  wasm: { simd: boolean | null; threads: number | null };
  /**
   * native backend only (else null): OpenBLAS's path, `openblas_get_config()`, `openblas_get_corename()`
   * and the OPENBLAS_CORETYPE in effect; oneDNN's path, version and effective ISA; the thread count. Bit-identical reruns
   * need the same library, core and thread count.
   */
  native: NativeInfo | null;
  /** tf.env() flags that change numerics or speed. */
  flags: Record<string, unknown>;
  /** Operating system. */
  os: string;
  /** CPU architecture. */
  arch: string;
  /** Logical CPUs. */
  cpuCount: number | null;
  /** CPU model (null where the OS does not say). */
  cpuModel: string | null;
}

/**
 * The CPU model from node:os `cpus()` (needs --allow-sys=cpus, which every task grants; Deno refuses
 * /proc/cpuinfo without --allow-all). Null only where the OS does not say.
 */
function cpuModel(): string | null {
  try {
    const model = os.cpus()[0]?.model?.trim();
    return model ? model : null;
  } catch {
    return null;
  }
}

let webgpuVersion: string | null | undefined;

/** tfjs-backend-webgpu's version, when the package has been loaded (never imports it). */
function webgpuPackageVersion(): string | null {
  if (webgpuVersion !== undefined) return webgpuVersion;
  try {
    const url = import.meta.resolve("@tensorflow/tfjs-backend-webgpu/package.json");
    const pkg = JSON.parse(Deno.readTextFileSync(new URL(url))) as { version?: string };
    webgpuVersion = pkg.version ?? null;
  } catch {
    webgpuVersion = null;
  }
  return webgpuVersion;
}

/**
 * Describe the environment. `info` defaults to the last {@link initBackend} result; without one, the
 * active tfjs backend is recorded with unknown adapter and reason.
 */
export function environmentFingerprint(info: BackendInfo | null = activeBackend()): EnvironmentFingerprint {
  const env = tf.env();
  const flags: Record<string, unknown> = {};
  for (const f of FINGERPRINT_FLAGS) {
    if (f in env.features) flags[f] = env.features[f];
  }
  const a = info?.adapter ?? null;
  let cpuCount: number | null = null;
  try {
    cpuCount = navigator.hardwareConcurrency ?? null;
  } catch {
    cpuCount = null;
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tfjs: { core: tf.version_core, cpu: version_cpu, wasm: version_wasm, webgpu: webgpuPackageVersion() },
    backend: {
      requested: info?.requested ?? null,
      name: info?.name ?? tf.getBackend(),
      reason: info?.reason ?? null,
      patchedKernels: info?.patchedKernels ?? [],
    },
    adapter: a === null ? null : {
      vendor: a.vendor,
      architecture: a.architecture,
      device: a.device,
      description: a.description,
      isFallbackAdapter: a.isFallbackAdapter,
    },
    wgpuBackends: info?.wgpuBackends ?? wgpuBackendsInEffect(),
    wasm: { simd: info?.wasmSimd ?? null, threads: info?.wasmThreads ?? null },
    native: info?.native ?? null,
    flags,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpuCount,
    cpuModel: cpuModel(),
  };
}
