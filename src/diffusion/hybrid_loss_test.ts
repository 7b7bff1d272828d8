import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { makeSchedule } from "./schedule.ts";
import { scheduleVarianceTables } from "./learned_variance.ts";
import { hybridTerms, hybridTermsOps } from "./hybrid_loss.ts";
import { qSampleHost } from "./forward.ts";
import { approxStandardNormalCdf } from "./gaussian_nll.ts";
import { Rng } from "../runtime/rng.ts";
import "../runtime/gradients.ts";

const B = 6, H = 3, W = 2, C = 2;
const sch = makeSchedule("cosine", 50);
const tables = scheduleVarianceTables(sch);
const t = Int32Array.from([0, 1, 7, 25, 48, 0]);

/** A batch of 8-bit-like images in [−1, 1] (with both edges present), its noise, x_t and a model output. */
function batch(seed: number) {
  const rng = new Rng(seed);
  const n = B * H * W * C;
  const x0 = Float32Array.from({ length: n }, () => Math.round(rng.uniform() * 255) / 127.5 - 1);
  x0[0] = -1;
  x0[1] = 1;
  const noise = rng.normalArray(n);
  const xt = qSampleHost(sch, x0, noise, t);
  // ε̂ near ε (a partly trained model) and v in (−1.5, 1.5).
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n / C; i++) {
    for (let c = 0; c < C; c++) {
      out[i * 2 * C + c] = noise[i * C + c] + 0.3 * rng.normal();
      out[i * 2 * C + C + c] = 3 * rng.uniform() - 1.5;
    }
  }
  const shape = [B, H, W, C];
  return {
    x0: tf.tensor(x0, shape),
    noise: tf.tensor(noise, shape),
    xt: tf.tensor(xt, shape),
    out: tf.tensor(out, [B, H, W, 2 * C]),
  };
}

type Terms = typeof hybridTerms;

/** Values and ∂/∂out of Σ_b (a_b mse_b + c_b vb_b). */
function valueAndGrad(f: Terms, d: ReturnType<typeof batch>) {
  const a = tf.tensor1d([1, -2, 0.5, 3, 1, 2]), c = tf.tensor1d([2, 1, -1, 0.5, 4, 1]);
  const terms = f(tables, d.out, d.x0, d.noise, d.xt, t);
  const g = tf.grad((o: tf.Tensor) => {
    const r = f(tables, o, d.x0, d.noise, d.xt, t);
    return tf.add(tf.sum(tf.mul(a, r.mse)), tf.sum(tf.mul(c, r.vb)));
  })(d.out);
  return { mse: terms.mse.dataSync(), vb: terms.vb.dataSync(), grad: g.dataSync() };
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    n += (a[i] - b[i]) ** 2;
    m += b[i] ** 2;
  }
  return Math.sqrt(n / m);
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`hybrid loss kernel (${backend}): values and closed-form backward equal autodiff of the op formula`, async () => {
    await initBackend(backend);
    const d = batch(3);
    const fused = valueAndGrad(hybridTerms, d);
    const ops = valueAndGrad(hybridTermsOps, d);
    // The kernel accumulates in float64, the ops in float32: agreement at float32 rounding.
    assert.ok(relL2(fused.mse, ops.mse) < 1e-6, `mse ${fused.mse} vs ${ops.mse}`);
    assert.ok(relL2(fused.vb, ops.vb) < 1e-5, `vb ${fused.vb} vs ${ops.vb}`);
    assert.ok(relL2(fused.grad, ops.grad) < 1e-5, `gradient rel ${relL2(fused.grad, ops.grad)}`);
    // t = 0 rows hold the decoder NLL, the others the KL: both positive here.
    assert.ok(Array.from(fused.vb).every((v) => v > 0));
  });
}

Deno.test("hybrid loss: the stop-gradient (mse moves only ε̂, vb only v)", async () => {
  await initBackend("wasm");
  const d = batch(5);
  for (const f of [hybridTerms, hybridTermsOps]) {
    const gMse = tf.grad((o: tf.Tensor) => tf.sum(f(tables, o, d.x0, d.noise, d.xt, t).mse))(d.out);
    const gVb = tf.grad((o: tf.Tensor) => tf.sum(f(tables, o, d.x0, d.noise, d.xt, t).vb))(d.out);
    const [mE, mV] = tf.split(gMse, 2, 3).map((x) => x.dataSync());
    const [vE, vV] = tf.split(gVb, 2, 3).map((x) => x.dataSync());
    assert.ok(mV.every((x) => x === 0) && vE.every((x) => x === 0), "no cross gradients");
    assert.ok(mE.some((x) => x !== 0) && vV.some((x) => x !== 0), "both outputs learn");
  }
});

Deno.test("hybrid loss: closed forms (ε̂ = ε and v = −1: KL = 0 for t ≥ 1, the decoder's bin at t = 0)", async () => {
  await initBackend("wasm");
  const d = batch(7);
  const [, v] = tf.split(d.out, 2, 3);
  const exact = tf.concat([d.noise, tf.fill(v.shape, -1)], 3);
  const r = hybridTerms(tables, exact, d.x0, d.noise, d.xt, t);
  const mse = r.mse.dataSync(), vb = r.vb.dataSync();
  assert.ok(mse.every((m) => m === 0));
  // t ≥ 1: the model's mean is the true posterior mean up to float32 rounding of x_t, and its variance β̃.
  for (const b of [1, 2, 3, 4]) assert.ok(Math.abs(vb[b]) < 1e-6, `KL at t = ${t[b]}: ${vb[b]}`);
  // t = 0: μ = x̂_0 = x_0 (up to rounding) and σ² = β̃_1, so each pixel's bin probability is
  // Φ̃(1/(255σ)) − Φ̃(−1/(255σ)) (edge pixels: Φ̃(1/(255σ))); vb = mean −log₂ p.
  const sigma = Math.exp(0.5 * tables.posteriorLogVarClipped[0]), u = 1 / (255 * sigma);
  const x0 = d.x0.dataSync(), D = H * W * C;
  for (const b of [0, 5]) {
    let s = 0;
    for (let i = b * D; i < (b + 1) * D; i++) {
      const p = Math.abs(x0[i]) > 0.999
        ? approxStandardNormalCdf(u)
        : approxStandardNormalCdf(u) - approxStandardNormalCdf(-u);
      s -= Math.log2(p);
    }
    assert.ok(Math.abs(vb[b] - s / D) < 2e-3 * (s / D), `decoder NLL ${vb[b]} vs ${s / D}`);
  }
  assert.throws(() => hybridTerms(tables, d.noise, d.x0, d.noise, d.xt, t), /must be \[6,3,2, 4\]/);
});
