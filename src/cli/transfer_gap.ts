/**
 * `deno task cli transfer-gap [SUITE]`: ANT's negative-transfer gap (O2) on a suite's dataset and model
 * (src/analysis/transfer_gap.ts): trains the generalist and the k interval specialists per seed (resumable,
 * content-addressed runs under OUT/runs/), then writes the analysis (README.md, transfer-gap.json, SVGs).
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { loadSuite } from "../suite/load.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { runSuite } from "../suite/runner.ts";
import { readResult, runDir } from "../suite/store.ts";
import { createWorkerPool } from "../suite/worker_executor.ts";
import { chooseBackend } from "../runtime/backend.ts";
import { analyseTransferGap, planTransferGap, type TransferGapOptions } from "../analysis/transfer_gap.ts";
import { writeTransferGapReport } from "../analysis/transfer_gap_report.ts";
import { atomicWriteJson } from "../runtime/atomic_write.ts";
import { ProgressReporter } from "./progress.ts";
import type { RunResult } from "../train/types.ts";

const USAGE = `usage: deno task cli transfer-gap [SUITE] [--objective timestep|snr] [--k 5] [--seeds 3]
         [--steps N] [--points 4] [--n N] [--draws 2] [--matched] [--jobs J] [--out DIR] [--checkpoints]
         [--backend auto|webgpu|wasm|cpu] [--dry-run] [--json]

ANT's negative-transfer gap (Go et al. 2023, §3.2): per seed, the generalist (the suite's vanilla
baseline) and k specialists, each trained only on one timestep interval (timesteps uniform inside it; same
model, steps, initial weights and data order), compared by the held-out denoising loss on each interval:
NTG_i = L_i(specialist_i) − L_i(generalist), mean and 95% CI over seeds; NTG < 0 = negative transfer
(the paper's sign). SUITE: an embedded name or a suite file with one dataset and one model (default
digits8); its training settings, steps and latent space are used.

  --objective O   how the k intervals are chosen (default timestep: equal widths, as the paper)
  --k K           number of intervals (default 5)
  --seeds N       seeds 0..N-1 (default 3)
  --steps N       training steps per run (default: the suite's)
  --points P      evaluation points per run, evenly spaced, the last at the final step (default 4)
  --n N           held-out samples of the loss (default: the suite's eval.referenceSamples)
  --draws D       (t, ε) draws per held-out sample and interval (default 2)
  --matched       also train budget-matched specialists (round(steps · |I|/T) steps: the generalist's
                  expected share of the interval) and report their NTG as a control for per-task budget
  --jobs J        runs in parallel (default: CPU cores)
  --out DIR       output directory (default reports/transfer-gap/<suite>); finished runs are skipped
  --checkpoints   keep the generalists' checkpoints (runs/<id>/checkpoint/step-*) for \`cli affinity\`
  --dry-run       list the runs without training
  --json          print one JSON object {out, files, runs, gaps}`;

export const transferGapCommand: CliCommand = {
  name: "transfer-gap",
  summary: "ANT's negative-transfer gap: interval specialists vs the generalist (held-out loss, CIs)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("transfer-gap", args, {
      objective: { type: "string" },
      k: { type: "string" },
      seeds: { type: "string" },
      steps: { type: "string" },
      points: { type: "string" },
      n: { type: "string" },
      draws: { type: "string" },
      matched: { type: "boolean" },
      jobs: { type: "string" },
      out: { type: "string" },
      checkpoints: { type: "boolean" },
      backend: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length > 1) throw new UsageError(`transfer-gap: expected at most one suite\n${USAGE}`);
    const suiteArg = positionals[0] ?? "digits8";
    const suite = await loadSuite(suiteArg, defaultRegistries());
    if (values.backend !== undefined) {
      suite.backend = enumFlag("backend", values.backend, ["auto", "webgpu", "wasm", "cpu"] as const, "auto");
    }
    const steps = intFlag("steps", values.steps, suite.steps, 1);
    const points = intFlag("points", values.points, 4, 1, steps);
    const at = [...new Set(Array.from({ length: points }, (_, i) => Math.round((steps * (i + 1)) / points)))];
    const n = intFlag("n", values.n, suite.eval.referenceSamples, 1);
    const options: TransferGapOptions = {
      objective: enumFlag("objective", values.objective, ["timestep", "snr"] as const, "timestep"),
      k: intFlag("k", values.k, 5, 2, suite.T),
      seeds: Array.from({ length: intFlag("seeds", values.seeds, 3, 2, 1000) }, (_, i) => i),
      steps,
      at,
      n,
      draws: intFlag("draws", values.draws, 2, 1, 1000),
      matched: values.matched === true,
    };
    const jobs = intFlag(
      "jobs",
      values.jobs,
      Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1)),
      1,
      64,
    );
    const out = (values.out as string | undefined) ?? `reports/transfer-gap/${suite.name}`;
    const { intervals, spec, runs } = await planTransferGap(suite, options);
    const say = (s: string) => console.error(`transfer-gap: ${s}`);
    const perSeed = `1 + ${intervals.length}${options.matched ? ` + ${intervals.length} matched` : ""}`;
    say(
      `${suite.name}: ${runs.length} runs (${options.seeds.length} seeds × (${perSeed})), intervals ${
        JSON.stringify(intervals)
      }`,
    );
    if (values["dry-run"]) {
      for (const r of runs) {
        console.log(
          `${r.id}  ${r.role}${
            r.interval === undefined ? "" : ` ${JSON.stringify(intervals[r.interval])}`
          } seed ${r.config.seed}`,
        );
      }
      return 0;
    }
    await Deno.mkdir(out, { recursive: true });
    await atomicWriteJson(`${out}/plan.json`, {
      format: "antbench.transfer-gap-plan/1",
      suite: suiteArg,
      options,
      intervals,
      spec,
      runs: runs.map((r) => ({ id: r.id, role: r.role, interval: r.interval ?? null, seed: r.config.seed })),
    });
    const loadStart = loadAverage();
    const backend = await chooseBackend(
      suite.backend,
      values.backend !== undefined ? "--backend" : "suite.backend",
    );
    say(`backend ${backend.name} (${backend.reason})`);
    const pool = createWorkerPool(jobs, backend);
    const generalists = new Set(runs.filter((r) => r.role === "generalist").map((r) => r.id));
    const progress = new ProgressReporter();
    let summary;
    try {
      summary = await runSuite(runs, {
        outDir: out,
        jobs,
        checkpoints: values.checkpoints === true,
        // Only the generalists keep checkpoints (the affinity-over-training measurement reads them).
        executor: (config, ctx) =>
          pool.executor(config, generalists.has(ctx.id) ? ctx : { ...ctx, checkpointDir: undefined }),
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.done();
      pool.close();
    }
    if (summary.failed > 0) {
      for (const f of summary.failures) say(`failed ${f.id}: ${f.error}`);
      throw new UsageError(`transfer-gap: ${summary.failed} run(s) failed; see ${out}/runs/<id>/result.json`);
    }
    const results = new Map<string, RunResult>();
    for (const r of runs) {
      const res = await readResult(runDir(out, r.id));
      if (res) results.set(r.id, res);
    }
    const report = analyseTransferGap(intervals, runs, results);
    const first = results.get(runs[0].id)!;
    const files = await writeTransferGapReport(out, report, {
      suite: suiteArg,
      dataset: suite.datasets[0].id,
      model: suite.models[0].id,
      paramCount: first.paramCount,
      objective: options.objective,
      n,
      draws: options.draws,
      useEma: suite.eval.useEma,
      batchSize: suite.train.batchSize,
      lr: suite.train.lr,
      ...(suite.latent ? { latent: suite.latent.autoencoder } : {}),
      command: `deno task cli transfer-gap ${args.join(" ")}`.trim(),
      machine:
        `this invocation trained ${summary.executed} of the ${runs.length} runs (the others were stored); ` +
        `1-minute load average ${loadStart} at its start and ${loadAverage()} at its end`,
    });
    const json = {
      out,
      files,
      runs: runs.length,
      gaps: report.gaps.map((g) => ({ interval: g.interval, ntg: g.ntg, verdict: g.verdict })),
    };
    if (values.json) console.log(JSON.stringify(json));
    else {
      for (const g of report.gaps) {
        console.log(
          `[${g.interval[0]}, ${g.interval[1]}]: NTG ${g.ntg.mean.toPrecision(4)} [${
            g.ntg.lo.toPrecision(4)
          }, ` +
            `${g.ntg.hi.toPrecision(4)}] ${g.verdict}`,
        );
      }
      console.log(`transfer-gap: wrote ${files.map((f) => `${out}/${f}`).join(", ")}`);
    }
    return 0;
  },
};

/**
 * The 1-minute load average (Deno.loadavg: the cli task grants `--allow-sys=loadavg`; Deno refuses to read
 * /proc/loadavg without --allow-all), or "unknown" where it is not available.
 */
function loadAverage(): string {
  try {
    return Deno.loadavg()[0].toFixed(2);
  } catch {
    return "unknown";
  }
}
