/**
 * MLP denoiser for 2-D toy data: ε_θ(x_t, t) = MLP([x_t, emb(t)]) with the sinusoidal time embedding of
 * src/models/time_embedding.ts.
 *
 * Layout (depth = number of hidden layers):
 *   h_1 = act(x W_x + emb(t) W_t + b_1)          (the first Linear over the concatenation [x, emb(t)],
 *                                                 with its weight split in two blocks: no concat needed)
 *   h_i = act(h_{i-1} W_i + b_i), i = 2..depth
 *   ε̂  = h_depth W_out + b_out
 * Weights are [in, out]. Initialisation mirrors PyTorch's nn.Linear default, U(±1/√fan_in) for weights and
 * biases, drawn from the run's "init" stream. With the defaults (hidden 128, depth 3, timeDim 32) the model
 * has 37,762 parameters.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser, ModelBuildContext, ModelFactory, ModelFootprint } from "./denoiser.ts";
import { timestepEmbedding } from "./time_embedding.ts";
import { fanInUniform } from "./init.ts";
import { dense } from "./layers/linear.ts";
import { Rng } from "../runtime/rng.ts";
import { badValue, unknownOptionProblems } from "../runtime/errors.ts";

/** Options of the MLP denoiser. */
export interface MlpOptions {
  hidden: number;
  depth: number;
  timeDim: number;
  activation: "relu" | "silu";
  [key: string]: unknown;
}

const DEFAULTS: MlpOptions = { hidden: 128, depth: 3, timeDim: 32, activation: "relu" };

class Mlp implements Denoiser {
  readonly id = "mlp";
  readonly dataShape: readonly number[];
  readonly variables: tf.Variable[];
  readonly #opts: MlpOptions;

  constructor(opts: MlpOptions, ctx: ModelBuildContext) {
    if (ctx.dataShape.length !== 1) {
      throw new RangeError(`mlp: data must be vectors (shape [d]); got shape [${ctx.dataShape.join(", ")}]`);
    }
    this.dataShape = [...ctx.dataShape];
    this.#opts = opts;
    const d = ctx.dataShape[0];
    const { hidden: H, depth, timeDim } = opts;
    const rng = new Rng(ctx.initSeed);
    const v = (size: number, fanIn: number, shape: number[]) => {
      const init = tf.tensor(fanInUniform(rng, size, fanIn), shape, "float32");
      const variable = tf.variable(init, true);
      init.dispose();
      return variable;
    };
    const fan1 = d + timeDim;
    const vars: tf.Variable[] = [
      v(d * H, fan1, [d, H]), // W_x
      v(timeDim * H, fan1, [timeDim, H]), // W_t
      v(H, fan1, [H]), // b_1
    ];
    for (let i = 1; i < depth; i++) {
      vars.push(v(H * H, H, [H, H]), v(H, H, [H]));
    }
    vars.push(v(H * d, H, [H, d]), v(d, H, [d]));
    this.variables = vars;
  }

  apply(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor {
    const { depth, timeDim, activation } = this.#opts;
    return tf.tidy(() => {
      const [wx, wt, b1] = this.variables;
      const emb = timestepEmbedding(t, timeDim);
      // [x, emb] · [W_x; W_t] + b_1 as one dense layer with two input blocks (no concat).
      let h = dense(x as tf.Tensor2D, wx, b1, activation, { x: emb, w: wt });
      let k = 3;
      for (let i = 1; i < depth; i++, k += 2) {
        h = dense(h, this.variables[k], this.variables[k + 1], activation);
      }
      return dense(h, this.variables[k], this.variables[k + 1]);
    });
  }

  paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function positiveInt(problems: string[], o: Record<string, unknown>, key: string, max: number): void {
  const x = o[key];
  if (!(typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= max)) {
    problems.push(badValue(key, x, `an integer in [1, ${max}]`));
  }
}

/**
 * Parameters and per-sample activation counts of the MLP for d-dimensional data (the
 * {@link ModelFootprint} rules; src/models/unet_footprint.ts explains them). With H = hidden, D = depth,
 * τ = timeDim, every layer one fused dense kernel (src/models/layers/linear.ts):
 *
 * - training, ReLU: 4·D·H + τ + 4d + 3. Per hidden layer its output y (saved), the two derivative terms
 *   its gradient function keeps (step(y), dy·step(y)) and y's gradient from the next layer; the inputs
 *   x_t, emb(t), noise, the prediction and its gradient; the loss, its weight and gradient.
 * - training, SiLU: 10·D·H + τ + 4d + 3: per layer y and z (both saved), six derivative terms, the zeros
 *   tfjs makes for the unused gradient of z, y's gradient.
 * - inference: max(3, D)·H + τ + 2d + 1 with ReLU, (D + 2)·H + τ + 2d + 1 with SiLU: the outputs, x_t,
 *   emb(t) and t, at the moment the kernels' scratch peaks (the first layer's two products and their sum;
 *   a SiLU layer's pre-activation and sigmoid besides its output).
 * - dense outputs: D·H + d; the largest weight: H × H (τ × H for one layer).
 */
export function mlpFootprint(o: MlpOptions, d: number): ModelFootprint {
  const H = o.hidden, D = o.depth, silu = o.activation === "silu";
  const params = (d + o.timeDim) * H + H + (D - 1) * (H * H + H) + H * d + d;
  const activations = (silu ? 10 : 4) * D * H + o.timeDim + 4 * d + 3;
  const inference = (silu ? D + 2 : Math.max(3, D)) * H + o.timeDim + 2 * d + 1;
  const largestParam = Math.max(D > 1 ? H * H : 0, o.timeDim * H, d * H);
  return { params, activations, inference, denseOutputs: D * H + d, largestParam };
}

/** The "mlp" model factory. */
export const mlpFactory: ModelFactory<MlpOptions> = {
  id: "mlp",
  description: "MLP denoiser with sinusoidal time embedding, for 2-D toy data",
  defaults: DEFAULTS,
  validate(o) {
    const problems: string[] = unknownOptionProblems(o, DEFAULTS);
    positiveInt(problems, o, "hidden", 4096);
    positiveInt(problems, o, "depth", 16);
    const td = o.timeDim;
    if (!(typeof td === "number" && Number.isInteger(td) && td >= 2 && td <= 1024 && td % 2 === 0)) {
      problems.push(badValue("timeDim", td, "an even integer in [2, 1024]"));
    }
    if (o.activation !== "relu" && o.activation !== "silu") {
      problems.push(badValue("activation", o.activation, `"relu" | "silu"`));
    }
    return problems;
  },
  build(options, ctx) {
    return new Mlp(options, ctx);
  },
  shapeProblems(_options, dataShape) {
    return dataShape.length === 1
      ? []
      : [`mlp: needs vector data (shape [d], e.g. the 2-D toys); got shape [${dataShape.join(", ")}]`];
  },
  footprint(options, dataShape) {
    return mlpFootprint(options, dataShape[0]);
  },
};
