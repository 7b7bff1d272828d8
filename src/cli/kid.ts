/**
 * `deno task cli kid A.npy B.npy`: Kernel Inception Distance between two feature matrices.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { intFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { kernelInceptionDistance, KID_DEFAULT_SUBSET_SIZE, KID_DEFAULT_SUBSETS } from "../metrics/kid.ts";
import { loadFeatures } from "../metrics/load.ts";

const USAGE = `usage: deno task cli kid A.npy B.npy [--subsets S] [--subset-size M] [--seed N] [--json]

KID (Bińkowski et al. 2018): unbiased MMD² with the kernel (xᵀy/d + 1)³, mean and std over S seeded
subsets of size M drawn without replacement. A and B are N x d .npy feature matrices; N = min(N_A, N_B).

  --subsets S       number of subsets (default ${KID_DEFAULT_SUBSETS})
  --subset-size M   subset size, at most N - 1 (default min(${KID_DEFAULT_SUBSET_SIZE}, N/2)); with --subsets 1 it may
                    be N or more: the MMD² of the whole sets
  --seed N          subset seed (default 0)
  --json            print exactly one JSON object: {"kid", "std", "subsets", "subsetSize", "nA", "nB", "d"}`;

export const kidCommand: CliCommand = {
  name: "kid",
  summary: "Kernel Inception Distance (mean ± std over seeded subsets) between two .npy feature files",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("kid", args, {
      subsets: { type: "string" },
      "subset-size": { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    }, { pathsFrom: 0 });
    if (positionals.length !== 2) {
      throw new UsageError(`kid: expected two .npy files; got ${positionals.length}\n${USAGE}`);
    }
    const subsets = intFlag("subsets", values.subsets, KID_DEFAULT_SUBSETS, 1, 1e6);
    const subsetSize = values["subset-size"] === undefined
      ? undefined
      : intFlag("subset-size", values["subset-size"], KID_DEFAULT_SUBSET_SIZE, 2);
    const seed = intFlag("seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER);
    const a = await loadFeatures(positionals[0]);
    const b = await loadFeatures(positionals[1]);
    if (a.d !== b.d) {
      throw new UsageError(
        `kid: feature dimensions differ: ${a.path} has d = ${a.d}, ${b.path} has d = ${b.d}`,
      );
    }
    const r = kernelInceptionDistance(a.data, b.data, a.d, { subsets, subsetSize, seed });
    const out = {
      kid: r.kid,
      std: r.std,
      subsets: r.subsets,
      subsetSize: r.subsetSize,
      nA: a.n,
      nB: b.n,
      d: a.d,
    };
    if (values.json) console.log(JSON.stringify(out));
    else {console.log(
        `KID = ${r.kid} ± ${r.std} (${r.subsets} subsets of ${r.subsetSize}; N_A = ${a.n}, N_B = ${b.n}, d = ${a.d})`,
      );}
    return 0;
  },
};
