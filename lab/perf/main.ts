/**
 * `deno task perf`: the training-step benchmark. Prints a table and writes perf.json and perf.md (default
 * reports/perf/, quiet results only: lab/perf/publish.ts). See lab/perf/step_bench.ts for what is measured;
 * `--vs torch` runs the PyTorch comparison instead (lab/torch/vs_torch.ts).
 *
 * @module
 */
import { runEntry } from "../../src/cli/entry.ts";
import { atomicWriteFile, atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { parsePerfArgs, PERF_FLAGS_USAGE, resolveBackends, workloadsFor } from "./args.ts";
import { type PerfReport, runPerf } from "./step_bench.ts";
import { kernelEnvLabel, nativeLabel, renderPerfNotes, renderPerfTable } from "./render.ts";
import { machineFp32Peak } from "./peak.ts";
import { chooseOutputDir, divertedMessage } from "./publish.ts";
import { perfVsTorchMain, VS_TORCH_USAGE } from "../torch/vs_main.ts";

/** Samples with more elements than this are not run on the cpu backend (an 8×8 U-Net step takes ~30 s). */
export const CPU_MAX_SAMPLE_SIZE = 16;

/** Usage of `deno task perf`. */
export const USAGE = `usage: deno task perf [options]

Training-step benchmark: for each registered model on each backend (native = wasm with OpenBLAS/oneDNN
matmul and convolution kernels), the production training step (the
run assembled as a suite would train it: the trainer's batches, the method's gradients, Adam, EMA, the
trainer's loss reads) in load-checked, interleaved rounds. Reports ms/step (median over rounds),
samples/s, GFLOP/s beside the machine's fp32 peak, kernels per step, and each method's ratio to vanilla.
Writes perf.json and perf.md (quiet results only in reports/perf/).

options:
${PERF_FLAGS_USAGE}
  --vs torch       compare with the PyTorch reference instead (see below)
${VS_TORCH_USAGE}`;

/** The Markdown file of a report. */
export function perfMarkdown(report: PerfReport): string {
  const s = report.settings;
  const gpu = report.environments.webgpu?.adapter;
  const gpuNote = gpu
    ? [
      `webgpu: adapter "${gpu.description || gpu.vendor}"` +
      (gpu.isFallbackAdapter ? " is a software (fallback) adapter: CPU-emulated, not GPU numbers" : "") +
      "; losses are read every 20 steps there, as in training (at least 10 ms per read under Deno).",
      "",
    ]
    : [];
  const envLines = Object.entries(report.environments).map(([b, e]) =>
    `- ${b}: Deno ${e!.deno}, tfjs ${e!.tfjs.core}, ${e!.os}/${e!.arch}, ${e!.cpuCount ?? "?"} CPUs (${
      e!.cpuModel ?? report.peak?.cpu.modelName ?? "unknown CPU"
    })` +
    (e!.adapter ? `, adapter "${e!.adapter.description}" (fallback: ${e!.adapter.isFallbackAdapter})` : "") +
    (e!.wasm.simd === null ? "" : `, wasm SIMD ${e!.wasm.simd}, threads ${e!.wasm.threads}`) +
    (e!.native ? `; ${nativeLabel(e!.native)}` : "")
  );
  return [
    "# Training-step benchmark (`deno task perf`)",
    "",
    `Generated ${report.createdAt}. ${s.rounds} interleaved rounds × ${s.repeats} timed steps per contender ` +
    `after ${s.warmup} warm-up steps; methods at k = ${s.k} timestep clusters, vanilla = the suite baseline ` +
    `(k = 1); seed ${s.seed}.`,
    "",
    renderPerfTable(report),
    "",
    ...gpuNote,
    ...renderPerfNotes(report).flatMap((n) => [n, ""]),
    "Environments:",
    ...envLines,
    `- kernel variables (OpenBLAS, oneDNN, OpenMP): ${kernelEnvLabel(report.kernelEnvironment)}`,
    "",
  ].join("\n");
}

/** Run the benchmark with CLI arguments; resolves to the exit code. */
export async function perfMain(args: string[]): Promise<number> {
  if (args.some((x) => x === "--vs" || x.startsWith("--vs="))) return await perfVsTorchMain(args);
  const a = parsePerfArgs(args);
  const backends = await resolveBackends(a.backends);
  const report = await runPerf({
    backends,
    nativeThreads: a.threads,
    workloads: workloadsFor(a),
    methods: a.methods,
    rounds: a.rounds,
    repeats: a.repeats,
    warmup: a.warmup,
    k: a.k,
    seed: a.seed,
    loadLimitCores: a.loadLimit,
    loadRetries: a.retries,
    peak: await machineFp32Peak(),
    skip: (b, w) =>
      b === "cpu" && w.dataShape.reduce((x, y) => x * y, 1) > CPU_MAX_SAMPLE_SIZE
        ? `cpu runs only samples of ≤ ${CPU_MAX_SAMPLE_SIZE} elements (too slow for images)`
        : null,
    onLog: (l) => console.error(l),
  });
  const table = renderPerfTable(report);
  const out = chooseOutputDir(a.out, report.quiet, a.allowNoisy);
  await Deno.mkdir(out.dir, { recursive: true });
  await atomicWriteJson(`${out.dir}/perf.json`, report);
  await atomicWriteFile(`${out.dir}/perf.md`, perfMarkdown(report));
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(table);
    for (const n of renderPerfNotes(report)) console.log(`\n${n}`);
    console.log(`\nwrote ${out.dir}/perf.json and ${out.dir}/perf.md`);
  }
  if (out.diverted) {
    console.error(divertedMessage(a.out, out.dir));
    return 1;
  }
  return report.rows.some((r) => r.status === "failed") ? 1 : 0;
}

if (import.meta.main) {
  await runEntry("perf", () => {
    if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
      console.log(USAGE);
      return Promise.resolve(0);
    }
    return perfMain(Deno.args);
  });
}
