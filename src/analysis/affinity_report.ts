/**
 * The outputs of `deno task cli affinity --curve` (./affinity_curve.ts): PREFIX.curve.json (the curves,
 * Spearman's ρ per checkpoint and, at steps with checkpoints of several runs, its mean and 95% t-interval
 * over runs), PREFIX.gap.svg and PREFIX.gap-logsnr.svg (affinity against |Δt| and |Δλ|: one line per
 * checkpoint, the mean over checkpoints with its min–max band), a heatmap per checkpoint
 * (PREFIX.ckpt-<i>.svg), and PREFIX.curve.md summarising them.
 *
 * @module
 */
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { interpolateAffinity } from "../clustering/affinity.ts";
import { affinityHeatmapSvg } from "../clustering/heatmap_svg.ts";
import { type GapBin, gapSpearman, logSnrGapCurve, timestepGapCurve } from "./affinity_curve.ts";
import { bandChart, type BandSeries } from "./charts.ts";
import { meanCi } from "../report/stats.ts";
import { fmtNum, roundSig } from "../report/format.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";

/** One measured checkpoint. */
export interface CurveCheckpoint {
  /** Checkpoint directory. */
  dir: string;
  /** Its training step. */
  step: number;
  /** Its grid cosine matrix (m x m). */
  matrix: Float64Array;
}

/** Spearman's ρ at one step over the checkpoints measured there. */
export interface StepRho {
  /** Training step. */
  step: number;
  /** Checkpoints measured at it. */
  n: number;
  /** ρ against the timestep gap: mean, 95% t-interval (NaN for one checkpoint), values. */
  timestep: { mean: number; lo: number; hi: number; values: number[] };
  /** ρ against the log-SNR gap, likewise. */
  logSnr: { mean: number; lo: number; hi: number; values: number[] };
}

/** The analysed curves. */
export interface AffinityCurveReport {
  /** Format tag. */
  format: "antbench.affinity-curve/1";
  /** Timesteps. */
  T: number;
  /** Noise schedule id. */
  schedule: string;
  /** Grid step G of the measurement. */
  gridStep: number;
  /** The grid timesteps. */
  grid: number[];
  /** Each checkpoint with Spearman's ρ of affinity against the timestep and the log-SNR gap. */
  checkpoints: { dir: string; step: number; rhoTimestep: number; rhoLogSnr: number }[];
  /** Affinity against |t_a − t_b|. */
  byTimestepGap: GapBin[];
  /** Affinity against |λ_a − λ_b|. */
  byLogSnrGap: GapBin[];
  /** ρ per step, with its interval over the runs measured at that step. */
  bySteps: StepRho[];
  /** Each checkpoint's grid matrix (m x m rows, checkpoint order), for re-analysis. */
  gridMatrices: number[][][];
}

/** Analyse the checkpoints' grid matrices. */
export function affinityCurveReport(
  checkpoints: readonly CurveCheckpoint[],
  grid: Int32Array,
  gridStep: number,
  schedule: NoiseSchedule,
  logSnrBins = 12,
): AffinityCurveReport {
  const mats = checkpoints.map((c) => c.matrix);
  const lam = schedule.logSnr;
  const dt = (a: number, b: number) => Math.abs(b - a);
  const dl = (a: number, b: number) => Math.abs(lam[a] - lam[b]);
  const rows = checkpoints.map((c) => ({
    dir: c.dir,
    step: c.step,
    rhoTimestep: gapSpearman(grid, c.matrix, dt),
    rhoLogSnr: gapSpearman(grid, c.matrix, dl),
  }));
  const steps = [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
  const ci = (v: number[]) => {
    const c = meanCi(v);
    return { mean: c.mean, lo: c.mean - c.halfWidth, hi: c.mean + c.halfWidth, values: v };
  };
  return {
    format: "antbench.affinity-curve/1",
    T: schedule.T,
    schedule: schedule.id,
    gridStep,
    grid: Array.from(grid),
    checkpoints: rows,
    byTimestepGap: timestepGapCurve(grid, mats, gridStep),
    byLogSnrGap: logSnrGapCurve(grid, mats, lam, logSnrBins),
    gridMatrices: mats.map((m) =>
      Array.from(
        { length: grid.length },
        (_, a) => Array.from(m.subarray(a * grid.length, (a + 1) * grid.length)),
      )
    ),
    bySteps: steps.map((step) => {
      const at = rows.filter((r) => r.step === step);
      return {
        step,
        n: at.length,
        timestep: ci(at.map((r) => r.rhoTimestep)),
        logSnr: ci(at.map((r) => r.rhoLogSnr)),
      };
    }),
  };
}

function labels(rep: AffinityCurveReport): string[] {
  const count = new Map<number, number>();
  for (const c of rep.checkpoints) count.set(c.step, (count.get(c.step) ?? 0) + 1);
  const seen = new Map<number, number>();
  return rep.checkpoints.map((c) => {
    if (count.get(c.step) === 1) return `step ${c.step}`;
    const i = (seen.get(c.step) ?? 0) + 1;
    seen.set(c.step, i);
    return `step ${c.step} (run ${i})`;
  });
}

function curveSvg(title: string, xLabel: string, bins: GapBin[], names: string[]): string {
  const series: BandSeries[] = names.map((label, c) => ({
    label,
    points: bins.map((b) => [b.gap, b.perCheckpoint[c]] as [number, number]),
    dashed: true,
  }));
  series.unshift({
    label: "mean, min-max band",
    points: bins.map((b) => [b.gap, b.mean]),
    band: bins.map((b) => [b.gap, b.min, b.max]),
  });
  return bandChart(title, xLabel, "task affinity (gradient cosine)", series);
}

/** The Markdown summary. */
export function affinityCurveMarkdown(rep: AffinityCurveReport, title: string): string {
  const names = labels(rep);
  const fmtCi = (s: { mean: number; lo: number; hi: number }, n: number) =>
    n > 1 ? `${fmtNum(s.mean, 3)} [${fmtNum(s.lo, 3)}, ${fmtNum(s.hi, 3)}]` : fmtNum(s.mean, 3);
  return [
    `# ${title}`,
    "",
    "Task affinity (cosine similarity of the task gradients) against the gap between the two tasks' noise " +
    "levels, per checkpoint (src/analysis/affinity_curve.ts). ANT's (O1): affinity falls as the gap widens, " +
    "i.e. Spearman's ρ between gap and affinity is negative.",
    "",
    "| checkpoint | dir | ρ(Δt, affinity) | ρ(Δλ, affinity) |",
    "|---|---|---|---|",
    ...rep.checkpoints.map((c, i) =>
      `| ${names[i]} | ${c.dir} | ${fmtNum(c.rhoTimestep, 3)} | ${fmtNum(c.rhoLogSnr, 3)} |`
    ),
    "",
    "Per step (mean and 95% t-interval over the runs measured at that step, when there are several):",
    "",
    "| step | runs | ρ(Δt, affinity) | ρ(Δλ, affinity) |",
    "|---|---|---|---|",
    ...rep.bySteps.map((s) => `| ${s.step} | ${s.n} | ${fmtCi(s.timestep, s.n)} | ${fmtCi(s.logSnr, s.n)} |`),
    "",
    "Mean affinity by timestep gap (over checkpoints; min and max over checkpoints):",
    "",
    "| gap Δt | pairs | mean | min | max |",
    "|---|---|---|---|---|",
    ...rep.byTimestepGap.filter((_, i, a) => a.length <= 12 || i % Math.ceil(a.length / 12) === 0).map((b) =>
      `| ${fmtNum(b.gap, 4)} | ${b.pairs} | ${fmtNum(b.mean, 3)} | ${fmtNum(b.min, 3)} | ${
        fmtNum(b.max, 3)
      } |`
    ),
    "",
  ].join("\n");
}

function rounded(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => typeof v === "number" ? roundSig(v, 6) : v));
}

/** Write the curve outputs next to PREFIX; returns the paths written. */
export async function writeAffinityCurves(
  prefix: string,
  rep: AffinityCurveReport,
  checkpoints: readonly CurveCheckpoint[],
  grid: Int32Array,
  schedule: NoiseSchedule,
  title: string,
): Promise<string[]> {
  const names = labels(rep);
  const paths: string[] = [];
  const write = async (path: string, text: string) => {
    await atomicWriteFile(path, text);
    paths.push(path);
  };
  await atomicWriteJson(`${prefix}.curve.json`, rounded(rep));
  paths.push(`${prefix}.curve.json`);
  await write(
    `${prefix}.gap.svg`,
    curveSvg(`${title}: affinity vs |t_a − t_b|`, "timestep gap |t_a − t_b|", rep.byTimestepGap, names),
  );
  await write(
    `${prefix}.gap-logsnr.svg`,
    curveSvg(`${title}: affinity vs |λ_a − λ_b|`, "log-SNR gap |λ_a − λ_b|", rep.byLogSnrGap, names),
  );
  for (let i = 0; i < checkpoints.length; i++) {
    const full = interpolateAffinity(grid, checkpoints[i].matrix, schedule.T);
    await write(
      `${prefix}.ckpt-${i}.svg`,
      // Interpolated from the grid: more pixels than grid points show nothing more (and cost bytes).
      affinityHeatmapSvg(full, schedule, {
        title: `${title}: ${names[i]} (${checkpoints[i].dir})`,
        maxPixels: Math.min(400, Math.max(100, 4 * grid.length)),
      }),
    );
  }
  await write(`${prefix}.curve.md`, affinityCurveMarkdown(rep, title));
  return paths;
}
