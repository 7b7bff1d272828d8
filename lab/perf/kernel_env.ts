/**
 * The environment variables that select or tune the native libraries' kernels and threads (OpenBLAS,
 * oneDNN, OpenMP), as a benchmark process sees them: recorded in the perf and `--vs torch` reports, since
 * they change speed without changing any setting antbench knows of (e.g. OMP_WAIT_POLICY decides whether
 * idle OpenMP threads spin, which matters a lot for oneDNN at more than one thread on a loaded machine).
 *
 * @module
 */

/** The variables recorded (the same list lab/torch/bench.py reports for the PyTorch process). */
export const KERNEL_ENV = [
  "OPENBLAS_CORETYPE",
  "OPENBLAS_NUM_THREADS",
  "OMP_NUM_THREADS",
  "OMP_WAIT_POLICY",
  "DNNL_MAX_CPU_ISA",
  "ONEDNN_MAX_CPU_ISA",
  "MKL_NUM_THREADS",
] as const;

/** Each variable's value: null when unset, "(not readable)" without --allow-env for it. */
export function kernelEnvironment(): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of KERNEL_ENV) {
    try {
      out[name] = Deno.env.get(name) ?? null;
    } catch {
      out[name] = "(not readable)";
    }
  }
  return out;
}
