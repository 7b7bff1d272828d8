/**
 * Progress of a suite on stderr: a one-line bar with ETA redrawn in place (at most every 200 ms) when
 * stderr is a terminal, plain lines (at most every 10 s, and at every finished run) otherwise, so logs of
 * cluster jobs stay readable. stdout is never used.
 *
 * @module
 */
import type { SuiteProgress } from "../suite/runner.ts";

/** Format seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** One progress line (without terminal control codes). */
export function progressLine(p: SuiteProgress, elapsedSeconds: number, width = 24): string {
  const frac = p.stepsTotal > 0 ? Math.min(1, p.stepsDone / p.stepsTotal) : 1;
  const filled = Math.round(frac * width);
  const eta = frac > 0 ? elapsedSeconds * (1 - frac) / frac : NaN;
  const failed = p.runsFailed > 0 ? `, ${p.runsFailed} failed` : "";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(100 * frac).toFixed(1).padStart(5)}% ` +
    `runs ${p.runsDone}/${p.runsTotal}${failed} | elapsed ${formatDuration(elapsedSeconds)} ETA ${
      formatDuration(eta)
    } | ${p.current}`;
}

/** A progress reporter; call `update` with every SuiteProgress and `done` at the end. */
export class ProgressReporter {
  readonly #tty: boolean;
  readonly #start = performance.now();
  #last = -Infinity;
  #lastRuns = -1;
  readonly #encoder = new TextEncoder();

  constructor(tty = Deno.stderr.isTerminal()) {
    this.#tty = tty;
  }

  #write(s: string): void {
    Deno.stderr.writeSync(this.#encoder.encode(s));
  }

  update(p: SuiteProgress): void {
    const now = performance.now();
    const runFinished = p.runsDone !== this.#lastRuns;
    if (this.#tty) {
      if (now - this.#last < 200 && !runFinished) return;
      let cols = 120;
      try {
        cols = Deno.consoleSize().columns;
      } catch { /* not a console */ }
      this.#write(`\r\x1b[K${progressLine(p, (now - this.#start) / 1000).slice(0, Math.max(20, cols - 1))}`);
    } else {
      if (now - this.#last < 10_000 && !runFinished) return;
      this.#write(progressLine(p, (now - this.#start) / 1000) + "\n");
    }
    this.#last = now;
    this.#lastRuns = p.runsDone;
  }

  /** Print a message line without breaking the bar (it is redrawn at the next update). */
  log(line: string): void {
    this.#write(this.#tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    this.#last = -Infinity;
  }

  done(): void {
    if (this.#tty) this.#write("\n");
  }
}
