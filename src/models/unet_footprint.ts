/**
 * Parameter count and per-sample activation memory of the U-Net (src/models/unet.ts) from its options and
 * the image shape, without building it: the memory estimate of a run (src/suite/memory.ts) needs them
 * before any tensor exists. The walk mirrors the constructor and `apply` block by block;
 * `footprint_test.ts` checks the parameter count against built models and both activation counts against
 * the measured peaks of real passes.
 *
 * Two counts, in float32 values per sample, for the fused layers of src/models/layers/ (one kernel per
 * dense, conv, GroupNorm(+scale-shift)(+SiLU), pooling, upsampling and concat) under tfjs's engine rules:
 *
 * - `inference`: one forward pass without a tape (a sampling step) keeps every op output until its
 *   `tf.tidy` ends: the sum of all outputs (views such as reshapes cost nothing), at the moment a fused
 *   GroupNorm + SiLU also holds its pre-activation and sigmoid (the output norm's, as a rule).
 * - `activations` (training): the peak of `tf.variableGrads` over the loss, when the backward pass ends. The
 *   forward's outputs that some gradient saves stay (here: all of them except the attention's scaled
 *   scores, which Softmax's gradient does not keep), and every gradient of an activation stays until the
 *   backward pass ends (tfjs frees nothing inside `backward`). A tensor with k ≥ 2 consumers then holds
 *   every contribution but the first to arrive (the last consumer's; it is freed when the second arrives)
 *   that is new data, and their running sum; one with a single consumer holds its gradient unless that is a
 *   view (Add's and Reshape's gradients are).
 *   Gradient functions that compute values outside their per-input closures keep those too: a SiLU dense
 *   layer's six derivative terms and the zeros tfjs makes for its unused second output, Softmax's
 *   dy·y. Kernels' scratch buffers at that moment (a convolution's padded and transposed operands) are
 *   not counted: 2-7% more, measured (src/suite/memory.ts's SLACK covers them).
 * - `denseOutputs`: the output width of every dense layer (attention projections, time-embedding MLP, the
 *   blocks' embedding projections), per sample.
 *
 * @module
 */
import type { ModelFootprint } from "./denoiser.ts";
import type { UnetOptions } from "./unet.ts";

/** A tensor of the walk: per-sample size and the gradient contributions it receives. */
interface Node {
  size: number;
  /** One entry per consumer that needs its gradient, in forward order: true = new data, false = a view. */
  uses: boolean[];
}

/** Bookkeeping of one forward + backward pass (see the module doc). */
class Ledger {
  inference = 0;
  /** Highest value of `inference` plus a kernel's scratch buffers during the forward. */
  inferencePeak = 0;
  /** Output values per sample of the dense (matmul) layers whose weights get gradients. */
  denseOutputs = 0;
  saved = 0;
  /** Backward values that are not the gradient of a forward tensor (derivative terms, zeros). */
  extra = 0;
  readonly nodes: Node[] = [];

  /** A forward output of `size` values (saved for the backward pass unless `saved` is false). */
  out(size: number, saved = true): Node {
    this.inference += size;
    if (saved) this.saved += size;
    const n: Node = { size, uses: [] };
    this.nodes.push(n);
    return n;
  }

  /** A kernel that holds `size` values of scratch besides its outputs (after its output exists). */
  scratch(size: number): void {
    this.inferencePeak = Math.max(this.inferencePeak, this.inference + size);
  }

  /** A consumer of `n` that needs its gradient; `view`: the contribution shares another gradient's data. */
  use(n: Node, view = false): void {
    n.uses.push(!view);
  }

  /** Values per sample held when the backward pass ends. */
  training(): number {
    let grads = 0;
    for (const n of this.nodes) {
      // Backward order is the reverse of the forward's: the last consumer's contribution comes first and
      // is freed (or was a view) once the second arrives; later new contributions and the sum stay.
      const k = n.uses.length;
      if (k === 1) grads += n.uses[0] ? n.size : 0;
      else if (k >= 2) grads += (n.uses.slice(0, k - 1).filter((f) => f).length + 1) * n.size;
    }
    return this.saved + this.extra + grads;
  }
}

/** Parameters and per-sample activation counts of the U-Net on [h, w, channels] images. */
export function unetFootprint(o: UnetOptions, dataShape: readonly number[]): ModelFootprint {
  const [h, w, cData] = dataShape;
  const C = o.channels, E = o.timeEmbedMult * C, heads = o.attentionHeads;
  let params = 0, largest = 0;
  const weight = (size: number) => {
    largest = Math.max(largest, size);
    return size;
  };
  const conv = (k: number, cin: number, cout: number) => (params += weight(k * k * cin * cout) + cout);
  const linear = (cin: number, cout: number) => (params += weight(cin * cout) + cout);
  const norm = (c: number) => (params += 2 * c);
  const L = new Ledger();

  // A GroupNorm(+SiLU) output; its gradient (the kernel's ∂x) goes to `x`. Statistics: 2 per group. With
  // SiLU the forward holds z and σ(z) besides y while it runs (src/models/layers/fused_norm.ts).
  const gn = (x: Node, n: number, c: number, silu = true): Node => {
    L.use(x);
    L.saved += 2 * o.groups;
    const y = L.out(n * c);
    if (silu) L.scratch(2 * n * c);
    return y;
  };
  const conv2d = (x: Node, n: number, cout: number): Node => {
    L.use(x);
    return L.out(n * cout);
  };
  /** A linear layer on the embedding: output [cout], its ∂x to emb. */
  const embLinear = (emb: Node, cout: number): Node => {
    L.use(emb);
    L.denseOutputs += cout;
    return L.out(cout);
  };

  const res = (x: Node, n: number, emb: Node, cin: number, cout: number): Node => {
    norm(cin);
    conv(3, cin, cout);
    linear(E, cout);
    if (o.scaleShiftNorm) linear(E, cout);
    norm(cout);
    conv(3, cout, cout);
    if (cin !== cout) conv(1, cin, cout);
    let hh = conv2d(gn(x, n, cin), n, cout);
    if (o.scaleShiftNorm) {
      const s = embLinear(emb, cout), sh = embLinear(emb, cout);
      L.use(s);
      L.use(sh);
      hh = gn(hh, n, cout);
    } else {
      const e = embLinear(emb, cout);
      L.use(hh, true);
      L.use(e); // the sum over positions of the sum's gradient
      hh = gn(L.out(n * cout), n, cout);
    }
    hh = conv2d(hh, n, cout);
    L.use(hh, true);
    const skip = cin !== cout ? conv2d(x, n, cout) : x;
    L.use(skip, true);
    return L.out(n * cout);
  };

  const attn = (x: Node, n: number, c: number): Node => {
    norm(c);
    for (let i = 0; i < 4; i++) linear(c, c);
    const flat = gn(x, n, c, false); // reshapes are views: their gradients are views too
    L.denseOutputs += 4 * n * c;
    const proj = () => {
      L.use(flat);
      const y = L.out(n * c);
      if (heads === 1) return y;
      L.use(y); // the head transpose's gradient is a transpose (new data)
      return L.out(n * c);
    };
    const q = proj(), k = proj(), v = proj();
    L.use(q);
    L.use(k);
    const scores = L.out(heads * n * n);
    L.use(scores);
    const scaled = L.out(heads * n * n, false);
    L.use(scaled);
    L.extra += heads * n * n; // Softmax's gradient keeps dy·y
    const weights = L.out(heads * n * n);
    L.use(weights);
    L.use(v);
    let out = L.out(n * c);
    if (heads > 1) {
      L.use(out);
      out = L.out(n * c);
    }
    L.use(out);
    const y = L.out(n * c);
    L.use(y, true);
    L.use(x, true);
    return L.out(n * c);
  };

  // Inputs: x_t (saved by the first conv; no gradient), the noise (saved by the loss), the timesteps.
  L.saved += 2 * h * w * cData + 1;
  L.inference += h * w * cData + 1;
  // Time embedding: sinusoid of C (host) → Linear(C, E) + SiLU → Linear(E, E) + SiLU. A SiLU dense layer
  // saves y and z = the pre-activation; its backward keeps six derivative terms and the zeros for z.
  linear(C, E);
  linear(E, E);
  L.out(C);
  L.denseOutputs += 2 * E;
  const e1 = L.out(E);
  L.saved += E;
  L.use(e1);
  L.extra += 7 * E;
  const emb = L.out(E);
  L.saved += E;
  L.extra += 7 * E;

  conv(3, cData, C);
  let n = h * w, r = h, cur = C;
  let hh = L.out(n * C); // the first conv (x_t needs no gradient)
  const skips: { node: Node; c: number }[] = [{ node: hh, c: C }];
  const levels = o.channelMult.length;
  for (let l = 0; l < levels; l++) {
    for (let i = 0; i < o.numResBlocks; i++) {
      const cout = o.channelMult[l] * C;
      hh = res(hh, n, emb, cur, cout);
      cur = cout;
      if (o.attentionResolutions.includes(r)) hh = attn(hh, n, cur);
      skips.push({ node: hh, c: cur });
    }
    if (l < levels - 1) {
      L.use(hh);
      n /= 4;
      r /= 2;
      hh = L.out(n * cur); // avg-pool
      if (o.resample === "conv") {
        conv(3, cur, cur);
        hh = conv2d(hh, n, cur);
      }
      skips.push({ node: hh, c: cur });
    }
  }
  hh = res(hh, n, emb, cur, cur);
  if (o.midAttention) hh = attn(hh, n, cur);
  hh = res(hh, n, emb, cur, cur);
  for (let l = levels - 1; l >= 0; l--) {
    for (let i = 0; i <= o.numResBlocks; i++) {
      const skip = skips.pop()!;
      L.use(hh);
      L.use(skip.node);
      const cat = L.out(n * (cur + skip.c));
      const cout = o.channelMult[l] * C;
      hh = res(cat, n, emb, cur + skip.c, cout);
      cur = cout;
      if (o.attentionResolutions.includes(r)) hh = attn(hh, n, cur);
      if (l > 0 && i === o.numResBlocks) {
        L.use(hh);
        n *= 4;
        r *= 2;
        hh = L.out(n * cur); // nearest ×2
        if (o.resample === "conv") {
          conv(3, cur, cur);
          hh = conv2d(hh, n, cur);
        }
      }
    }
  }
  norm(cur);
  conv(3, cur, cData);
  const pred = conv2d(gn(hh, n, cur), n, cData);
  L.use(pred); // the loss's ∂pred
  // Per-sample loss, its weight and their gradients.
  L.saved += 2;
  L.extra += 2;
  return {
    params,
    activations: L.training(),
    inference: Math.max(L.inference, L.inferencePeak),
    denseOutputs: L.denseOutputs,
    largestParam: largest,
  };
}
