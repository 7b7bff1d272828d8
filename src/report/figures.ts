/**
 * Every figure of a report, as standalone SVG documents with stable file names: written to
 * `figures/<name>.svg` and inlined in report.html by the same strings. Per comparison group (g1, g2, ...):
 *
 *     g1-<metric>.svg            each metric's convergence: mean over seeds, min–max band, floor band
 *     g1-training-loss.svg       the training loss of every row (mean over seeds, min–max band)
 *     g1-cluster-loss-rN-*.svg   per-cluster training losses of row N (rows with k > 1)
 *     g1-clusters-t.svg, g1-clusters-logsnr.svg   the timestep clusters on the t and the log-SNR axis
 *     g1-affinity-N.svg          the task-affinity heatmap, where the suite used one
 *     g1-samples-rN-*.svg        the first seed's final samples of row N beside the real reference
 *
 * and `running-<id>.svg` for each run in progress (its loss curve so far). Pure functions of the stored
 * results: the same bytes every time.
 *
 * @module
 */
import { makeSchedule } from "../diffusion/schedule.ts";
import type { RunResult } from "../train/types.ts";
import type { Group, Row } from "./aggregate.ts";
import { metricInfo } from "./metric_info.ts";
import { clusterColor, imagePanels, intervalChart, lineChart, scatterPanels, type Series } from "./svg.ts";
import { affinityHeatmapSvg, base64 } from "../clustering/heatmap_svg.ts";
import type { AffinityMatrix } from "../clustering/objective.ts";
import type { InProgressRun } from "./in_progress.ts";
import { fmtNum } from "./format.ts";

/** One figure: file name (without .svg), the section it belongs to, and the SVG document. */
export interface Figure {
  name: string;
  section: "convergence" | "loss" | "clusters" | "affinity" | "samples" | "running";
  title: string;
  svg: string;
}

/** Extra material read from the run directories (see src/report/generate.ts). */
export interface FigureExtras {
  /** Task-affinity matrices by path. */
  affinity: Map<string, AffinityMatrix>;
  /** Latest 2-D samples by run id (flat x, y pairs) with their step. */
  samples: Map<string, { step: number; values: number[] }>;
  /** Real 2-D reference samples by run id. */
  reference: Map<string, number[]>;
  /** Latest sample-grid PNG by run id, with its step. */
  images: Map<string, { step: number; png: Uint8Array }>;
  /** Reference-grid PNG by run id. */
  referenceImages: Map<string, Uint8Array>;
}

/** An empty {@link FigureExtras}. */
export function noExtras(): FigureExtras {
  return {
    affinity: new Map(),
    samples: new Map(),
    reference: new Map(),
    images: new Map(),
    referenceImages: new Map(),
  };
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 48);
}

/** Mean and min–max over the runs' values at each x present in every run. */
function meanBand(
  perRun: Map<number, number>[],
): { points: [number, number][]; band: [number, number, number][] } {
  const xs = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const points: [number, number][] = [], band: [number, number, number][] = [];
  for (const x of xs) {
    const v = perRun.map((m) => m.get(x)).filter((y): y is number =>
      typeof y === "number" && Number.isFinite(y)
    );
    if (v.length !== perRun.length || v.length === 0) continue;
    points.push([x, v.reduce((a, b) => a + b, 0) / v.length]);
    band.push([x, Math.min(...v), Math.max(...v)]);
  }
  return { points, band };
}

function seedsNote(n: number): string {
  return n > 1 ? `band: min–max over ${n} seeds` : "";
}

/** Steps at the end of each loss window of a result. */
function lossSteps(r: RunResult): number[] {
  const every = r.loss.every || 1;
  return r.loss.values.map((_, w) => Math.min((w + 1) * every, r.config.train.steps));
}

function rowSeries(r: Row, values: (run: RunResult) => Map<number, number>): Series {
  const { points, band } = meanBand(r.runs.map(values));
  return { label: r.label, points, ...(r.runs.length > 1 ? { band } : {}), dashed: r.role !== "method" };
}

function convergence(g: Group, gi: string): Figure[] {
  const rows = g.rows.filter((r) => r.runs.length > 0);
  const seeds = Math.max(0, ...rows.map((r) => r.runs.length));
  return g.metricKeys.map((key) => {
    const info = metricInfo(key);
    const series = rows.map((r) =>
      rowSeries(r, (run) => new Map(run.curve.map((p) => [p.step, p.metrics[key]])))
    );
    const floor = g.floors[key];
    const title = `${info.label} (${info.direction} is better), ${g.title}`;
    return {
      name: `${gi}-${slug(key)}`,
      section: "convergence" as const,
      title,
      svg: lineChart(title, "training step", info.label, series, {
        bandLabel: seedsNote(seeds),
        ...(floor
          ? { reference: { lo: floor.lo, hi: floor.hi, label: `real-vs-real floor, 5–95% (N = ${floor.n})` } }
          : {}),
        ...(info.id === "precision" || info.id === "recall" ? { max: 1 } : {}),
        subtitle: `mean over seeds; ${g.headline === key ? "headline metric" : "secondary metric"}`,
      }),
    };
  });
}

function losses(g: Group, gi: string): Figure[] {
  const rows = g.rows.filter((r) => r.runs.length > 0 && r.runs.every((x) => x.loss.values.length > 0));
  if (rows.length === 0) return [];
  const seeds = Math.max(...rows.map((r) => r.runs.length));
  const total = rows.map((r) =>
    rowSeries(r, (run) => new Map(lossSteps(run).map((s, w) => [s, run.loss.values[w]])))
  );
  const title = `training loss (ε-MSE), ${g.title}`;
  const out: Figure[] = [{
    name: `${gi}-training-loss`,
    section: "loss",
    title,
    svg: lineChart(title, "training step", "training loss", total, {
      bandLabel: seedsNote(seeds),
      subtitle:
        "mean per-sample loss per window of steps, mean over seeds; y axis fitted from 5% of training on",
      focusFrom: 0.05 * g.config.train.steps,
    }),
  }];
  g.rows.forEach((r, j) => {
    const k = r.clusters.length;
    if (k < 2 || r.runs.length === 0 || !r.runs.every((x) => x.loss.clusters?.length === k)) return;
    const series: Series[] = r.clusters.map(([a, b], c) => {
      const { points, band } = meanBand(
        r.runs.map((run) => new Map(lossSteps(run).map((s, w) => [s, run.loss.clusters![c][w] ?? NaN]))),
      );
      return {
        label: `cluster ${c}: t ${a}–${b}`,
        points,
        ...(r.runs.length > 1 ? { band } : {}),
        color: clusterColor(c),
      };
    });
    const t = `per-cluster training loss: ${r.label}, ${g.title}`;
    out.push({
      name: `${gi}-cluster-loss-r${j + 1}-${slug(r.label)}`,
      section: "loss",
      title: t,
      svg: lineChart(t, "training step", "cluster's mean loss", series, {
        bandLabel: seedsNote(r.runs.length),
        subtitle:
          "mean ε-loss of each cluster's samples per window, mean over seeds; y fitted from 5% of training on",
        focusFrom: 0.05 * g.config.train.steps,
      }),
    });
  });
  return out;
}

function clusterFigures(g: Group, gi: string): Figure[] {
  const seen = new Set<string>();
  const uniq = g.rows.filter((r) => {
    const key = `${r.objective}|${r.k}|${r.affinity ?? ""}`;
    if (r.isBaseline || r.clusters.length === 0 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (uniq.length === 0) return [];
  const T = g.config.diffusion.T;
  const ls = Array.from(makeSchedule(g.config.diffusion.schedule, T).logSnr);
  const label = (r: Row) => `${r.objective} k=${r.k}`;
  const t1 = `timestep clusters on the t axis, ${g.title}`;
  const t2 = `the same clusters on the log-SNR axis (${g.config.diffusion.schedule} schedule)`;
  return [
    {
      name: `${gi}-clusters-t`,
      section: "clusters",
      title: t1,
      svg: intervalChart(
        t1,
        "timestep t",
        0,
        T,
        uniq.map((r) => ({
          label: label(r),
          intervals: r.clusters.map(([a, b]) => [a, b + 1] as [number, number]),
        })),
      ),
    },
    {
      name: `${gi}-clusters-logsnr`,
      section: "clusters",
      title: t2,
      svg: intervalChart(
        t2,
        "log SNR(t) = log(ᾱ/(1−ᾱ))",
        Math.min(...ls),
        Math.max(...ls),
        uniq.map((r) => ({
          label: label(r),
          intervals: r.clusters.map(([a, b]) => [ls[b], ls[a]] as [number, number]),
        })),
      ),
    },
  ];
}

function affinityFigures(g: Group, gi: string, extras: FigureExtras): Figure[] {
  const paths = [
    ...new Set(
      g.rows.flatMap((r) => r.runs.map((x) => x.config.clustering.affinity).filter((p): p is string => !!p)),
    ),
  ].sort();
  const schedule = makeSchedule(g.config.diffusion.schedule, g.config.diffusion.T);
  const out: Figure[] = [];
  paths.forEach((p, i) => {
    const m = extras.affinity.get(p);
    if (!m || m.T !== schedule.T) return;
    const row = g.rows.find((r) => r.affinity === p && r.clusters.length > 1);
    const title = `task affinity (gradient cosine similarity): ${p}`;
    const svg = affinityHeatmapSvg(m, schedule, { title, ...(row ? { intervals: row.clusters } : {}) })
      .replace("<svg ", `<svg class="chart" role="img" aria-label="${title.replace(/"/g, "&quot;")}" `);
    out.push({ name: `${gi}-affinity-${i + 1}`, section: "affinity", title, svg });
  });
  return out;
}

/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function sampleFigures(g: Group, gi: string, extras: FigureExtras): Figure[] {
  const out: Figure[] = [];
  g.rows.forEach((r, j) => {
    const run = r.runs[0];
    if (!run) return;
    const name = `${gi}-samples-r${j + 1}-${slug(r.label)}`;
    const s = extras.samples.get(run.id);
    if (s) {
      const title = `${r.label}, seed ${run.config.seed}`;
      const ref = extras.reference.get(run.id);
      out.push({
        name,
        section: "samples",
        title,
        svg: scatterPanels(title, [
          { caption: `generated, step ${s.step}`, values: s.values, color: "#0072B2" },
          ...(ref
            ? [{ caption: `reference (real data, N = ${ref.length / 2})`, values: ref, color: "#444444" }]
            : []),
        ]),
      });
    }
    const img = extras.images.get(run.id);
    if (img) {
      const title = `${r.label}, seed ${run.config.seed}`;
      const refPng = extras.referenceImages.get(run.id);
      out.push({
        name,
        section: "samples",
        title,
        svg: imagePanels(title, [
          { caption: `generated, step ${img.step}`, png: img.png, ...pngSize(img.png) },
          ...(refPng ? [{ caption: "reference (real data)", png: refPng, ...pngSize(refPng) }] : []),
        ], base64),
      });
    }
  });
  return out;
}

/** Every figure of group number `index` (0-based). */
export function groupFigures(g: Group, index: number, extras: FigureExtras): Figure[] {
  const gi = `g${index + 1}`;
  return [
    ...convergence(g, gi),
    ...losses(g, gi),
    ...clusterFigures(g, gi),
    ...affinityFigures(g, gi, extras),
    ...sampleFigures(g, gi, extras),
  ];
}

/** The loss curve so far of a run in progress (total and per cluster), marked with its state. */
export function runningFigure(r: InProgressRun): Figure {
  const total: Series = {
    label: "training loss",
    points: r.losses.map((l) => [l.step, l.loss]),
    color: "#000000",
  };
  const k = Math.max(0, ...r.losses.map((l) => l.clusters.length));
  const clusters: Series[] = k < 2 ? [] : Array.from({ length: k }, (_, c) => ({
    label: `cluster ${c}`,
    points: r.losses.map((l) => [l.step, l.clusters[c] ?? NaN] as [number, number]),
    color: clusterColor(c),
    dashed: true,
  }));
  const last = r.evals.at(-1);
  const title = `${r.label} (${r.state}, step ${r.step} of ${r.steps})`;
  return {
    name: `running-${r.id}`,
    section: "running",
    title,
    svg: lineChart(title, "training step", "training loss", [total, ...clusters], {
      focusFrom: 0.05 * r.steps,
      subtitle: last
        ? `latest evaluation, step ${last.step}: ${
          Object.entries(last.metrics).map(([k, v]) => `${k} ${fmtNum(v)}`).join(", ")
        }`
        : "no evaluation yet",
    }),
  };
}
