/**
 * Publish only quiet results (issue 12, item 1): `reports/perf/` holds published measurements, so a
 * result with a noisy (or unmeasured) round is not written there unless the user says so
 * (`--allow-noisy`, and then it is marked noisy in its JSON and tables). A refused result is not lost: it
 * goes to `.cache/perf/` (same relative layout) and the command says where and exits with 1.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";

/** The published results directory, relative to the repository root (the perf task's working directory). */
export const PUBLISHED_DIR = "reports/perf";

/** Where refused (noisy) results go instead. */
export const NOISY_DIR = ".cache/perf";

/** The path of `dir` inside reports/perf/ ("" for reports/perf itself), or null when it is outside. */
export function publishedSubdir(dir: string, cwd = Deno.cwd()): string | null {
  const rel = relative(resolve(cwd, PUBLISHED_DIR), resolve(cwd, dir));
  return rel.split("/")[0] === ".." ? null : rel;
}

/** Where to write a result asked for in `dir`. */
export interface OutputChoice {
  dir: string;
  /** True when a noisy result was diverted from reports/perf/ to .cache/perf/. */
  diverted: boolean;
}

/** The directory a result goes to: `dir`, unless it is noisy, `dir` is published and noisy is not allowed. */
export function chooseOutputDir(
  dir: string,
  quiet: boolean,
  allowNoisy: boolean,
  cwd = Deno.cwd(),
): OutputChoice {
  const sub = publishedSubdir(dir, cwd);
  if (quiet || allowNoisy || sub === null) return { dir, diverted: false };
  return { dir: join(NOISY_DIR, sub), diverted: true };
}

/** The line printed for a diverted result. */
export function divertedMessage(requested: string, written: string): string {
  return `perf: the result is noisy (a round's foreign CPU load was above the limit, or unmeasured): not ` +
    `written to ${requested}/, which holds published results; wrote it to ${written}/ instead ` +
    `(rerun on a quiet machine, or pass --allow-noisy to publish it marked noisy)`;
}
