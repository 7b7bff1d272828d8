/**
 * `deno task cli fd A B`: the Fréchet distance between two feature sets or statistics files.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { frechetDetails, type FrechetMethod, gaussianStats } from "../metrics/frechet.ts";
import { loadFeatures, loadStats } from "../metrics/load.ts";
import { writeFidStats } from "../metrics/npz.ts";
import { fdInfinity } from "../metrics/fd_infinity.ts";
import type { LinalgEngine } from "../metrics/native_linalg.ts";

const USAGE = `usage: deno task cli fd A B [--method auto|eigh|cholesky] [--infinity [--seed N]] [--json]
       deno task cli fd FEATURES.npy --save-stats OUT.npz

Fréchet distance between Gaussian fits (float64; unbiased covariance). A and B are each a .npz with
"mu" and "sigma" (pytorch-fid layout) or a .npy N x d feature matrix. FD depends on N: the output states
the N of each side (0 when a .npz does not record it).

  --method M        trace route: eigh (ml-matrix), cholesky (fast, large d), auto (default: eigh for d <= 512)
  --linalg L        auto (OpenBLAS/LAPACK where the library loads, else JS; default) | openblas | js
  --infinity        also report FD∞ (Chong & Forsyth 2020): A must be a .npy of generated features; FD_N of
                    15 shuffled prefixes (N from N_A/10 to N_A) against B, extrapolated to 1/N = 0
  --seed N          shuffle seed of --infinity (default 0)
  --save-stats OUT  write mu, sigma (and n) of one .npy feature file as a pytorch-fid .npz and exit
  --json            print exactly one JSON object: {"fd", "nA", "nB", "d", "method", "linalg", "safeguards"[, "fdInf"]}`;

export const fdCommand: CliCommand = {
  name: "fd",
  summary: "Fréchet distance between two .npz statistics / .npy feature files (FD∞ optional)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("fd", args, {
      method: { type: "string" },
      linalg: { type: "string" },
      infinity: { type: "boolean" },
      seed: { type: "string" },
      "save-stats": { type: "string", path: true },
      json: { type: "boolean" },
    }, { pathsFrom: 0 });
    const saveStats = values["save-stats"] as string | undefined;
    if (saveStats !== undefined) {
      if (positionals.length !== 1) {
        throw new UsageError(`fd --save-stats: expected one .npy feature file\n${USAGE}`);
      }
      const f = await loadFeatures(positionals[0]);
      const linalg = enumFlag<LinalgEngine>("linalg", values.linalg, ["auto", "openblas", "js"], "auto");
      await writeFidStats(saveStats, gaussianStats(f.data, f.n, f.d, { linalg }));
      if (values.json) console.log(JSON.stringify({ saved: saveStats, n: f.n, d: f.d }));
      else console.log(`wrote ${saveStats} (N = ${f.n}, d = ${f.d})`);
      return 0;
    }
    if (positionals.length !== 2) {
      throw new UsageError(`fd: expected two files A B; got ${positionals.length}\n${USAGE}`);
    }
    const method = enumFlag<FrechetMethod>("method", values.method, ["auto", "eigh", "cholesky"], "auto");
    const linalg = enumFlag<LinalgEngine>("linalg", values.linalg, ["auto", "openblas", "js"], "auto");
    const seed = intFlag("seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER);
    const [pa, pb] = positionals;
    const [a, b] = [await loadStats(pa, linalg), await loadStats(pb, linalg)];
    const log = (m: string) => console.error(`fd: ${m}`);
    const det = frechetDetails(a, b, { method, log, linalg });
    const out: Record<string, unknown> = {
      fd: det.fd,
      nA: det.nA,
      nB: det.nB,
      d: det.d,
      method: det.method,
      linalg: det.linalg,
      safeguards: det.safeguards,
    };
    if (values.infinity) {
      const gen = await loadFeatures(pa);
      const inf = fdInfinity(gen.data, gen.d, b, { seed, frechet: { method, linalg, log: () => {} } });
      out.fdInf = inf.fdInf;
      out.fdInfSlope = inf.slope;
      out.fdInfPoints = inf.points;
    }
    if (values.json) console.log(JSON.stringify(out));
    else {
      console.log(
        `FD = ${det.fd} (N_A = ${det.nA || "?"}, N_B = ${
          det.nB || "?"
        }, d = ${det.d}; ${det.method}, ${det.linalg})`,
      );
      if (values.infinity) console.log(`FD∞ = ${out.fdInf} (slope ${out.fdInfSlope} per 1/N)`);
    }
    return 0;
  },
};
