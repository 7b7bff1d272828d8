/**
 * The command line of `deno task perf --vs torch` (lab/torch/vs_torch.ts measures): its own flags, the
 * Markdown tables, and where the results go (reports/perf/torch_<tag>.{json,md}, quiet results only:
 * lab/perf/publish.ts).
 *
 * @module
 */
import { intFlag, parseFlags } from "../../src/cli/args.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { atomicWriteFile, atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { TORCH_INSTALL_HINT, TORCH_PYTHON, torchVersion } from "../parity/export.ts";
import { BACKEND_CHOICES, parsePerfArgs, workloadsFor } from "../perf/args.ts";
import type { BackendName } from "../../src/runtime/backend.ts";
import type { NativeInfo } from "../../src/runtime/backend.ts";
import { kernelEnvLabel, nativeLabel } from "../perf/render.ts";
import { machineFp32Peak } from "../perf/peak.ts";
import { chooseOutputDir, divertedMessage } from "../perf/publish.ts";
import { loadLabel, peakNotes } from "../perf/render.ts";
import { runVsTorch, type VsTorchReport, type VsTorchRow } from "./vs_torch.ts";

const f = (x: number, d = 1) => x.toFixed(d);
const range = (r: { median: number; min: number; max: number }) =>
  `${f(r.median, 2)} (${f(r.min, 2)}–${f(r.max, 2)})`;

function rowLoad(r: VsTorchReport, row: VsTorchRow): string {
  const label = `${row.model} ${row.dataShape.join("x")} b${row.batch} ${row.method}`;
  const loads = (r.rounds ?? []).filter((x) => x.kept && x.row === label).map((x) => x.load);
  return loadLabel(loads, r.settings.loadLimitCores);
}

/** The report as a Markdown table (the 1 job × N threads columns only when that arm ran). */
export function renderVsTorch(r: VsTorchReport): string {
  const threaded = r.rows.some((row) => row.arms?.antbench1xN);
  const head = [
    "| model | data | batch | method (k) | antbench ×1 ms/step | torch ×1 ms/step | per core × (range) | " +
    "antbench jobs samples/s | torch threads samples/s | per machine × (range) | " +
    (threaded ? "antbench 1 job × threads samples/s | per machine, threads × (range) | " : "") +
    "kernels/step | GFLOP/s antbench ×1 / torch ×1 | foreign load (cores) |",
    `|---|---|---|---|---|---|---|---|---|---|${threaded ? "---|---|" : ""}---|---|---|`,
  ];
  const lines = r.rows.map((row) => {
    const m = row.method === "vanilla" ? "vanilla" : `${row.method} (${row.k})`;
    const lead = `| ${row.model} | ${row.dataShape.join("×")} | ${row.batch} | ${m} |`;
    if (row.status !== "ok") {
      return `${lead} ${row.status}: ${(row.note ?? "").replaceAll("|", "/")} | | | | | | | | |` +
        (threaded ? " | |" : "");
    }
    const a = row.arms!;
    const g = row.gflops ? `${f(row.gflops.antbench1, 2)} / ${f(row.gflops.torch1, 2)}` : "";
    const t = !threaded
      ? ""
      : a.antbench1xN
      ? ` ${f(a.antbench1xN.samplesPerSec, 0)} | ${range(row.perMachineThreads!)} |`
      : " | |";
    return `${lead} ${f(a.antbench1.ms.median)} | ${f(a.torch1.ms.median)} | ${range(row.perCore!)} | ${
      f(a.antbenchN.samplesPerSec, 0)
    } | ${f(a.torchN.samplesPerSec, 0)} | ${range(row.perMachine!)} |${t} ${
      row.kernelsPerStep ?? ""
    } | ${g} | ${rowLoad(r, row)} |`;
  });
  return [...head, ...lines].join("\n");
}

/** antbench's side in one line: backend, libraries, jobs and threads. */
export function antbenchLine(report: VsTorchReport): string {
  const a = report.antbench as {
    tfjs?: { core?: string };
    backend?: { name?: string; reason?: string | null };
    native?: NativeInfo | null;
    environment?: Record<string, string | null>;
  };
  const s = report.settings;
  const backend = a.backend?.name ?? "?";
  return `tfjs ${a.tfjs?.core ?? "?"} on the ${backend} backend (${
    a.backend?.reason ?? "?"
  }), the production ` +
    `step; per-core arm 1 job × 1 thread; per-machine arm ${
      s.jobs ?? "N"
    } parallel Web Worker jobs × 1 thread` +
    (report.rows.some((r) => r.arms?.antbench1xN) ? `, and 1 job × ${s.threads} threads` : "") +
    (a.native
      ? `. ${nativeLabel({ ...a.native, threads: 1 })}`
      : backend === "wasm"
      ? " (tfjs-wasm: one thread)"
      : "") +
    `; kernel variables: ${kernelEnvLabel(a.environment)}.`;
}

/** The PyTorch side in one line: version, BLAS (OpenBLAS core and who chose it), oneDNN ISA, threads. */
export function torchLine(report: VsTorchReport): string {
  const t = report.torch as {
    torch?: string;
    python?: string;
    environment?: Record<string, string | null>;
    openblas?: { config?: string; coreName?: string } | null;
    onednn?: { version?: string; isa?: string } | null;
    build?: Record<string, string>;
  };
  const core = t.environment?.OPENBLAS_CORETYPE;
  const blas = t.openblas
    ? `BLAS ${t.openblas.config?.match(/^OpenBLAS \S+/)?.[0] ?? "OpenBLAS"} core ${t.openblas.coreName} (${
      core ? `OPENBLAS_CORETYPE=${core}, as antbench` : "OpenBLAS's own CPU detection"
    })`
    : `BLAS ${t.build?.BLAS_INFO ?? "unknown"} (no OpenBLAS in the process)`;
  const dnnl = t.onednn ? `, oneDNN ${t.onednn.version} (ISA ${t.onednn.isa})` : "";
  return `${t.torch ?? "?"} (${
    t.python ?? "?"
  }), ${blas}${dnnl}; per-core arm 1 thread (torch and OpenBLAS), ` +
    `per-machine arm ${report.settings.threads ?? "N"} threads (torch.set_num_threads and OpenBLAS's); ` +
    `OMP_WAIT_POLICY=${t.environment?.OMP_WAIT_POLICY ?? "unset"}.`;
}

/** The Markdown file of a report. */
export function vsTorchMarkdown(report: VsTorchReport): string {
  const s = report.settings;
  const kept = report.rounds.filter((x) => x.kept).length;
  const verdict = report.quiet
    ? `Quiet: every round's foreign CPU load was at most ${s.loadLimitCores} cores (${kept} rounds, ` +
      `${report.rounds.length - kept} repeated).`
    : `**NOISY**: ${report.noisyRounds} of ${kept} rounds had foreign CPU load above ${s.loadLimitCores} cores ` +
      `after up to ${s.loadRetries} repeats, or could not be measured (no /proc, or a round too short: use ` +
      "more --repeats). Not a publishable measurement.";
  return [
    "# antbench vs PyTorch: training throughput (`deno task perf --vs torch`)",
    "",
    `Generated ${report.createdAt} on ${s.cores} cores (${
      report.peak?.cpu.modelName ?? report.antbench.cpuModel ?? "unknown CPU"
    }). ${s.rounds} interleaved rounds × ${s.repeats} timed steps per arm after ${s.warmup} warm-up steps; ` +
    `methods at k = ${s.k} timestep clusters, vanilla = the suite baseline (k = 1).`,
    "",
    `- antbench: ${antbenchLine(report)}`,
    `- torch: ${torchLine(report)}`,
    "- ratio = antbench samples/s ÷ torch samples/s of each round (> 1: antbench faster); median (min–max) over rounds.",
    "",
    renderVsTorch(report),
    "",
    verdict,
    "",
    ...peakNotes(report.peak).flatMap((n) => [n, ""]),
  ].join("\n");
}

const VS_FLAGS = ["vs", "jobs", "threads", "tag"];

/** The one backend of `--vs torch` (`available` lists several: refused). */
export function vsBackend(backends: readonly string[]): BackendName {
  const allowed = BACKEND_CHOICES.filter((b) => b !== "available");
  if (backends.length !== 1 || !(allowed as readonly string[]).includes(backends[0])) {
    throw new UsageError(
      badValue("--backend", backends.join(","), `one of ${allowed.join(" | ")} with --vs torch`),
    );
  }
  return backends[0] as BackendName;
}

/** Split `--vs torch` and its own flags from the flags lab/perf/args.ts parses. */
export function splitVsArgs(args: string[]): { own: string[]; rest: string[] } {
  const own: string[] = [], rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") ? a.slice(2).split("=")[0] : null;
    if (name !== null && VS_FLAGS.includes(name)) {
      own.push(a);
      if (!a.includes("=") && i + 1 < args.length) own.push(args[++i]);
    } else rest.push(a);
  }
  return { own, rest };
}

/** Usage of the `--vs torch` flags (appended to perf's usage). */
export const VS_TORCH_USAGE = `
--vs torch: time the PyTorch reference (${TORCH_PYTHON}, python3-torch) interleaved with antbench
  --backend NAME    antbench's backend, one of auto | native | wasm | cpu | webgpu (default auto: what
                   training picks here, native when OpenBLAS loads); torch gets the same OPENBLAS_CORETYPE
  --jobs N         parallel antbench jobs (1 thread each) for the per-machine arm (default: all cores)
  --threads N      threads of the threaded per-machine arms: torch.set_num_threads(N) (and OpenBLAS's),
                   and on native one antbench job × N threads (default: all cores)
  --tag NAME       output reports/perf/torch_NAME.{json,md} (default: vs)
  --methods defaults to vanilla,uw,pcgrad,nashmtl; --rounds to 5 (each runs the four arms); --repeats to 5;
  --warmup to 2`;

/** `deno task perf --vs torch ...`; resolves to the exit code. */
export async function perfVsTorchMain(args: string[]): Promise<number> {
  const { own, rest } = splitVsArgs(args);
  const { values } = parseFlags("perf --vs", own, {
    vs: { type: "string" },
    jobs: { type: "string" },
    threads: { type: "string" },
    tag: { type: "string" },
  });
  if (values.vs !== "torch") throw new UsageError(badValue("--vs", values.vs, "torch"));
  const hasFlag = (n: string) => rest.some((a) => a === `--${n}` || a.startsWith(`--${n}=`));
  const base = parsePerfArgs([
    ...rest,
    ...(hasFlag("backend") ? [] : ["--backend", "auto"]),
    ...(hasFlag("methods") ? [] : ["--methods", "uw,pcgrad,nashmtl"]),
    ...(hasFlag("rounds") ? [] : ["--rounds", "5"]),
    ...(hasFlag("repeats") ? [] : ["--repeats", "5"]),
    ...(hasFlag("warmup") ? [] : ["--warmup", "2"]),
  ]);
  const backend = vsBackend(base.backends);
  const cores = navigator.hardwareConcurrency || 1;
  const tag = typeof values.tag === "string" ? values.tag : "vs";
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new UsageError(badValue("--tag", tag, "letters, digits, _ . -"));
  try {
    await torchVersion();
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    console.error(`install: ${TORCH_INSTALL_HINT}`);
    return 1;
  }
  const report = await runVsTorch({
    backend,
    workloads: workloadsFor(base),
    methods: ["vanilla", ...base.methods],
    rounds: base.rounds,
    repeats: base.repeats,
    warmup: base.warmup,
    k: base.k,
    seed: base.seed,
    jobs: intFlag("jobs", values.jobs, cores, 1, 256),
    threads: intFlag("threads", values.threads, cores, 1, 256),
    tag,
    loadLimitCores: base.loadLimit,
    loadRetries: base.retries,
    peak: await machineFp32Peak(),
    onLog: (l) => console.error(l),
  });
  const out = chooseOutputDir(base.out, report.quiet, base.allowNoisy);
  await Deno.mkdir(out.dir, { recursive: true });
  await atomicWriteJson(`${out.dir}/torch_${tag}.json`, report);
  await atomicWriteFile(`${out.dir}/torch_${tag}.md`, vsTorchMarkdown(report));
  console.log(renderVsTorch(report));
  console.log(`\nwrote ${out.dir}/torch_${tag}.json and ${out.dir}/torch_${tag}.md`);
  if (out.diverted) {
    console.error(divertedMessage(base.out, out.dir));
    return 1;
  }
  return report.rows.some((r) => r.status === "failed") ? 1 : 0;
}
