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
import { type ExecSamples, runLabel, runSuite } from "../suite/runner.ts";
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
import { compareReproduction } from "../report/reproduce.ts";

/** Usage text of the bench task. */
export const BENCH_USAGE = `usage: deno task bench [SUITE] [options]

SUITE is an embedded suite name (default, swissroll, smoke, nightly, ...) or a .json/.yaml/.yml suite file
(relative paths are taken from the directory you run the command in; paths inside a suite file from the
project root). Without SUITE and --out, the main job: the default suite trains from scratch into a fresh
reports/.local/default-<date>-<time>/ and is checked run by run against the published reports/default/,
ending with one verdict line ("reproduced 20/20 runs bit-identically (wasm, tfjs 4.22.0)", or which runs
differ, by how much, and whether the environment differs). Otherwise runs go to reports/<suite>/runs/<content
id>/ (or --out DIR); finished runs are skipped, so re-running resumes, and a directory other than
reports/<suite>/ is checked against the published reports/<suite>/ in the same way when there is one. Before anything trains, the suite, its files (affinity matrix, image
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
  --out DIR         output directory (default reports/<suite>, or a fresh reports/.local/default-<time>/
                    for a plain 'deno task bench'; must be under reports/ or .cache/)
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

${EXIT_CODES_HELP}
  The reproduction check adds: 1 when runs differ from the published ones on the same environment
  (antbench, Deno/V8, tfjs, backend; CPU model for CPU-dependent kernels); differences explained by a
  different environment are reported and exit 0.`;

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
  // A plain `deno task bench` is the main job: the default suite from scratch in a fresh directory, then the
  // reproduction check against the published results (never their directory).
  const fresh = positionals[0] === undefined && values.out === undefined;
  const suiteArg = positionals[0] ?? "default";
  const suite = await loadSuite(looksLikePath(suiteArg) ? userPath(suiteArg) : suiteArg, registries);
  if (values.backend !== undefined) {
    suite.backend = enumFlag("backend", values.backend, BACKEND_NAMES, "auto");
  }
  const outDir = typeof values.out === "string"
    ? userPath(values.out)
    : fresh
    ? await freshDir(`reports/.local/${suite.name}`)
    : `reports/${suite.name}`;
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
    onWait: (h, ms) =>
      say(
        `shard ${shard?.index}/${shard?.count} of ${outDir} is locked by ${
          h ? `pid ${h.pid} on host ${h.host}` : "a process"
        }; waiting up to ${
          Math.round(ms / 1000)
        } s for it to finish or for its heartbeat to stop (a task that ` +
          `died on another host)`,
      ),
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
    if (fresh) say(`training suite ${suite.name} from scratch into ${outDir}`);
    if (!shard) {
      const removed = await removeStaleTmp(outDir);
      if (removed.length) say(`removed ${removed.length} temporary file(s) left by an interrupted write`);
    }
    const { code, runIds } = await train(suite.name, suiteArg, plan, outDir, {
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
    if (shard) return code;
    return Math.max(code, await reproductionCheck(`reports/${suite.name}`, outDir, runIds));
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
): Promise<{ code: number; runIds: string[] }> {
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
    const figures = rep.files.filter((f) => f.startsWith("figures/")).length;
    console.log(
      `bench: report of ${rep.results} runs in ${outDir}/README.md (and ${
        rep.files.filter((f) => f !== "README.md" && !f.startsWith("figures/")).join(", ")
      }${figures ? `, ${figures} SVG figures in figures/` : ""})`,
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
  // The ids as planned after phase 1 (which gives gradient runs theirs), for the reproduction check.
  const runIds = runs.map((r) => r.id);
  if (failed + missing + plan.pending.length === 0) return { code: EXIT.ok, runIds };
  const earlier = Math.max(0, failed - summary.failed);
  if (failed + missing > 0) {
    say(
      `${failed} of ${selected.length} runs have a failed result` +
        (earlier > 0 ? ` (${earlier} stored by an earlier invocation and skipped)` : "") +
        (missing > 0 ? `, ${missing} have no result` : "") +
        `; 'deno task bench ${suiteArg} --retry-failed' trains the failed ones again`,
    );
  }
  return { code: EXIT.failed, runIds };
}

/** `base-<UTC date>-<time>`, with a counter when that directory exists already. */
async function freshDir(base: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "").replace(/[-:]/g, "").replace("T", "-");
  for (let i = 1;; i++) {
    const dir = i === 1 ? `${base}-${stamp}` : `${base}-${stamp}-${i}`;
    try {
      await Deno.stat(dir);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return dir;
      throw e;
    }
  }
}

/**
 * After a bench into a directory other than the published one, compare its runs with the published results
 * of the same suite (when there are any) and print the verdict line last, on stdout. Resolves to the exit
 * code of the check: 1 only for a difference on the same environment (src/report/reproduce.ts).
 */
async function reproductionCheck(published: string, outDir: string, runIds: string[]): Promise<number> {
  const norm = (p: string) => p.replace(/\/+$/, "").replace(/^\.\//, "");
  if (norm(published) === norm(outDir)) return EXIT.ok;
  try {
    if (!(await Deno.stat(`${published}/runs`)).isDirectory) return EXIT.ok;
  } catch {
    console.error(`bench: no published results in ${published}/ to compare with`);
    return EXIT.ok;
  }
  const rep = await compareReproduction(published, outDir, { runIds });
  for (const d of rep.details) console.log(d);
  console.log(rep.line);
  return rep.exitCode;
}

/**
 * Keep what the report plots of each evaluation, in the run directory: 2-D samples as JSON
 * (`samples.json`: step and rounded x, y pairs), image samples as a PNG grid of the first 64
 * (`samples.png`, with `samples.json` giving its step); the latest evaluation's replace the earlier ones.
 * At the first evaluation also the real reference samples the metrics compare with (`reference.json` or
 * `reference.png`), for the report's reference panel.
 */
export async function writeSamples(dir: string, s: ExecSamples): Promise<void> {
  const round = (a: Float32Array, n: number) =>
    Array.from(a.subarray(0, 2 * n), (v) => Math.round(v * 1e4) / 1e4);
  if (s.dataShape.length === 1 && s.dataShape[0] === 2) {
    await atomicWriteJson(`${dir}/samples.json`, {
      step: s.step,
      values: round(s.samples, Math.min(s.n, 1000)),
    });
    if (s.reference) {
      const n = Math.min(s.reference.n, 1000);
      await atomicWriteJson(`${dir}/reference.json`, { n, values: round(s.reference.samples, n) });
    }
  } else if (s.dataShape.length === 3) {
    const [h, w, c] = s.dataShape;
    const grid = (a: Float32Array, total: number) => {
      const n = Math.min(total, 64);
      return sampleGridPng(a.subarray(0, n * h * w * c), n, h, w, c, { cols: 8, scale: h < 16 ? 4 : 2 });
    };
    await atomicWriteFile(`${dir}/samples.png`, grid(s.samples, s.n));
    await atomicWriteJson(`${dir}/samples.json`, {
      step: s.step,
      n: Math.min(s.n, 64),
      image: "samples.png",
    });
    if (s.reference) await atomicWriteFile(`${dir}/reference.png`, grid(s.reference.samples, s.reference.n));
  }
}

if (import.meta.main) await runEntry("bench", () => bench(Deno.args));
