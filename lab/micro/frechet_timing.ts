/**
 * Timing of the Fréchet-distance pipeline (statistics, then each trace route) at several feature
 * dimensions. Not a test (no timing assertions anywhere): run by hand,
 *
 *   node_modules/.bin/deno run --allow-read lab/micro/frechet_timing.ts [d ...] [--n N] [--routes eigh,cholesky]
 *
 * and prints one JSON line per (d, route).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { frechetDetails, type FrechetMethod, gaussianStats } from "../../src/metrics/frechet.ts";
import { rngFor } from "../../src/runtime/rng.ts";

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { n: { type: "string" }, routes: { type: "string" } },
    allowPositionals: true,
  });
  const dims = positionals.length > 0 ? positionals.map(Number) : [64, 512, 2048];
  const routes = (values.routes ?? "eigh,cholesky").split(",") as FrechetMethod[];
  for (const d of dims) {
    const n = values.n ? Number(values.n) : Math.max(2 * d, 1000);
    const rng = rngFor(0, "perf-frechet", d);
    // Correlated features: x = z·W with a random mixing matrix (like real features, not white noise).
    const w = Float64Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d));
    const make = (shift: number) => {
      const x = new Float32Array(n * d);
      const z = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) z[k] = rng.normal();
        for (let k = 0; k < d; k++) {
          const zk = z[k];
          for (let j = 0; j < d; j++) x[i * d + j] += zk * w[k * d + j];
        }
        for (let j = 0; j < d; j++) x[i * d + j] += shift;
      }
      return x;
    };
    const xa = make(0), xb = make(0.1);
    let t = performance.now();
    const a = gaussianStats(xa, n, d);
    const statsSeconds = (performance.now() - t) / 1000;
    const b = gaussianStats(xb, n, d);
    for (const method of routes) {
      t = performance.now();
      const det = frechetDetails(a, b, { method, log: () => {} });
      const seconds = (performance.now() - t) / 1000;
      console.log(
        JSON.stringify({ d, n, method: det.method, statsSeconds, frechetSeconds: seconds, fd: det.fd }),
      );
    }
  }
}
