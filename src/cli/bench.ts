/**
 * `deno task bench [SUITE] [options]`: validate a suite (embedded name or .json/.yaml file; default
 * "default"), expand it into runs, check everything that can be checked without training
 * (src/suite/preflight.ts), lock the output directory (src/suite/lock.ts), train the runs that have no
 * result yet (resume) in Web Workers, and write the report of exactly this suite's runs. Progress on
 * stderr. Exit codes: {@link EXIT_CODES_HELP}.
 *
 * @module
 */
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { loadSuite, looksLikePath } from "../suite/load.ts";
import { planSuite, type SuitePlan } from "../suite/expand.ts";
import type { ResolvedSuite } from "../suite/validate.ts";
import type { SuiteRegistries } from "../suite/registries.ts";
import { runAffinityPhase } from "../suite/affinity_phase.ts";
import { affinityDone } from "../suite/affinity_source.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { runLabel, runSuite } from "../suite/runner.ts";
import { parseShard, selectShard } from "../suite/shard.ts";
import { createWorkerPool } from "../suite/worker_executor.ts";
import { BACKEND_NAMES, chooseBackend, DEFAULT_NATIVE_THREADS } from "../runtime/backend.ts";
import { generateReport } from "../report/generate.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { sampleGridPng } from "../report/sample_grid.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { ProgressReporter } from "./progress.ts";
import { EXIT, EXIT_CODES_HELP, runEntry, userPath } from "./entry.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import { checkWritableDir } from "../runtime/paths.ts";
import { lockOutputDir, removeStaleTmp } from "../suite/lock.ts";
import { preflight } from "../suite/preflight.ts";
import { machineMemory } from "../runtime/machine.ts";
import { formatBytes, parseBytes } from "../suite/memory.ts";
import { runDir, runState } from "../suite/store.ts";

/** Usage text of the bench task. */
export const BENCH_USAGE = `usage: deno task bench [SUITE] [options]

SUITE is an embedded suite name (default, smoke, nightly, ...) or a .json/.yaml/.yml suite file (relative
paths are taken from the directory you run the command in; paths inside a suite file from the project root).
Runs go to reports/<suite>/runs/<content id>/ (config.json, log.jsonl, result.json); finished runs are
skipped, so re-running resumes. Before anything trains, the suite, its files (affinity matrix, image
folders), its datasets and every run's estimated peak memory are checked. The report (README.md,
results.json, report.html, ...) covers exactly this suite's runs and is regenerated at the end.

  --jobs N          runs in parallel, one Web Worker each (default: the number of CPU cores; results do
                    not depend on N)
  --shard i/n       run only shard i of n (0-based; deterministic split by run id); shards may share one
                    --out directory, also across hosts on a shared filesystem
  --retry-failed    re-run runs whose stored result is "failed"
  --backend auto|webgpu|native|wasm|cpu   override the suite's backend
  --threads N       native backend: BLAS/oneDNN threads per job (default 1; results are bit-identical
                    only at the same N, which the environment fingerprint records)
  --out DIR         output directory (default reports/<suite>; must be under reports/)
  --max-memory SIZE per-run memory limit for the estimate check, e.g. 6GiB (default: what wasm32 can
                    address, 4 GiB, on the wasm backend, and 90% of the machine's memory or cgroup limit
                    divided by --jobs)
  --checkpoints     keep a checkpoint per evaluation point under runs/<id>/checkpoint (and the ones phase 1
                    trains, under <out>/affinity/<key>.checkpoints)
  --dry-run         check everything and list the runs with their memory estimates; train nothing
  --no-report       skip report generation (e.g. per shard; run 'deno task cli report DIR' later)
  --version         print the antbench version

A suite whose affinity is a source ({"from": "vanilla", "checkpoints": [...]}) runs in two phases: phase 1
measures one task-affinity matrix per dataset, model and seed from that seed's vanilla training (written to
<out>/affinity/<key>.json and .svg, reused by reruns), phase 2 trains the runs, the gradient-clustered ones
with their seed's matrix. Shards share phase 1 through claims, then each trains its own runs.

One bench at a time per directory: a second one exits 2 at once (shards lock only their shard).

${EXIT_CODES_HELP}`;

const WRITE_ROOTS = "deno task bench writes only under reports/ and .cache/ of the project";

/** Run the bench task with `args`; resolves to the exit code. */
export async function bench(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("bench", args, {
    jobs: { type: "string" },
    shard: { type: "string" },
    "retry-failed": { type: "boolean" },
    backend: { type: "string" },
    threads: { type: "string" },
    out: { type: "string" },
    "max-memory": { type: "string" },
    checkpoints: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "no-report": { type: "boolean" },
    version: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(BENCH_USAGE);
    return EXIT.ok;
  }
  if (values.version) {
    console.log(`antbench ${ANTBENCH_VERSION}`);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `bench: expected at most one suite, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const jobs = intFlag(
    "jobs",
    values.jobs,
    Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1)),
    1,
    64,
  );
  const shard = values.shard === undefined ? undefined : parseShard(String(values.shard));
  let maxMemory: number | undefined;
  if (values["max-memory"] !== undefined) {
    const b = parseBytes(String(values["max-memory"]));
    if (b === null) {
      throw new UsageError(
        badValue("--max-memory", values["max-memory"], "a size such as 6GiB, 512MiB or 8G"),
      );
    }
    maxMemory = b;
  }
  const registries = defaultRegistries();
  const suiteArg = positionals[0] ?? "default";
  const suite = await loadSuite(looksLikePath(suiteArg) ? userPath(suiteArg) : suiteArg, registries);
  if (values.backend !== undefined) {
    suite.backend = enumFlag("backend", values.backend, BACKEND_NAMES, "auto");
  }
  const outDir = typeof values.out === "string" ? userPath(values.out) : `reports/${suite.name}`;
  const dryRun = values["dry-run"] === true;
  checkWritableDir(outDir, "--out", WRITE_ROOTS);
  const plan = await planSuite(suite, registries, { outDir });
  const runs = plan.runs;
  const selected = shard ? selectShard(runs, shard) : runs;
  const say = (line: string) => console.error(`bench: ${line}`);
  const command = `bench ${suiteArg}${shard ? ` --shard ${shard.index}/${shard.count}` : ""}`;
  const lock = dryRun ? null : await lockOutputDir(outDir, {
    command,
    ...(shard ? { shard } : {}),
    onTakeover: (h, why) =>
      say(
        `taking over the lock of ${outDir} left by ${
          h ? `pid ${h.pid} on host ${h.host}` : "a process"
        }: ${why}`,
      ),
    onLost: () => say(`warning: the lock of ${outDir} was taken over by another process`),
  });
  try {
    // Resolve the backend once, here: workers get the concrete choice and never probe WebGPU themselves.
    const backend = await chooseBackend(
      suite.backend,
      values.backend !== undefined ? "--backend" : "suite.backend",
      { nativeThreads: intFlag("threads", values.threads, DEFAULT_NATIVE_THREADS, 1, 256) },
    );
    const machine = machineMemory();
    // Runs waiting for an affinity matrix are checked too (memory), under stand-in ids.
    const waiting = plan.pending.map((p, i) => ({ id: `pending-${i}`, config: p.config }));
    const pre = await preflight(suite, [...runs, ...waiting], {
      backend: backend.name,
      jobs,
      ...(maxMemory !== undefined ? { maxMemory } : {}),
      machine,
    });
    const estimateOf = (id: string) => {
      const e = pre.estimates.get(id);
      return e
        ? `estimated peak ${
          formatBytes(backend.name === "wasm" || backend.name === "native" ? e.wasmBytes : e.processBytes)
        }`
        : undefined;
    };
    if (dryRun) {
      await listPlan(plan, selected, estimateOf, !!shard);
      say(
        `suite ${suite.name}: ${selected.length} runs${
          shard ? ` in shard ${shard.index}/${shard.count}` : ""
        }` +
          (plan.pending.length > 0 ? ` + ${plan.pending.length} waiting for an affinity matrix` : "") +
          `, backend ${backend.name} (${backend.reason}), every check passed (dry run, nothing trained)`,
      );
      return EXIT.ok;
    }
    say(`backend ${backend.name} (${backend.reason})`);
    if (!shard) {
      const removed = await removeStaleTmp(outDir);
      if (removed.length) say(`removed ${removed.length} temporary file(s) left by an interrupted write`);
    }
    return await train(suite.name, suiteArg, plan, outDir, {
      jobs,
      shard,
      backend,
      estimateOf,
      command,
      retryFailed: values["retry-failed"] === true,
      checkpoints: values.checkpoints === true,
      report: !values["no-report"],
      suite,
      registries,
    });
  } finally {
    await lock?.release();
  }
}

/**
 * The dry run's listing: phase 1 (the affinity jobs, when the suite measures its own matrices), then
 * phase 2 (the runs of this shard with their memory estimates, and the runs that wait for a matrix).
 */
async function listPlan(
  plan: SuitePlan,
  selected: SuitePlan["runs"],
  estimateOf: (id: string) => string | undefined,
  sharded: boolean,
): Promise<void> {
  if (plan.affinity.length > 0) {
    const done = await Promise.all(plan.affinity.map((j) => affinityDone(j)));
    console.log(
      `phase 1: ${plan.affinity.length} affinity matrices (${
        done.filter((d) => d).length
      } already measured), ` +
        `each from the vanilla run of one seed`,
    );
    plan.affinity.forEach((j, i) => {
      console.log(
        `${j.key}  affinity ${j.label}: vanilla ${j.vanilla.id} at steps ${
          j.source.checkpoints.join(", ")
        }, ` +
          `grid ${j.source.grid}, subset ${j.source.subset}  ${done[i] ? "measured" : "to measure"}`,
      );
    });
    console.log(`phase 2: ${selected.length + (sharded ? 0 : plan.pending.length)} runs`);
  }
  for (const r of selected) {
    console.log(`${r.id}  ${runLabel(r.config)}  ${estimateOf(r.id) ?? ""}`.trimEnd());
  }
  for (const p of plan.pending) {
    console.log(
      `(id after ${p.job.key})  ${runLabel(p.config)}` +
        (sharded ? "  (its shard is known once the matrix exists)" : ""),
    );
  }
}

async function train(
  name: string,
  suiteArg: string,
  firstPlan: SuitePlan,
  outDir: string,
  o: {
    jobs: number;
    shard?: { index: number; count: number };
    backend: Awaited<ReturnType<typeof chooseBackend>>;
    estimateOf: (id: string) => string | undefined;
    command: string;
    retryFailed: boolean;
    checkpoints: boolean;
    report: boolean;
    suite: ResolvedSuite;
    registries: SuiteRegistries;
  },
): Promise<number> {
  const say = (line: string) => console.error(`bench: ${line}`);
  let plan = firstPlan;
  const idOf = new Map(plan.runs.map((r) => [r.config, r.id]));
  const pool = createWorkerPool(o.jobs, o.backend, {
    memoryNote: (config) => {
      const id = idOf.get(config);
      return id ? o.estimateOf(id) : undefined;
    },
  });
  let summary;
  try {
    // Phase 1: the affinity matrices the gradient runs wait for (a shard computes them all, sharing the
    // work with the other shards through claims: it cannot know which of those runs are its own before).
    if (plan.pending.length > 0) {
      const progress = new ProgressReporter();
      const todo = [...new Map(plan.pending.map((p) => [p.job.key, p.job])).values()];
      say(`phase 1: measuring ${todo.length} task-affinity matrices (vanilla run of each seed)`);
      let a;
      try {
        a = await runAffinityPhase(todo, {
          executor: pool.affinityExecutor(o.checkpoints),
          jobs: o.jobs,
          command: o.command,
          ...(o.shard ? { shard: o.shard } : {}),
          onProgress: (p) => progress.update(p),
          onMessage: (m) => progress.log(`bench: ${m}`),
        });
      } finally {
        progress.done();
      }
      say(
        `phase 1: ${a.planned} affinity matrices, ${a.ok} measured now, ${a.failed} failed` +
          (a.byOthers ? `, ${a.byOthers} by another process` : ""),
      );
      for (const f of a.failures) console.error(`  affinity ${f.key} (${f.label}) failed: ${f.error}`);
      plan = await planSuite(o.suite, o.registries, { outDir });
      for (const r of plan.runs) idOf.set(r.config, r.id);
    }
    const runs = plan.runs;
    const progress = new ProgressReporter();
    try {
      summary = await runSuite(runs, {
        outDir,
        executor: pool.executor,
        jobs: o.jobs,
        ...(o.shard ? { shard: o.shard } : {}),
        retryFailed: o.retryFailed,
        checkpoints: o.checkpoints,
        suite: o.suite,
        command: o.command,
        onProgress: (p) => progress.update(p),
        onMessage: (m) => progress.log(`bench: ${m}`),
        onSamples: writeSamples,
      });
    } finally {
      progress.done();
    }
  } finally {
    pool.close();
  }
  const runs = plan.runs;
  const selected = o.shard ? selectShard(runs, o.shard) : runs;
  say(
    `${name}: ${summary.inShard} runs${o.shard ? ` in shard ${o.shard.index}/${o.shard.count}` : ""} ` +
      `(${summary.planned} planned), ${summary.skipped} already done, ${summary.executed} executed: ` +
      `${summary.ok} ok, ${summary.failed} failed` +
      (summary.byOthers ? `; ${summary.byOthers} trained by another process` : ""),
  );
  for (const f of summary.failures) console.error(`  failed ${f.id}: ${f.error}`);
  if (o.report) {
    const rep = await generateReport(outDir, { runIds: runs.map((r) => r.id) });
    console.log(
      `bench: report of ${rep.results} runs in ${outDir}/README.md (and ${
        rep.files.filter((f) => f !== "README.md").join(", ")
      })`,
    );
    if (rep.foreign.length > 0) {
      say(
        `${rep.foreign.length} other result(s) in ${outDir}/runs are not part of this suite and stay out of the ` +
          `report (listed in its README.md); 'deno task cli report ${outDir} --prune' moves them out`,
      );
    }
  }
  // The exit code reflects every selected run's stored state, not only what ran now.
  let failed = 0, missing = 0;
  for (const r of selected) {
    const state = await runState(runDir(outDir, r.id));
    if (state === "failed") failed++;
    else if (state !== "ok") missing++;
  }
  if (plan.pending.length > 0) {
    say(
      `${plan.pending.length} gradient-clustered runs were not trained: their task-affinity matrix could not be ` +
        `measured (see above); run the bench again to retry`,
    );
  }
  if (failed + missing + plan.pending.length === 0) return EXIT.ok;
  const earlier = Math.max(0, failed - summary.failed);
  if (failed + missing > 0) {
    say(
      `${failed} of ${selected.length} runs have a failed result` +
        (earlier > 0 ? ` (${earlier} stored by an earlier invocation and skipped)` : "") +
        (missing > 0 ? `, ${missing} have no result` : "") +
        `; 'deno task bench ${suiteArg} --retry-failed' trains the failed ones again`,
    );
  }
  return EXIT.failed;
}

/** Keep what the report plots of each evaluation: 2-D samples as JSON, image samples as a PNG grid. */
async function writeSamples(
  dir: string,
  s: { step: number; samples: Float32Array; n: number; dataShape: readonly number[] },
): Promise<void> {
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
}

if (import.meta.main) await runEntry("bench", () => bench(Deno.args));
