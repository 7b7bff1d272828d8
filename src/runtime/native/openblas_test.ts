/**
 * The OpenBLAS binding: the core-type policy (pure), and GEMM / SYRK / LAPACK calls against closed forms.
 * Library cases are skipped, with a message, only where the library is absent.
 */
import assert from "node:assert/strict";
import { cpuFlags, loadOpenBlas, openblasCandidates, openblasCoreTypeFor } from "./openblas.ts";
import { nativeSkipReason } from "./testing.ts";
import { x86Features } from "./cmem.ts";

const skip = nativeSkipReason();
if (skip) console.warn(`openblas_test: ${skip}`);

Deno.test("core type: Cooperlake for AVX-512 + BF16, SkylakeX for AVX-512, else OpenBLAS's own detection", () => {
  const avx512 = "avx512f avx512cd avx512bw avx512dq avx512vl";
  assert.equal(
    openblasCoreTypeFor(cpuFlags(`flags\t\t: fpu sse avx2 ${avx512} avx512_bf16\n`)),
    "Cooperlake",
  );
  assert.equal(openblasCoreTypeFor(cpuFlags(`flags\t\t: fpu sse avx2 ${avx512}\n`)), "SkylakeX");
  assert.equal(openblasCoreTypeFor(cpuFlags("flags\t\t: fpu sse avx2 fma avx512f\n")), null); // F alone
  assert.equal(openblasCoreTypeFor(cpuFlags("Features\t: fp asimd evtstrm\n")), null);
  assert.equal(openblasCoreTypeFor(new Set()), null);
  assert.deepEqual(openblasCandidates("x86_64"), [
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  ]);
  assert.equal(openblasCandidates("aarch64", "/opt/x.so")[0], "/opt/x.so");
});

Deno.test({
  name: "glibc's CPUID table and /proc/cpuinfo agree on the AVX-512 features (where both are readable)",
  ignore: Deno.build.arch !== "x86_64",
  fn: async () => {
    const fromGlibc = x86Features();
    // Deno reads /proc only with --allow-all; a child process may read it.
    const out = await new Deno.Command("cat", { args: ["/proc/cpuinfo"], stdout: "piped" }).output();
    if (fromGlibc === null || out.code !== 0) return;
    const flags = cpuFlags(new TextDecoder().decode(out.stdout));
    for (const f of ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_bf16"]) {
      assert.equal(fromGlibc.has(f), flags.has(f), f);
    }
  },
});

Deno.test({
  name: "sgemm/dgemm: every transpose against hand products; dsyrk the upper triangle of AᵀA",
  ignore: skip !== null,
  fn() {
    const blas = loadOpenBlas()!;
    // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[1, 0], [0, 1], [2, -1]] (3×2): A·B = [[7, -1], [16, -1]].
    const a = new Float32Array([1, 2, 3, 4, 5, 6]), at = new Float32Array([1, 4, 2, 5, 3, 6]);
    const b = new Float32Array([1, 0, 0, 1, 2, -1]), bt = new Float32Array([1, 0, 2, 0, 1, -1]);
    for (
      const [ta, tb, x, y] of [[false, false, a, b], [true, false, at, b], [false, true, a, bt], [
        true,
        true,
        at,
        bt,
      ]] as const
    ) {
      const c = new Float32Array(4).fill(NaN);
      blas.sgemm(ta, tb, 2, 2, 3, 1, x, ta ? 2 : 3, y, tb ? 3 : 2, 0, c, 2);
      assert.deepEqual([...c], [7, -1, 16, -1], `transposeA ${ta}, transposeB ${tb}`);
    }
    const c = new Float64Array([1, 1, 1, 1]);
    blas.dgemm(false, false, 2, 2, 3, 2, Float64Array.from(a), 3, Float64Array.from(b), 2, 1, c, 2);
    assert.deepEqual([...c], [15, -1, 33, -1]); // 2·A·B + C with C = 1
    // AᵀA for A = [[1, 2], [3, 4], [5, 6]]: [[35, 44], [44, 56]]; only the upper triangle is written.
    const s = new Float64Array(4).fill(-1);
    blas.dsyrkUpperAtA(2, 3, 1, new Float64Array([1, 2, 3, 4, 5, 6]), 2, 0, s);
    assert.deepEqual([s[0], s[1], s[3]], [35, 44, 56]);
    assert.equal(s[2], -1);
  },
});

Deno.test({
  name: "dsyevd: eigenvalues of the second-difference matrix are 2 − 2cos(kπ/(n+1)), eigenvectors sines",
  ignore: skip !== null,
  fn() {
    const blas = loadOpenBlas()!;
    const n = 50;
    const make = () => {
      const m = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        m[i * n + i] = 2;
        if (i + 1 < n) m[i * n + i + 1] = m[(i + 1) * n + i] = -1;
      }
      return m;
    };
    const values = blas.dsyevd(make(), n, false);
    for (let k = 1; k <= n; k++) {
      assert.ok(Math.abs(values[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1)))) < 1e-13, `λ_${k}`);
    }
    const m = make();
    const v = blas.dsyevd(m, n, true); // another algorithm (divide and conquer) than values-only
    v.forEach((x, i) => assert.ok(Math.abs(x - values[i]) < 1e-13));
    // Row 0 of m: the eigenvector of λ_1, ∝ sin(iπ/(n+1)) (up to sign).
    const norm = Math.sqrt(2 / (n + 1)), sign = Math.sign(m[0]);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(sign * m[i] - norm * Math.sin(((i + 1) * Math.PI) / (n + 1))) < 1e-12);
    }
  },
});

Deno.test({
  name: "dpstrf: the rank and factor of a rank-2 PSD matrix (pivoted Cholesky)",
  ignore: skip !== null,
  fn() {
    const blas = loadOpenBlas()!;
    // A = G Gᵀ with G = [[1, 0], [2, 1], [0, 3], [1, 1]] (4×2): rank 2.
    const g = [[1, 0], [2, 1], [0, 3], [1, 1]];
    const a = new Float64Array(16);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) a[i * 4 + j] = g[i][0] * g[j][0] + g[i][1] * g[j][1];
    }
    const orig = Float64Array.from(a);
    const { rank, piv, info } = blas.dpstrf(a, 4, 1e-12);
    assert.equal(rank, 2);
    assert.equal(info, 1); // rank < n
    assert.equal(piv[0], 2); // the largest diagonal (9) is pivoted first
    // Pᵀ A P = L Lᵀ over the first 2 columns of the row-major lower triangle.
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let m = 0; m < Math.min(2, j + 1); m++) s += a[i * 4 + m] * a[j * 4 + m];
        assert.ok(Math.abs(s - orig[piv[i] * 4 + piv[j]]) < 1e-12, `(${i}, ${j})`);
      }
    }
  },
});
