/**
 * `deno task cli pr REAL.npy GEN.npy`: improved precision and recall.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { intFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { PR_DEFAULT_K, precisionRecall } from "../metrics/precision_recall.ts";
import { loadFeatures } from "../metrics/load.ts";

const USAGE = `usage: deno task cli pr REAL.npy GEN.npy [--k K] [--json]

Improved precision and recall (Kynkäänniemi et al. 2019): precision = fraction of generated samples inside
the real manifold (union of k-NN balls), recall = fraction of real samples inside the generated manifold.
Exact brute force, O(N² d).

  --k K    neighbourhood size (default ${PR_DEFAULT_K})
  --json   print exactly one JSON object: {"precision", "recall", "k", "nReal", "nGen", "d"}`;

export const prCommand: CliCommand = {
  name: "pr",
  summary: "improved precision and recall (k-NN manifolds) between real and generated .npy features",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("pr", args, {
      k: { type: "string" },
      json: { type: "boolean" },
    }, { pathsFrom: 0 });
    if (positionals.length !== 2) {
      throw new UsageError(`pr: expected REAL.npy GEN.npy; got ${positionals.length} files\n${USAGE}`);
    }
    const k = intFlag("k", values.k, PR_DEFAULT_K, 1);
    const real = await loadFeatures(positionals[0], k + 1);
    const gen = await loadFeatures(positionals[1], k + 1);
    if (real.d !== gen.d) {
      throw new UsageError(
        `pr: feature dimensions differ: ${real.path} has d = ${real.d}, ${gen.path} has d = ${gen.d}`,
      );
    }
    const r = precisionRecall(real.data, gen.data, real.d, { k });
    const out = { precision: r.precision, recall: r.recall, k, nReal: real.n, nGen: gen.n, d: real.d };
    if (values.json) console.log(JSON.stringify(out));
    else {console.log(
        `precision = ${r.precision}, recall = ${r.recall} (k = ${k}; N_real = ${real.n}, N_gen = ${gen.n}, d = ${real.d})`,
      );}
    return 0;
  },
};
