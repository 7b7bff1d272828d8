/**
 * `deno task bench [SUITE] [options]`: validate a suite (embedded name or .json/.yaml file; default
 * "default"), expand it into runs, train the runs that have no result yet (resume) in Web Workers, and
 * write the report under reports/<suite>/. Progress on stderr; exit 0 when every run succeeded, 1 when some
 * failed, 2 on bad input.
 *
 * @module
 */
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { loadSuite } from "../suite/load.ts";
import { planRuns } from "../suite/expand.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { runSuite } from "../suite/runner.ts";
import { parseShard } from "../suite/shard.ts";
import { createWorkerPool } from "../suite/worker_executor.ts";
import { BACKEND_NAMES, chooseBackend, DEFAULT_NATIVE_THREADS } from "../runtime/backend.ts";
import { generateReport } from "../report/generate.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { sampleGridPng } from "../report/sample_grid.ts";
import { UsageError } from "../runtime/errors.ts";
import { ProgressReporter } from "./progress.ts";

/** Usage text of the bench task. */
export const BENCH_USAGE = `usage: deno task bench [SUITE] [options]

SUITE is an embedded suite name (default, smoke, nightly, ...) or a .json/.yaml/.yml suite file.
Runs go to reports/<suite>/runs/<content id>/ (config.json, log.jsonl, result.json); finished runs are
skipped, so re-running resumes. The report (README.md, results.json, report.html, ...) is regenerated at
the end.

  --jobs N          runs in parallel, one Web Worker each (default: the number of CPU cores; results do
                    not depend on N)
  --shard i/n       run only shard i of n (0-based; deterministic split by run id)
  --retry-failed    re-run runs whose stored result is "failed"
  --backend auto|webgpu|native|wasm|cpu   override the suite's backend
  --threads N       native backend: BLAS/oneDNN threads per job (default 1; results are bit-identical
                    only at the same N, which the environment fingerprint records)
  --out DIR         output directory (default reports/<suite>)
  --checkpoints     keep a checkpoint per evaluation point under runs/<id>/checkpoint
  --dry-run         validate and list the runs without training
  --no-report       skip report generation (e.g. per shard; run 'deno task cli merge' later)`;

/** Run the bench task with `args`; resolves to the exit code. */
export async function bench(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("bench", args, {
    jobs: { type: "string" },
    shard: { type: "string" },
    "retry-failed": { type: "boolean" },
    backend: { type: "string" },
    threads: { type: "string" },
    out: { type: "string" },
    checkpoints: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "no-report": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`bench: expected at most one suite, got ${positionals.join(" ")}`);
  }
  const jobs = intFlag(
    "jobs",
    values.jobs,
    Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1)),
    1,
    64,
  );
  const shard = values.shard === undefined ? undefined : parseShard(String(values.shard));
  const registries = defaultRegistries();
  const suite = await loadSuite(positionals[0] ?? "default", registries);
  if (values.backend !== undefined) {
    suite.backend = enumFlag("backend", values.backend, BACKEND_NAMES, "auto");
  }
  const runs = await planRuns(suite, registries);
  const outDir = typeof values.out === "string" ? values.out : `reports/${suite.name}`;
  if (values["dry-run"]) {
    for (const r of runs) {
      const c = r.config;
      console.log(
        `${r.id}  ${c.dataset.id}/${c.model.id} ${c.clustering.objective} k=${c.clustering.k} ${c.method.id} seed ${c.seed}`,
      );
    }
    console.error(`bench: suite ${suite.name}: ${runs.length} runs (dry run, nothing trained)`);
    return 0;
  }
  // Resolve the backend once, here: workers get the concrete choice and never probe WebGPU themselves.
  const backend = await chooseBackend(
    suite.backend,
    values.backend !== undefined ? "--backend" : "suite.backend",
    { nativeThreads: intFlag("threads", values.threads, DEFAULT_NATIVE_THREADS, 1, 256) },
  );
  console.error(`bench: backend ${backend.name} (${backend.reason})`);
  const pool = createWorkerPool(jobs, backend);
  const progress = new ProgressReporter();
  let summary;
  try {
    summary = await runSuite(runs, {
      outDir,
      executor: pool.executor,
      jobs,
      ...(shard ? { shard } : {}),
      retryFailed: values["retry-failed"] === true,
      checkpoints: values.checkpoints === true,
      suite,
      onProgress: (p) => progress.update(p),
      onSamples: async (dir, s) => {
        // 2-D samples are kept (last evaluation) for the report's scatter plots.
        if (s.dataShape.length === 1 && s.dataShape[0] === 2) {
          const values = Array.from(
            s.samples.subarray(0, 2 * Math.min(s.n, 1000)),
            (v) => Math.round(v * 1e4) / 1e4,
          );
          await atomicWriteJson(`${dir}/samples.json`, { step: s.step, values });
        } else if (s.dataShape.length === 3) {
          // Image samples: a PNG grid of the first 64 (the last evaluation point's grid is kept).
          const [h, w, c] = s.dataShape;
          const n = Math.min(s.n, 64);
          const png = sampleGridPng(s.samples.subarray(0, n * h * w * c), n, h, w, c, {
            cols: 8,
            scale: h < 16 ? 4 : 2,
          });
          await atomicWriteFile(`${dir}/samples.png`, png);
        }
      },
    });
  } finally {
    progress.done();
    pool.close();
  }
  console.error(
    `bench: ${suite.name}: ${summary.inShard} runs in shard (${summary.planned} planned), ${summary.skipped} already done, ` +
      `${summary.executed} executed: ${summary.ok} ok, ${summary.failed} failed`,
  );
  for (const f of summary.failures) console.error(`  failed ${f.id}: ${f.error}`);
  if (!values["no-report"]) {
    const rep = await generateReport(outDir);
    console.log(
      `bench: report of ${rep.results} runs in ${outDir}/README.md (and ${
        rep.files.filter((f) => f !== "README.md").join(", ")
      })`,
    );
  }
  return summary.failed > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await bench(Deno.args));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
