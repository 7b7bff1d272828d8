/**
 * Markdown of a `deno task perf` report: the table (also printed) and the notes that say how to read it —
 * whether every round was quiet, the fp32 peak with its formula and assumption, and how FLOPs and kernels
 * are counted.
 *
 * @module
 */
import type { PerfReport, PerfRound, PerfRow } from "./step_bench.ts";
import type { RoundLoad } from "./load.ts";
import type { Fp32Peak } from "./peak.ts";
import type { NativeInfo } from "../../src/runtime/backend.ts";

const fmt = (x: number | undefined, d = 1) => (x === undefined ? "" : x.toFixed(d));

/** Kept rounds of the row's workload. */
function keptRounds(report: PerfReport, r: PerfRow): PerfRound[] {
  return report.rounds.filter((x) =>
    x.kept && x.backend === r.backend && x.model === r.model && x.batch === r.batch &&
    x.dataShape.join("x") === r.dataShape.join("x")
  );
}

/**
 * "quiet (≤ 0.05)", "NOISY (0.82)", "unmeasured" or "unresolved (round too short)": the worst kept round's
 * foreign load, in cores.
 */
export function loadLabel(loads: readonly (RoundLoad | null)[], limit: number): string {
  if (loads.length === 0) return "";
  if (loads.some((l) => l === null)) return "unmeasured";
  if (loads.some((l) => !l!.resolved)) return "unresolved (round too short)";
  const worst = Math.max(...loads.map((l) => l!.foreignCores));
  return worst <= limit ? `quiet (≤ ${worst.toFixed(2)})` : `NOISY (${worst.toFixed(2)})`;
}

/** The report as a Markdown table (also printed by `deno task perf`). */
export function renderPerfTable(report: PerfReport): string {
  const head = [
    "| backend | model | data | batch | params | method (k) | ms/step | rounds min–max | samples/s | GFLOP/s | " +
    "% core peak | matmul/conv kernels GFLOP/s | kernels/step | × vanilla (range) | foreign load (cores) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const lines = report.rows.map((r) => {
    const shape = r.dataShape.join("×");
    const method = r.method === "vanilla" ? "vanilla" : `${r.method} (${r.k})`;
    const backend = (r.threads ?? 1) > 1 ? `${r.backend} ×${r.threads} threads` : r.backend;
    const lead = `| ${backend} | ${r.model} | ${shape} | ${r.batch} | ${r.params ?? ""} | ${method} |`;
    if (r.status !== "ok") {
      return `${lead} ${r.status}: ${(r.note ?? "").replaceAll("|", "/")} | | | | | | | | |`;
    }
    const byRound = r.msPerStepByRound ?? [];
    const ratio = r.ratioToVanilla;
    const load = loadLabel(keptRounds(report, r).map((x) => x.load), report.settings.loadLimitCores);
    return `${lead} ${fmt(r.msPerStep)} | ${fmt(Math.min(...byRound))}–${fmt(Math.max(...byRound))} | ${
      fmt(r.samplesPerSec, 0)
    } | ${fmt(r.gflops, 2)} | ${
      r.fractionOfCorePeak === undefined ? "" : fmt(100 * r.fractionOfCorePeak, 1)
    } | ${fmt(r.denseKernels?.gflops, 1)} | ${r.kernelsPerStep ?? ""} | ${
      ratio ? `${fmt(ratio.median, 2)} (${fmt(ratio.min, 2)}–${fmt(ratio.max, 2)})` : ""
    } | ${load} |`;
  });
  return [...head, ...lines].join("\n");
}

/**
 * The native backend's libraries in one line: OpenBLAS version and kernel core (and who chose it), oneDNN
 * version and effective ISA, the convolution library and the threads per job.
 */
export function nativeLabel(n: NativeInfo): string {
  const b = n.openblas;
  const version = b.config.match(/^OpenBLAS (\S+)/)?.[1] ?? b.config;
  const ct = b.coreType;
  const who = ct.inEffect === null
    ? "OpenBLAS's own CPU detection"
    : `OPENBLAS_CORETYPE=${ct.inEffect}${
      ct.inEffect === ct.policy ? ", antbench's choice from CPUID" : ", set by the user"
    }`;
  const dnnl = n.onednn ? `, oneDNN ${n.onednn.version} (ISA ${n.onednn.isa})` : ", no oneDNN";
  return `native: OpenBLAS ${version} core ${b.coreName} (${who})${dnnl}, convolutions on ${n.conv}, ` +
    `${n.threads} thread${n.threads === 1 ? "" : "s"} per job`;
}

/** "A=1, B=2" for the set variables of {@link kernelEnvironment}'s record, "none set" otherwise. */
export function kernelEnvLabel(env: Record<string, string | null> | undefined): string {
  const set = Object.entries(env ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
  return set.length ? set.join(", ") : "none set";
}

/** The peak's formula, inputs and assumption, as Markdown lines. */
export function peakNotes(peak: Fp32Peak | null): string[] {
  if (!peak) return ["fp32 peak: unknown (no /proc/cpuinfo clock on this machine)."];
  return [
    `fp32 peak (${peak.cpu.modelName}): ${peak.formula}. SIMD width from the \`${peak.simdFlag}\` flag, ` +
    `clock from /proc/cpuinfo "cpu MHz" (nominal on VMs; turbo may be higher, AVX-512 clocks lower), ` +
    `${peak.cores} physical cores of ${peak.logicalCpus} logical CPUs.`,
    `FMA units per core are an assumption, not read from the machine: ${peak.fmaAssumption}.`,
    `wasm SIMD is 128 bits wide: at most ${peak.wasmCeiling.perCoreGflops} GFLOP/s per core ` +
    `(${peak.wasmCeiling.fmaUnits} FMA units; an upper bound, as it counts fused multiply-adds).`,
  ];
}

/** The notes printed under the table: load verdict, peak, FLOP and kernel sources. */
export function renderPerfNotes(report: PerfReport): string[] {
  const s = report.settings;
  const kept = report.rounds.filter((r) => r.kept).length;
  const retried = report.rounds.filter((r) => !r.kept).length;
  const verdict = report.quiet
    ? `Quiet: every round's foreign CPU load was at most ${s.loadLimitCores} cores (${kept} rounds; ` +
      `${retried} repeated).`
    : `**NOISY**: ${report.noisyRounds} of ${kept} rounds had foreign CPU load above ${s.loadLimitCores} ` +
      `cores after up to ${s.loadRetries} repeats, or could not be measured (no /proc, or a round shorter than ` +
      `the tick resolution allows: use more --repeats). Not a publishable measurement.`;
  return [
    verdict,
    "Foreign load: CPU time of processes outside the benchmark's process tree during the round (/proc), " +
    "the larger of the per-process sum and the machine's busy time minus the benchmark's own.",
    ...peakNotes(report.peak),
    `GFLOP/s: ${report.flopSource}.`,
    `kernels/step: ${report.kernelSource}.`,
  ];
}
