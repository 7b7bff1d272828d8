/**
 * A deterministic stand-in for training, for runner, report and compare tests: a RunResult that is a pure
 * function of the RunConfig (metrics from the method, clustering and a seeded per-seed offset), produced
 * through the same executor interface as real training, with progress and sample callbacks.
 *
 * @module
 */
import type { EvalPoint, RunConfig, RunResult } from "../train/types.ts";
import { rngFor } from "../runtime/rng.ts";
import type { ExecContext, RunExecutor } from "./runner.ts";

/** Options of the synthetic executor. */
export interface SyntheticOptions {
  /** Relative improvement of final metrics per method id (e.g. {uw: 0.2} = 20% lower FD than vanilla). */
  effect?: Record<string, number>;
  /** Seed-noise standard deviation relative to the value (default 0.02). */
  noise?: number;
  /** Method ids whose runs diverge (status "failed"). */
  diverge?: string[];
  /** Method ids whose executor throws (a crashed run). */
  crash?: string[];
  /** Called once per executed run (to count executions). */
  onRun?: (config: RunConfig) => void;
  /** Wall-clock time each run takes (ms; default 0), for concurrency tests. */
  delayMs?: number;
}

/** Even split of 0..T-1 into k inclusive intervals. */
function evenClusters(T: number, k: number): [number, number][] {
  return Array.from(
    { length: k },
    (_, i) => [Math.floor(i * T / k), Math.floor((i + 1) * T / k) - 1] as [number, number],
  );
}

/** The synthetic executor. */
export function syntheticExecutor(opts: SyntheticOptions = {}): RunExecutor {
  return async (config: RunConfig, ctx: ExecContext): Promise<RunResult> => {
    opts.onRun?.(config);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (opts.crash?.includes(config.method.id)) throw new Error(`synthetic crash of ${config.method.id}`);
    const rng = rngFor(config.seed, "synthetic", config.clustering.k);
    const effect = opts.effect?.[config.method.id] ?? 0;
    const noise = opts.noise ?? 0.02;
    const offsets = config.eval.metrics.map(() => 1 + noise * rng.normal());
    const curve: EvalPoint[] = [];
    const steps = config.train.steps;
    for (const step of config.eval.at) {
      for (
        let s = curve.length ? curve[curve.length - 1].step + 1 : 1;
        s <= step;
        s += Math.max(1, Math.floor(steps / 4))
      ) {
        ctx.onProgress({ phase: "train", step: s, steps });
      }
      ctx.onProgress({ phase: "eval", step, steps });
      const decay = 1 + 3 * Math.exp(-4 * step / steps);
      const metrics: Record<string, number> = {};
      config.eval.metrics.forEach((m, i) => {
        const base = m === "precision" || m === "recall" ? 0.8 / decay : (i + 1) * decay * (1 - effect);
        metrics[`${m}-data`] = base * offsets[i];
      });
      curve.push({ step, metrics, trainLoss: 0.5 * decay });
      await ctx.onSamples({
        step,
        samples: new Float32Array([0.1 * step, 0.2, 0.3, 0.4]),
        n: 2,
        dataShape: [2],
      });
    }
    const diverged = opts.diverge?.includes(config.method.id);
    const last = curve[curve.length - 1];
    return {
      schema: "antbench.run/1",
      id: ctx.id,
      status: diverged ? "failed" : "ok",
      ...(diverged ? { error: "non-finite loss at step 7" } : {}),
      config,
      clusters: evenClusters(config.diffusion.T, config.clustering.k),
      curve: diverged ? [] : curve,
      final: diverged ? {} : last.metrics,
      loss: { every: 1, values: [0.5] },
      method: {},
      paramCount: 1234,
      timing: {
        totalSeconds: 1 + rng.uniform(),
        trainSeconds: 1,
        evalSeconds: 0.1,
        msPerStep: 3 + rng.uniform(),
      },
      environment: { deno: "synthetic", backend: "none", startedAt: String(rng.uniform()) },
    };
  };
}
