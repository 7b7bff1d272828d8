/**
 * Progress of a suite on stderr: the suite's bar with elapsed time and ETA, then each run in flight with
 * its step, latest training loss and its own ETA. On a terminal the line is redrawn in place (at most every
 * 200 ms) and cut to the terminal's width; without a terminal, or when the terminal reports zero columns
 * (some CI consoles), plain lines are printed instead (at most every 10 s, and at every finished run), so
 * logs of cluster jobs stay readable. stdout is never used.
 *
 * @module
 */
import type { ActiveRun, SuiteProgress } from "../suite/runner.ts";

/** Format seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A loss with 4 significant digits. */
function fmtLoss(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

/** One run in flight: "uw seed 1 step 1200/3000 loss 0.4123 ETA 0:41" (ETA from the run's own pace). */
export function activeRunText(a: ActiveRun, nowMs: number): string {
  const elapsed = (nowMs - a.startedMs) / 1000;
  const eta = a.step > 0 ? elapsed * (a.steps - a.step) / a.step : NaN;
  return `${a.label} ${a.phase === "eval" ? "eval at" : "step"} ${a.step}/${a.steps}` +
    (a.loss !== undefined ? ` loss ${fmtLoss(a.loss)}` : "") + ` ETA ${formatDuration(eta)}`;
}

/** One progress line (without terminal control codes). */
export function progressLine(p: SuiteProgress, elapsedSeconds: number, width = 24, nowMs?: number): string {
  const frac = p.stepsTotal > 0 ? Math.min(1, p.stepsDone / p.stepsTotal) : 1;
  const filled = Math.round(frac * width);
  const eta = frac > 0 ? elapsedSeconds * (1 - frac) / frac : NaN;
  const failed = p.runsFailed > 0 ? `, ${p.runsFailed} failed` : "";
  const now = nowMs ?? performance.now();
  const runs = p.active?.length ? p.active.map((a) => activeRunText(a, now)).join(" | ") : p.current;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(100 * frac).toFixed(1).padStart(5)}% ` +
    `runs ${p.runsDone}/${p.runsTotal}${failed} | elapsed ${formatDuration(elapsedSeconds)} ETA ${
      formatDuration(eta)
    } | ${runs}`;
}

/** A width the bar can use: null for no terminal (null) or a terminal that reports zero columns. */
export function usableColumns(columns: number | null): number | null {
  return columns !== null && Number.isFinite(columns) && columns > 0 ? columns : null;
}

/** The terminal's width in columns: null when stderr is not a terminal or reports no columns. */
export function terminalColumns(): number | null {
  try {
    return usableColumns(Deno.stderr.isTerminal() ? Deno.consoleSize().columns : null);
  } catch {
    return null;
  }
}

/** A progress reporter; call `update` with every SuiteProgress and `done` at the end. */
export class ProgressReporter {
  readonly #columns: () => number | null;
  readonly #start = performance.now();
  #last = -Infinity;
  #lastRuns = -1;
  #drawn = false;
  readonly #write: (s: string) => void;

  /**
   * `columns` gives the terminal width (null: no usable terminal, print plain lines); `write` receives the
   * text (default: stderr).
   */
  constructor(
    columns: () => number | null = terminalColumns,
    write?: (s: string) => void,
  ) {
    this.#columns = columns;
    const encoder = new TextEncoder();
    this.#write = write ?? ((s) => Deno.stderr.writeSync(encoder.encode(s)));
  }

  /** Show `p` (rate-limited; a finished run is always shown). */
  update(p: SuiteProgress): void {
    const now = performance.now();
    const runFinished = p.runsDone !== this.#lastRuns;
    const cols = this.#columns();
    const line = progressLine(p, (now - this.#start) / 1000, 24, now);
    if (cols !== null) {
      if (now - this.#last < 200 && !runFinished) return;
      this.#write(`\r\x1b[K${line.slice(0, Math.max(20, cols - 1))}`);
      this.#drawn = true;
    } else {
      if (now - this.#last < 10_000 && !runFinished) return;
      this.#write(line + "\n");
    }
    this.#last = now;
    this.#lastRuns = p.runsDone;
  }

  /** Print a message line without breaking the bar (it is redrawn at the next update). */
  log(line: string): void {
    this.#write(this.#drawn ? `\r\x1b[K${line}\n` : `${line}\n`);
    this.#last = -Infinity;
  }

  /** End the bar's line. */
  done(): void {
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
  }
}
