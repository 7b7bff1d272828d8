import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { type AttentionParams, selfAttention } from "./attention.ts";
import { Rng } from "../../runtime/rng.ts";

await tf.setBackend("cpu");

/** Plain-loop reference: GroupNorm, per-head softmax(QKᵀ/√d)V, projection, residual. */
function bruteForce(
  x: number[],
  b: number,
  n: number,
  c: number,
  heads: number,
  groups: number,
  p: Record<string, number[]>,
) {
  const d = c / heads, cg = c / groups;
  const out = x.slice();
  for (let s = 0; s < b; s++) {
    const xs = (i: number, ch: number) => x[(s * n + i) * c + ch];
    const hn: number[][] = [];
    for (let i = 0; i < n; i++) hn.push(new Array(c).fill(0));
    for (let g = 0; g < groups; g++) {
      let m = 0, v = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < cg; k++) m += xs(i, g * cg + k);
      m /= n * cg;
      for (let i = 0; i < n; i++) for (let k = 0; k < cg; k++) v += (xs(i, g * cg + k) - m) ** 2;
      v /= n * cg;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < cg; k++) {
          const ch = g * cg + k;
          hn[i][ch] = (xs(i, ch) - m) / Math.sqrt(v + 1e-5) * p.gamma[ch] + p.beta[ch];
        }
      }
    }
    const lin = (w: number[], bias: number[]) =>
      hn.map((row) =>
        Array.from({ length: c }, (_, o) => bias[o] + row.reduce((a, r, k) => a + r * w[k * c + o], 0))
      );
    const q = lin(p.wq, p.bq), k = lin(p.wk, p.bk), v = lin(p.wv, p.bv);
    const att: number[][] = hn.map(() => new Array(c).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < n; i++) {
        const sc = Array.from({ length: n }, (_, j) => {
          let dot = 0;
          for (let e = 0; e < d; e++) dot += q[i][h * d + e] * k[j][h * d + e];
          return dot / Math.sqrt(d);
        });
        const mx = Math.max(...sc);
        const ex = sc.map((z) => Math.exp(z - mx));
        const z = ex.reduce((a, e) => a + e, 0);
        for (let e = 0; e < d; e++) {
          att[i][h * d + e] = ex.reduce((a, w, j) => a + w / z * v[j][h * d + e], 0);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < c; o++) {
        out[(s * n + i) * c + o] += p.bo[o] + att[i].reduce((a, r, kk) => a + r * p.wo[kk * c + o], 0);
      }
    }
  }
  return out;
}

Deno.test("selfAttention matches a plain-loop implementation (2 heads, 2 groups)", () => {
  const rng = new Rng(5);
  const b = 2, hgt = 2, wid = 3, c = 4, n = hgt * wid;
  const r = (len: number) => Array.from({ length: len }, () => rng.normal());
  const p: Record<string, number[]> = {
    gamma: r(c),
    beta: r(c),
    wq: r(c * c),
    bq: r(c),
    wk: r(c * c),
    bk: r(c),
    wv: r(c * c),
    bv: r(c),
    wo: r(c * c),
    bo: r(c),
  };
  const x = r(b * n * c);
  const v = (a: number[], shape: number[]) => tf.variable(tf.tensor(a, shape));
  const params: AttentionParams = {
    normGamma: v(p.gamma, [c]),
    normBeta: v(p.beta, [c]),
    wq: v(p.wq, [c, c]),
    bq: v(p.bq, [c]),
    wk: v(p.wk, [c, c]),
    bk: v(p.bk, [c]),
    wv: v(p.wv, [c, c]),
    bv: v(p.bv, [c]),
    wo: v(p.wo, [c, c]),
    bo: v(p.bo, [c]),
  };
  for (const heads of [1, 2]) {
    const got = selfAttention(tf.tensor4d(x, [b, hgt, wid, c]), params, heads, 2).dataSync();
    const want = bruteForce(x, b, n, c, heads, 2, p);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `heads ${heads} [${i}]: ${got[i]} vs ${want[i]}`);
    }
  }
  Object.values(params).forEach((t) => t.dispose());
});
