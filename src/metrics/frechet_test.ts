import assert from "node:assert/strict";
import { frechetDetails, frechetDistance, type GaussianStats, gaussianStats } from "./frechet.ts";
import { asMatrix, readNpy } from "./npy.ts";
import { readFidStats } from "./npz.ts";
import { rngFor } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";
import { type LinalgEngine, resolveLinalg } from "./native_linalg.ts";
import { openblasLoadFailure } from "../runtime/native/openblas.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;
const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));
const quietLog = { log: () => {} };
const nativeMissing = resolveLinalg("auto") === null ? openblasLoadFailure() : null;
if (nativeMissing) console.warn(`frechet_test: openblas cases SKIPPED (library absent: ${nativeMissing})`);
/** Every linear-algebra engine: pure JS, and OpenBLAS/LAPACK where it loads. */
const LINALGS: LinalgEngine[] = nativeMissing ? ["js"] : ["js", "openblas"];

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

async function featureStats(file: string, linalg: LinalgEngine = "js"): Promise<GaussianStats> {
  const m = asMatrix(await readNpy(FIX + file), file);
  return gaussianStats(m.data, m.n, m.d, { linalg });
}

function diagStats(mu: number[], variances: number[]): GaussianStats {
  const d = mu.length;
  const sigma = new Float64Array(d * d);
  variances.forEach((v, i) => sigma[i * d + i] = v);
  return { mu: Float64Array.from(mu), sigma, n: 0 };
}

for (const linalg of LINALGS) {
  const quiet = { ...quietLog, linalg };

  Deno.test(`gaussianStats (${linalg}): mean and unbiased covariance match numpy (np.mean, np.cov)`, async () => {
    const s = await featureStats("feats_a_f4.npy", linalg);
    const e = expected.d32;
    for (let i = 0; i < 3; i++) assert.ok(relErr(s.mu[i], e.mu_a_first3[i]) < 1e-12);
    const [s00, s01, s1515] = e.sigma_a_00_01_1515;
    assert.ok(relErr(s.sigma[0], s00) < 1e-12);
    assert.ok(relErr(s.sigma[1], s01) < 1e-12);
    assert.ok(relErr(s.sigma[15 * 32 + 15], s1515) < 1e-12);
    assert.equal(s.sigma[1], s.sigma[32]);
    assert.equal(s.n, 400);
  });

  Deno.test(`gaussianStats (${linalg}): hand-computed 3x2 case and bad sizes`, () => {
    // rows (0,0), (2,0), (4,6): mean (2,2); cov = [[4, 6], [6, 12]] with N-1 = 2.
    const s = gaussianStats(new Float32Array([0, 0, 2, 0, 4, 6]), 3, 2, { linalg });
    assert.deepEqual([...s.mu], [2, 2]);
    assert.deepEqual([...s.sigma], [4, 6, 6, 12]);
    assert.throws(() => gaussianStats(new Float32Array(2), 1, 2), /N.*>= 2/);
    assert.throws(() => gaussianStats(new Float32Array(5), 3, 2), /expected N·d/);
  });

  for (const method of ["eigh", "cholesky"] as const) {
    Deno.test(`frechet (${method}, ${linalg}): agrees with pytorch-fid's formula on numpy statistics (rel < 1e-6)`, async () => {
      const a = await readFidStats(FIX + "stats_a_deflated.npz");
      const b = await readFidStats(FIX + "stats_b_stored.npz");
      const fd = frechetDistance(a, b, { method, ...quiet });
      assert.ok(relErr(fd, expected.d32.fd_pytorch_fid) < 1e-6, `${fd} vs ${expected.d32.fd_pytorch_fid}`);
      // The same number from our own statistics of the raw features.
      const fa = await featureStats("feats_a_f4.npy", linalg);
      const fb = await featureStats("feats_b_f8.npy", linalg);
      assert.ok(relErr(frechetDistance(fa, fb, { method, ...quiet }), expected.d32.fd_pytorch_fid) < 1e-9);
      // Symmetric in its arguments.
      assert.ok(relErr(frechetDistance(fb, fa, { method, ...quiet }), fd) < 1e-9);
    });

    Deno.test(`frechet (${method}, ${linalg}): diagonal covariances match the closed form`, () => {
      const a = diagStats([1, -2, 0.5, 3], [4, 0.25, 1, 9]);
      const b = diagStats([0, -1, 0.5, 1], [1, 1, 0, 16]);
      // Σ(μ1-μ2)² + Σ(√a-√b)² = (1+1+0+4) + (1 + 0.25 + 1 + 1) = 9.25
      assert.ok(Math.abs(frechetDistance(a, b, { method, ...quiet }) - 9.25) < 1e-12);
    });

    Deno.test(`frechet (${method}, ${linalg}): FD(X, X) = 0 and a rank-deficient Σ (N < d) matches numpy`, async () => {
      const t = await featureStats("full_t.npy", linalg);
      const fdSelf = frechetDetails(t, t, { method, ...quiet });
      assert.ok(Math.abs(fdSelf.fd) < 1e-10 * fdSelf.traceA, `FD(X,X) = ${fdSelf.fd}`);
      const s = await featureStats("singular_s.npy", linalg);
      const logs: string[] = [];
      const st = frechetDetails(s, t, { method, linalg, log: (m) => logs.push(m) });
      assert.ok(relErr(st.fd, expected.singular.fd_eigh_st) < 1e-6, `${st.fd}`);
      assert.ok(relErr(frechetDistance(t, s, { method, ...quiet }), expected.singular.fd_eigh_ts) < 1e-6);
      assert.ok(relErr(st.fd, expected.singular.fd_eigvals_st) < 1e-6);
      assert.equal(st.rankA, 39); // N - 1
      if (method === "cholesky") assert.match(logs.join("\n"), /numerical rank 39 < d = 64/);
      assert.equal(st.linalg, linalg);
    });
  }

  Deno.test(`frechet (${linalg}): eigh and cholesky routes agree on random SPD matrices (d = 40)`, () => {
    const rng = rngFor(3, "test");
    const d = 40, n = 120;
    const make = (shift: number) => {
      const x = new Float64Array(n * d);
      for (let i = 0; i < x.length; i++) x[i] = rng.normal() * (1 + (i % d) / d) + shift;
      return gaussianStats(x, n, d, { linalg });
    };
    const a = make(0), b = make(0.2);
    const e = frechetDistance(a, b, { method: "eigh", ...quiet });
    const c = frechetDistance(a, b, { method: "cholesky", ...quiet });
    assert.ok(relErr(c, e) < 1e-10, `${c} vs ${e}`);
  });
}

Deno.test("frechet: safeguards are logged; non-PSD statistics and mismatched d are UsageErrors", () => {
  const logs: string[] = [];
  const a = diagStats([0, 0], [1, 2]);
  const asym: GaussianStats = { mu: new Float64Array(2), sigma: Float64Array.from([1, 0.1, 0.3, 1]), n: 0 };
  frechetDistance(asym, a, { log: (m) => logs.push(m) });
  assert.match(logs.join("\n"), /not symmetric/);
  const neg = diagStats([0, 0], [1, -0.5]);
  assert.throws(
    () => frechetDistance(neg, a, quietLog),
    (e) => e instanceof UsageError && /positive semi-definite/.test(e.message),
  );
  assert.throws(() => frechetDistance(diagStats([0, 0, 0], [1, 1, 1]), a, quietLog), /d = 3.*d = 2/);
  assert.throws(() => frechetDistance(a, a, { method: "svd" as "eigh" }), /allowed: auto, eigh, cholesky/);
});

Deno.test({
  name: "frechet: OpenBLAS and JS agree at a larger d with a rank-deficient side (d = 300, N = 250 and 900)",
  ignore: nativeMissing !== null,
  fn() {
    const rng = rngFor(4, "frechet-native");
    const d = 300;
    const w = Float64Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d));
    const make = (n: number, shift: number) => {
      const x = new Float32Array(n * d), z = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) z[k] = rng.normal();
        for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) x[i * d + j] += z[k] * w[k * d + j];
        for (let j = 0; j < d; j++) x[i * d + j] += shift;
      }
      return x;
    };
    const xa = make(250, 0), xb = make(900, 0.05), xc = make(900, 0); // xa: Σ has rank 249 < d
    const stats = (x: Float32Array, n: number, linalg: LinalgEngine) => gaussianStats(x, n, d, { linalg });
    const [ja, jb, jc] = [stats(xa, 250, "js"), stats(xb, 900, "js"), stats(xc, 900, "js")];
    const [na, nb] = [stats(xa, 250, "openblas"), stats(xb, 900, "openblas")];
    for (const [j, n] of [[ja, na], [jb, nb]]) {
      let worst = 0;
      for (let i = 0; i < d * d; i++) worst = Math.max(worst, Math.abs(n.sigma[i] - j.sigma[i]));
      assert.ok(worst < 1e-12 * Math.max(...j.sigma.map(Math.abs)), `covariances differ by ${worst}`);
    }
    // Full rank: the two implementations agree to round-off. Rank-deficient Σ₁: the d − r null-space
    // eigenvalues of the product are round-off (|λ| ≲ d·ε·λ_max) and each adds its square root to the
    // trace, so implementations differ by up to (d − r)·√(d·ε·λ_max) ≈ 1e-6 absolute here (FD ≈ 77).
    for (const [a, b, tol] of [[jc, jb, 1e-10], [ja, jb, 1e-7]] as const) {
      for (const method of ["eigh", "cholesky"] as const) {
        const js = frechetDetails(a, b, { method, linalg: "js", ...quietLog });
        const nat = frechetDetails(a, b, { method, linalg: "openblas", ...quietLog });
        assert.equal(nat.linalg, "openblas");
        assert.ok(relErr(nat.fd, js.fd) < tol, `${method}, rank ${js.rankA}: ${nat.fd} vs ${js.fd}`);
        assert.equal(nat.rankA, js.rankA);
      }
    }
  },
});
