/**
 * Runs without a result yet, read from their run directories while a bench trains (or after one was
 * killed): the resolved config (config.json), the append-only log (log.jsonl: training-loss windows with
 * per-cluster losses, evaluations with metrics) and whether a live process holds the run's claim. The
 * report lists them as "running" (or "interrupted") with their curves so far; they enter no table.
 *
 * @module
 */
import type { RunConfig } from "../train/types.ts";
import { readLog, runDir, type StoredConfig } from "../suite/store.ts";
import { claimPath } from "../suite/lock.ts";
import { liveHolder } from "../runtime/file_lock.ts";
import { runLabel } from "../suite/runner.ts";

/** One training-loss window of a log. */
export interface LoggedLoss {
  /** Training steps done at the window's end. */
  step: number;
  /** Mean training loss over the window. */
  loss: number;
  /** Mean loss of each cluster over the window (null: no samples of that cluster). */
  clusters: (number | null)[];
}

/** One evaluation of a log. */
export interface LoggedEval {
  /** Training steps done. */
  step: number;
  /** Metric key -> value. */
  metrics: Record<string, number>;
}

/** A run that has started but has no result. */
export interface InProgressRun {
  /** Content id. */
  id: string;
  /** Short human label. */
  label: string;
  /** The resolved config. */
  config: RunConfig;
  /** "running": a live process holds its claim; "interrupted": none does (a killed bench). */
  state: "running" | "interrupted";
  /** Steps done as far as the log tells (the latest loss window or evaluation). */
  step: number;
  /** Training steps of the run. */
  steps: number;
  /** Loss windows so far. */
  losses: LoggedLoss[];
  /** Evaluations so far. */
  evals: LoggedEval[];
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The loss windows and evaluations of a parsed log (malformed lines are skipped). */
export function parseLog(
  lines: readonly Record<string, unknown>[],
): { losses: LoggedLoss[]; evals: LoggedEval[] } {
  const losses: LoggedLoss[] = [];
  const evals: LoggedEval[] = [];
  for (const l of lines) {
    const step = num(l.step);
    if (step === null) continue;
    if (l.event === "loss" && num(l.loss) !== null) {
      losses.push({
        step,
        loss: num(l.loss)!,
        clusters: Array.isArray(l.clusters) ? l.clusters.map(num) : [],
      });
    } else if (l.event === "eval" && l.metrics !== null && typeof l.metrics === "object") {
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(l.metrics as Record<string, unknown>)) {
        if (num(v) !== null) metrics[k] = v as number;
      }
      evals.push({ step, metrics });
    }
  }
  return { losses, evals };
}

/** The run in `dir` if it has started (config.json) and has no result; null otherwise. */
export async function readInProgressRun(dir: string, id: string): Promise<InProgressRun | null> {
  try {
    await Deno.stat(`${dir}/result.json`);
    return null;
  } catch { /* no result: maybe in progress */ }
  let stored: StoredConfig;
  try {
    stored = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  } catch {
    return null; // not started (or its config is being written)
  }
  const config = stored.config;
  if (!config?.train) return null;
  const { losses, evals } = parseLog(await readLog(dir));
  const live = await liveHolder(claimPath(dir)).catch(() => null);
  let label: string;
  try {
    label = runLabel(config);
  } catch {
    label = id;
  }
  return {
    id,
    label,
    config,
    state: live ? "running" : "interrupted",
    step: Math.max(0, ...losses.map((l) => l.step), ...evals.map((e) => e.step)),
    steps: config.train.steps,
    losses,
    evals,
  };
}

/** The runs among `ids` under `outDir` that have started and have no result, in the order of `ids`. */
export async function readInProgress(outDir: string, ids: readonly string[]): Promise<InProgressRun[]> {
  const out: InProgressRun[] = [];
  for (const id of ids) {
    const r = await readInProgressRun(runDir(outDir, id), id);
    if (r) out.push(r);
  }
  return out;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** The README section of runs in progress ("" when there are none). */
export function inProgressSection(runs: readonly InProgressRun[]): string {
  if (runs.length === 0) return "";
  const lines = [
    "",
    "## Runs in progress",
    "",
    `${runs.length} run(s) have started and have no result yet; they enter no table. "running": a live process ` +
    'holds the run; "interrupted": none does (a killed bench; the next bench trains it again from scratch).',
    "",
    "| run | configuration | state | step | training loss (latest window) | latest evaluation |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of runs) {
    const loss = r.losses.at(-1);
    const ev = r.evals.at(-1);
    const evText = ev
      ? `step ${ev.step}: ${Object.entries(ev.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`
      : "—";
    lines.push(
      `| ${r.id} | ${r.label} | ${r.state} | ${r.step}/${r.steps} | ${
        loss ? fmt(loss.loss) : "—"
      } | ${evText} |`,
    );
  }
  return lines.join("\n") + "\n";
}
