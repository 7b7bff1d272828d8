/**
 * The written outputs of a transfer-gap study (./transfer_gap.ts): transfer-gap.json (the analysed
 * numbers), README.md (what was run and what the confidence intervals say, in words that follow from
 * them), and three SVG figures (NTG per interval with 95% intervals and per-seed values, the two losses per
 * interval, NTG over training).
 *
 * @module
 */
import type { IntervalGap, TransferGapReport } from "./transfer_gap.ts";
import { bandChart, ciChart } from "./charts.ts";
import { fmtNum, fmtP, fmtPct, roundSig } from "../report/format.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";

/** What the README says about the study besides the numbers. */
export interface TransferGapContext {
  /** Suite name or file. */
  suite: string;
  /** Dataset id. */
  dataset: string;
  /** Model id. */
  model: string;
  /** Parameters of the model. */
  paramCount: number;
  /** Objective that chose the intervals. */
  objective: string;
  /** Held-out samples of the loss. */
  n: number;
  /** (t, ε) draws per sample and interval. */
  draws: number;
  /** EMA weights evaluated (else raw). */
  useEma: boolean;
  /** Batch size of every run. */
  batchSize: number;
  /** Learning rate of every run. */
  lr: number;
  /** Autoencoder of a latent study. */
  latent?: string;
  /** The command that produced the study. */
  command: string;
  /** Load averages and wall time, for the record (not a speed claim). */
  machine?: string;
}

const label = ([l, r]: [number, number]) => `[${l}, ${r}]`;

/** The NTG figure. */
export function ntgSvg(rep: TransferGapReport): string {
  return ciChart(
    `NTG = L(specialist) − L(generalist), mean and 95% CI over ${rep.seeds.length} seeds`,
    "timestep interval (0-based)",
    "NTG (held-out ε-MSE)",
    rep.gaps.map((g) => ({
      label: label(g.interval),
      mean: g.ntg.mean,
      lo: g.ntg.lo,
      hi: g.ntg.hi,
      points: g.ntg.values,
    })),
  );
}

/** The losses figure: generalist and specialist per interval (relative NTG shown as the gap). */
export function relativeSvg(rep: TransferGapReport): string {
  return ciChart(
    `Relative NTG = NTG / L(generalist), mean and 95% CI over ${rep.seeds.length} seeds`,
    "timestep interval (0-based)",
    "relative NTG",
    rep.gaps.map((g) => ({
      label: label(g.interval),
      mean: g.relative.mean,
      lo: g.relative.lo,
      hi: g.relative.hi,
      points: g.relative.values,
    })),
  );
}

/** NTG per interval over the evaluation steps. */
export function overTrainingSvg(rep: TransferGapReport): string {
  return bandChart(
    "NTG over training (mean, 95% CI band over seeds)",
    "training step",
    "NTG",
    rep.intervals.map((iv, i) => ({
      label: label(iv),
      points: rep.overTraining.map((p) => [p.step, p.ntg[i].mean] as [number, number]),
      band: rep.overTraining.map((p) => [p.step, p.ntg[i].lo, p.ntg[i].hi] as [number, number, number]),
    })),
  );
}

/** The budget-matched NTG figure. */
export function matchedSvg(rep: TransferGapReport): string {
  return ciChart(
    `Budget-matched NTG (specialist trained for |I|/T of the steps), 95% CI over ${rep.seeds.length} seeds`,
    "timestep interval (0-based)",
    "matched NTG (held-out ε-MSE)",
    (rep.matched?.gaps ?? []).map((g) => ({
      label: label(g.interval),
      mean: g.ntg.mean,
      lo: g.ntg.lo,
      hi: g.ntg.hi,
      points: g.ntg.values,
    })),
  );
}

function words(rep: TransferGapReport, gaps: IntervalGap[]): string[] {
  const out: string[] = [];
  const neg = gaps.filter((g) => g.verdict === "negative transfer");
  const pos = gaps.filter((g) => g.verdict === "positive transfer");
  const inc = gaps.filter((g) => g.verdict === "inconclusive");
  const list = (gs: IntervalGap[]) => gs.map((g) => label(g.interval)).join(", ");
  if (neg.length > 0) {
    out.push(
      "- Negative transfer (the whole 95% interval of NTG below 0: the specialist's held-out loss is lower than " +
        `the generalist's on its own interval) on ${list(neg)}.`,
    );
  }
  if (pos.length > 0) {
    out.push(
      "- Positive transfer (the whole 95% interval above 0: the generalist is better on the interval than the " +
        `specialist trained only on it) on ${list(pos)}.`,
    );
  }
  if (inc.length > 0) out.push(`- Inconclusive at this power (the 95% interval contains 0) on ${list(inc)}.`);
  const n = rep.seeds.length;
  out.push(
    `- The intervals are per-interval 95% t-intervals over ${n} seeds (df = ${
      n - 1
    }), not adjusted for the ` +
      `${gaps.length} intervals; the Holm-adjusted paired t-test p-values are in the table ` +
      `(${gaps.filter((g) => g.pHolm < 0.05).length} of ${gaps.length} below 0.05).`,
  );
  return out;
}

const ci = (s: { mean: number; lo: number; hi: number }) =>
  `${fmtNum(s.mean)} [${fmtNum(s.lo)}, ${fmtNum(s.hi)}]`;

function gapTable(gaps: IntervalGap[], steps?: number[]): string[] {
  const stepHead = steps ? " specialist steps |" : "";
  return [
    `| interval |${stepHead} L(generalist) | L(specialist) | NTG, mean [95% CI] | relative NTG | p | p (Holm) | verdict |`,
    `|---|${steps ? "---|" : ""}---|---|---|---|---|---|---|`,
    ...gaps.map((g, i) =>
      `| ${label(g.interval)} |${steps ? ` ${steps[i]} |` : ""} ${fmtNum(g.generalist.mean)} | ` +
      `${fmtNum(g.specialist.mean)} | ${ci(g.ntg)} | ` +
      `${fmtPct(g.relative.mean)} [${fmtPct(g.relative.lo)}, ${fmtPct(g.relative.hi)}] | ${fmtP(g.p)} | ` +
      `${fmtP(g.pHolm)} | ${g.verdict} |`
    ),
  ];
}

function matchedSection(rep: TransferGapReport): string[] {
  if (!rep.matched) return [];
  return [
    "## Budget-matched control",
    "",
    "A specialist trained for all the generalist's steps sees about k times more samples of its interval than " +
    "the generalist does, so the NTG above mixes interference between tasks with per-task budget. Here each " +
    "specialist is trained for round(steps · |I|/T) steps (same batch): the share of its interval the " +
    "generalist sees in expectation with uniform timesteps. A matched NTG < 0 is interference the shared model " +
    "suffers at equal per-interval data; a matched NTG > 0 is what sharing one model across noise levels buys.",
    "",
    ...words(rep, rep.matched.gaps),
    "",
    ...gapTable(rep.matched.gaps, rep.matched.steps),
    "",
    "![budget-matched NTG](ntg-matched.svg)",
    "",
  ];
}

/** README.md of the study. */
export function transferGapMarkdown(rep: TransferGapReport, ctx: TransferGapContext): string {
  const k = rep.intervals.length;
  const lines = [
    `# Negative-transfer gap: ${ctx.dataset}, ${ctx.model}`,
    "",
    "ANT's observation (O2), negative transfer in diffusion training (Go et al. 2023, §3.2), measured by " +
    "`deno task cli transfer-gap` (src/analysis/transfer_gap.ts). For each timestep interval I_i a " +
    "specialist is trained on the denoising tasks of I_i only and compared with the generalist trained on all " +
    "timesteps, by the held-out ε-MSE on I_i:",
    "",
    "    NTG_i = L_i(specialist_i) − L_i(generalist)        (the paper's sign: NTG < 0 = negative transfer)",
    "",
    'Issue 15\'s "generalist minus specialist" is −NTG. The paper scores FID with the specialist taking the ' +
    "interval's sampling steps; this study scores the interval's denoising loss, which needs no sampler.",
    "",
    "## What was run",
    "",
    `- Suite \`${ctx.suite}\`: dataset \`${ctx.dataset}\`` +
    (ctx.latent ? ` in the latent space of \`${ctx.latent}\`` : "") +
    `, model \`${ctx.model}\` (${ctx.paramCount.toLocaleString("en-US")} parameters), ${rep.steps} steps, ` +
    `batch ${ctx.batchSize}, lr ${ctx.lr}, seeds ${rep.seeds.join(", ")}.`,
    `- ${k} intervals from the \`${ctx.objective}\` objective: ${rep.intervals.map(label).join(", ")}.`,
    `- Per seed: the generalist (vanilla, uniform timesteps) and ${k} specialists (the same config with ` +
    "timesteps uniform inside their interval: same initial weights, data order and noise streams)" +
    (rep.matched ? `, and ${k} budget-matched specialists (below).` : "."),
    `- Held-out loss: ${ctx.n} held-out samples × ${ctx.draws} (t, ε) draws per interval, from streams that do ` +
    "not depend on the run seed (every run sees the same x₀, t and ε), with the " +
    `${ctx.useEma ? "EMA" : "raw"} weights, at the last step.`,
    `- Command: \`${ctx.command}\`${ctx.machine ? `; ${ctx.machine}` : ""}.`,
    "",
    "## Result",
    "",
    ...words(rep, rep.gaps),
    "",
    ...gapTable(rep.gaps),
    "",
    "![NTG per interval](ntg.svg)",
    "",
    "![relative NTG per interval](relative.svg)",
    "",
    "![NTG over training](ntg-over-training.svg)",
    "",
    ...matchedSection(rep),
    "## Transfer matrix",
    "",
    "Mean held-out loss (over seeds) of each model on each interval: row = the model, column = the interval.",
    "",
    `| model | ${rep.intervals.map(label).join(" | ")} |`,
    `|---|${rep.intervals.map(() => "---").join("|")}|`,
    ...rep.matrix.map((row, i) =>
      `| ${i < k ? `specialist ${label(rep.intervals[i])}` : "generalist"} | ${
        row.map((x) => fmtNum(x)).join(" | ")
      } |`
    ),
    "",
    "Per-seed values, the curves over training and every run's config are in transfer-gap.json and runs/.",
    "",
  ];
  return lines.join("\n");
}

function rounded(rep: TransferGapReport): unknown {
  return JSON.parse(JSON.stringify(rep, (_k, v) => typeof v === "number" ? roundSig(v, 7) : v));
}

/** Write transfer-gap.json, README.md and the figures into `dir`; returns the file names. */
export async function writeTransferGapReport(
  dir: string,
  rep: TransferGapReport,
  ctx: TransferGapContext,
): Promise<string[]> {
  await atomicWriteJson(`${dir}/transfer-gap.json`, { ...rounded(rep) as object, context: ctx });
  await atomicWriteFile(`${dir}/README.md`, transferGapMarkdown(rep, ctx));
  await atomicWriteFile(`${dir}/ntg.svg`, ntgSvg(rep));
  await atomicWriteFile(`${dir}/relative.svg`, relativeSvg(rep));
  await atomicWriteFile(`${dir}/ntg-over-training.svg`, overTrainingSvg(rep));
  const files = ["transfer-gap.json", "README.md", "ntg.svg", "relative.svg", "ntg-over-training.svg"];
  if (rep.matched) {
    await atomicWriteFile(`${dir}/ntg-matched.svg`, matchedSvg(rep));
    files.push("ntg-matched.svg");
  }
  return files;
}
