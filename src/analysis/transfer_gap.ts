/**
 * ANT's observation (O2), negative transfer in diffusion training (Go et al. 2023, §3.2, "negative
 * transfer gap"): for each of k timestep intervals I_i, a specialist trained only on the denoising tasks of
 * I_i against the generalist trained on all timesteps, by their held-out denoising loss on I_i.
 *
 *   NTG_i = L_i(specialist_i) − L_i(generalist)          (per seed; mean and 95% t-interval over seeds)
 *
 * Sign: the paper's — NTG < 0 indicates negative transfer (ant-spec.md §1.6: "the performance gap between
 * the multi-task learner and a specific-task learner ... NTG < 0 indicates negative transfer", with a
 * lower-is-better measure: the specialist is better than the generalist on its own interval). Issue 15's
 * "generalist minus specialist" is −NTG. The paper measures FID with the interval's denoising steps taken
 * by the specialist; antbench measures the interval's held-out ε-MSE (src/train/interval_loss.ts), which
 * needs no sampler and isolates the tasks of the interval.
 *
 * Design: every run is an ordinary run of the suite machinery (content ids, resumable store): the
 * generalist is the suite's vanilla baseline (objective "none", k = 1, uniform timesteps); specialist i is
 * the same config with `train.timesteps = I_i` (timesteps uniform inside the interval). Same model, steps,
 * data order, noise streams, initial weights and seed as the generalist — only the timesteps differ. Every
 * run records the held-out loss on all k intervals at each evaluation point (same evaluation streams for
 * all runs, independent of the run seed), so the gap is paired by seed with common random numbers, and the
 * specialists' losses on the other intervals (the transfer matrix) come for free. Nothing is sampled
 * (`eval.metrics` is empty). Note what the gap includes by construction: a specialist spends all its steps
 * on its interval, the generalist about 1/k of them, so NTG mixes task conflict with the larger per-task
 * budget, as the paper's protocol does. The budget-matched control (`matched`) separates the two: specialist
 * i trained for round(steps · |I_i| / T) steps sees as many samples of I_i as the generalist does in
 * expectation (uniform timesteps, same batch), so a matched NTG < 0 is interference the shared model suffers
 * even at equal per-interval data, and a matched NTG > 0 is transfer that sharing buys.
 *
 * @module
 */
import type { IntervalLossSpec, RunConfig, RunResult } from "../train/types.ts";
import type { ResolvedSuite } from "../suite/validate.ts";
import type { Interval } from "../clustering/dp.ts";
import { clusterTimesteps } from "../clustering/registry.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { BASELINE } from "../suite/schema.ts";
import { type PlannedRun } from "../suite/expand.ts";
import { runId } from "../suite/content_id.ts";
import { withLatentHash } from "../suite/content_id.ts";
import { mean, meanCi, pairedTTest } from "../report/stats.ts";
import { holm } from "../report/holm.ts";
import { UsageError } from "../runtime/errors.ts";

/** Seed of the evaluation streams (independent of the run seeds). */
export const TRANSFER_GAP_EVAL_SEED = 0;

/** Format tag of transfer-gap.json. */
export const TRANSFER_GAP_FORMAT = "antbench.transfer-gap/1";

/** Settings of a transfer-gap study. */
export interface TransferGapOptions {
  /** How the k intervals are chosen ("timestep": equal widths, as the paper's [1,200], ..., [801,1000]). */
  objective: "timestep" | "snr";
  /** Number of intervals. */
  k: number;
  /** Seeds of the runs. */
  seeds: number[];
  /** Training steps of every run. */
  steps: number;
  /** Evaluation steps (ascending, the last = steps). */
  at: number[];
  /** Held-out samples and (t, ε) draws per sample and interval. */
  n: number;
  /** (t, ε) draws per held-out sample and interval. */
  draws: number;
  /** Add the budget-matched specialists (see the module doc). */
  matched?: boolean;
}

/** A planned run of the study with its role. */
export interface TransferGapRun extends PlannedRun {
  /**
   * The generalist (all timesteps), a specialist (one interval, the generalist's steps) or a budget-matched
   * specialist (one interval, the generalist's expected number of steps on it).
   */
  role: "generalist" | "specialist" | "matched";
  /** The specialist's interval index. */
  interval?: number;
}

/** The k intervals of the study (DP-optimal for the objective, ANT §4.1). */
export function transferGapIntervals(
  suite: Pick<ResolvedSuite, "schedule" | "T">,
  o: Pick<TransferGapOptions, "objective" | "k">,
): Interval[] {
  const schedule = makeSchedule(suite.schedule, suite.T);
  return clusterTimesteps(o.objective, o.k, { T: suite.T, schedule }).intervals;
}

/**
 * The runs of the study on the suite's (first) dataset and model: per seed the generalist and the k
 * specialists, with content ids (a latent autoencoder enters by the hash of its weights).
 */
export async function planTransferGap(
  suite: ResolvedSuite,
  o: TransferGapOptions,
): Promise<{ intervals: Interval[]; spec: IntervalLossSpec; runs: TransferGapRun[] }> {
  if (suite.datasets.length !== 1 || suite.models.length !== 1) {
    throw new UsageError(
      `transfer-gap: suite ${suite.name} has ${suite.datasets.length} datasets and ${suite.models.length} models; ` +
        "the study needs exactly one of each (write a suite file with the one you want)",
    );
  }
  const intervals = transferGapIntervals(suite, o);
  const spec: IntervalLossSpec = {
    intervals: intervals.map(([l, r]) => [l, r]),
    n: o.n,
    draws: o.draws,
    seed: TRANSFER_GAP_EVAL_SEED,
  };
  const base = (seed: number, timesteps?: [number, number], steps = o.steps, at = o.at): RunConfig => ({
    suite: `transfer-gap-${suite.name}`,
    dataset: structuredClone(suite.datasets[0]),
    model: structuredClone(suite.models[0]),
    diffusion: { schedule: suite.schedule, T: suite.T },
    clustering: { objective: BASELINE.objective, k: BASELINE.k, sampler: BASELINE.sampler },
    method: { id: BASELINE.method, options: {} },
    seed,
    train: { ...suite.train, steps, ...(timesteps ? { timesteps } : {}) },
    eval: {
      at: [...at],
      samples: suite.eval.samples,
      referenceSamples: suite.eval.referenceSamples,
      sampler: { ...suite.eval.sampler },
      metrics: [],
      useEma: suite.eval.useEma,
      floorResamples: 0,
      intervalLoss: structuredClone(spec),
    },
    ...(suite.latent ? { latent: { ...suite.latent } } : {}),
    backend: suite.backend,
  });
  const runs: TransferGapRun[] = [];
  for (const seed of o.seeds) {
    const planned: [TransferGapRun["role"], number | undefined, RunConfig][] = [
      ["generalist", undefined, base(seed)],
      ...intervals.map(([l, r], i) =>
        ["specialist", i, base(seed, [l, r])] as [TransferGapRun["role"], number, RunConfig]
      ),
      ...(o.matched ? intervals : []).map(([l, r], i) => {
        const steps = matchedSteps(o.steps, r - l + 1, suite.T);
        const at = [...new Set(o.at.map((a) => Math.max(1, Math.round((a * steps) / o.steps))))];
        return ["matched", i, base(seed, [l, r], steps, at)] as [TransferGapRun["role"], number, RunConfig];
      }),
    ];
    for (const [role, interval, raw] of planned) {
      const config = await withLatentHash(raw);
      runs.push({ id: await runId(config), config, role, ...(interval === undefined ? {} : { interval }) });
    }
  }
  return { intervals, spec, runs };
}

/** Steps of a budget-matched specialist of an interval of `width` timesteps: round(steps · width / T), >= 1. */
export function matchedSteps(steps: number, width: number, T: number): number {
  return Math.max(1, Math.round((steps * width) / T));
}

/** Mean, 95% t-interval and the per-seed values. */
export interface GapStat {
  /** Mean over seeds. */
  mean: number;
  /** Lower end of the 95% t-interval. */
  lo: number;
  /** Upper end of the 95% t-interval. */
  hi: number;
  /** The per-seed values, in seed order. */
  values: number[];
}

/** The study's result on one interval. */
export interface IntervalGap {
  /** The interval [l, r]. */
  interval: [number, number];
  /** The generalist's held-out loss on the interval. */
  generalist: GapStat;
  /** The interval's specialist's held-out loss on it. */
  specialist: GapStat;
  /** L(specialist) − L(generalist): < 0 = negative transfer. */
  ntg: GapStat;
  /** NTG relative to the generalist's loss. */
  relative: GapStat;
  /** Paired t-test of NTG = 0 over seeds, and its Holm adjustment over the k intervals. */
  p: number;
  /** `p` after Holm's adjustment over the k intervals. */
  pHolm: number;
  /** What the 95% interval of NTG says. */
  verdict: "negative transfer" | "positive transfer" | "inconclusive";
}

/** The analysed study. */
export interface TransferGapReport {
  /** {@link TRANSFER_GAP_FORMAT}. */
  format: typeof TRANSFER_GAP_FORMAT;
  /** Seeds of the study. */
  seeds: number[];
  /** Training steps per run. */
  steps: number;
  /** The k intervals. */
  intervals: [number, number][];
  /** The result per interval. */
  gaps: IntervalGap[];
  /** The budget-matched control per interval, with each matched specialist's steps (when planned). */
  matched?: { steps: number[]; gaps: IntervalGap[] };
  /** matrix[i][j]: mean over seeds of specialist i's loss on interval j; row k is the generalist. */
  matrix: number[][];
  /** NTG per interval at every evaluation step (mean and 95% interval over seeds). */
  overTraining: { step: number; ntg: { mean: number; lo: number; hi: number }[] }[];
}

function stat(values: number[]): GapStat {
  const ci = meanCi(values);
  return { mean: ci.mean, lo: ci.mean - ci.halfWidth, hi: ci.mean + ci.halfWidth, values };
}

/** Analyse the results of a study (every run must be "ok"; see {@link planTransferGap}). */
export function analyseTransferGap(
  intervals: readonly Interval[],
  runs: readonly TransferGapRun[],
  results: ReadonlyMap<string, RunResult>,
): TransferGapReport {
  const k = intervals.length;
  const seeds = [...new Set(runs.map((r) => r.config.seed))];
  const final = (run: TransferGapRun): number[] => {
    const res = results.get(run.id);
    const loss = res?.curve[res.curve.length - 1]?.intervalLoss;
    if (!res || res.status !== "ok" || !loss || loss.length !== k) {
      throw new UsageError(
        `transfer-gap: run ${run.id} (${run.role}${
          run.interval === undefined ? "" : ` ${run.interval}`
        }, seed ` +
          `${run.config.seed}) has no finished held-out interval losses${
            res?.error ? ` (${res.error})` : ""
          }`,
      );
    }
    return loss;
  };
  const find = (seed: number, interval?: number, role: TransferGapRun["role"] = "specialist") =>
    runs.find((r) =>
      r.config.seed === seed &&
      (interval === undefined ? r.role === "generalist" : r.role === role && r.interval === interval)
    )!;
  const G = seeds.map((s) => final(find(s)));
  const S = seeds.map((s) => intervals.map((_, i) => final(find(s, i))));
  const gapsOf = (own: number[][][]): IntervalGap[] => {
    const raw = intervals.map((iv, i) => {
      const g = G.map((row) => row[i]);
      const sp = own.map((rows) => rows[i][i]);
      const d = sp.map((x, j) => x - g[j]);
      const ntg = stat(d);
      return {
        interval: [iv[0], iv[1]] as [number, number],
        generalist: stat(g),
        specialist: stat(sp),
        ntg,
        relative: stat(d.map((x, j) => x / g[j])),
        p: pairedTTest(sp, g).p,
        verdict: ntg.hi < 0
          ? "negative transfer" as const
          : ntg.lo > 0
          ? "positive transfer" as const
          : "inconclusive" as const,
      };
    });
    const adjusted = holm(raw.map((x) => x.p));
    return raw.map((x, i) => ({ ...x, pHolm: adjusted[i] }));
  };
  const hasMatched = runs.some((r) => r.role === "matched");
  const M = hasMatched ? seeds.map((s) => intervals.map((_, i) => final(find(s, i, "matched")))) : null;
  const matrix = [
    ...intervals.map((_, i) => intervals.map((_, j) => mean(S.map((rows) => rows[i][j])))),
    intervals.map((_, j) => mean(G.map((row) => row[j]))),
  ];
  const steps = runs[0]?.config.eval.at ?? [];
  const overTraining = steps.map((step) => ({
    step,
    ntg: intervals.map((_, i) => {
      const d = seeds.map((s) => {
        const at = (run: TransferGapRun) =>
          results.get(run.id)!.curve.find((p) => p.step === step)?.intervalLoss?.[i] ?? NaN;
        return at(find(s, i)) - at(find(s));
      });
      const { mean: m, lo, hi } = stat(d);
      return { mean: m, lo, hi };
    }),
  }));
  return {
    format: TRANSFER_GAP_FORMAT,
    seeds,
    steps: runs[0]?.config.train.steps ?? 0,
    intervals: intervals.map(([l, r]) => [l, r]),
    gaps: gapsOf(S),
    ...(M
      ? {
        matched: {
          steps: intervals.map((_, i) => find(seeds[0], i, "matched").config.train.steps),
          gaps: gapsOf(M),
        },
      }
      : {}),
    matrix,
    overTraining,
  };
}
