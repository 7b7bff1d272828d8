import assert from "node:assert/strict";
import { resolveSuite } from "./validate.ts";
import { planRuns } from "./expand.ts";
import { defaultRegistries } from "./registries.ts";
import { UsageError } from "../runtime/errors.ts";
import { unetFactory } from "../models/unet.ts";

const reg = defaultRegistries();

function suite(train: Record<string, unknown>, model: unknown = "unet") {
  return {
    name: "loss",
    datasets: ["digits8"],
    model,
    objectives: ["timestep"],
    k: [2],
    methods: ["uw"],
    seeds: 1,
    steps: 8,
    train: { batchSize: 4, ...train },
    eval: { samples: 10, referenceSamples: 10, metrics: ["fd"] },
  };
}

const problems = (s: unknown) => {
  try {
    resolveSuite(s, reg);
  } catch (e) {
    assert.ok(e instanceof UsageError);
    return e.message;
  }
  return "";
};

Deno.test('train.loss: absent and "eps" resolve to the same configs and ids as before the field existed', async () => {
  const absent = resolveSuite(suite({}), reg), eps = resolveSuite(suite({ loss: "eps" }), reg);
  // No `loss` key and no `learnSigma` option: ε-loss configs are byte-identical to the pre-hybrid ones.
  assert.deepEqual(Object.keys(absent.train).sort(), [
    "batchSize",
    "beta1",
    "beta2",
    "emaDecay",
    "lr",
    "steps",
  ]);
  assert.deepEqual(absent.models[0].options, unetFactory.defaults);
  const a = await planRuns(absent, reg), b = await planRuns(eps, reg);
  assert.deepEqual(a.map((r) => r.id), b.map((r) => r.id));
  assert.ok(a.every((r) => !("loss" in r.config.train)));
});

Deno.test('train.loss "hybrid": in every run config and its content id, with a learned-variance model', async () => {
  const hybrid = resolveSuite(suite({ loss: "hybrid" }, { id: "unet", options: { learnSigma: true } }), reg);
  const runs = await planRuns(hybrid, reg);
  assert.ok(runs.length === 3 && runs.every((r) => r.config.train.loss === "hybrid"));
  assert.ok(runs.every((r) => r.config.model.options.learnSigma === true));
  const eps = await planRuns(resolveSuite(suite({}), reg), reg);
  assert.ok(runs.every((r, i) => r.id !== eps[i].id));
  // DiT learns Σ by default.
  assert.equal(problems(suite({ loss: "hybrid" }, "dit")), "");
});

Deno.test("train.loss: the loss and the models' learned variance are checked against each other up front", () => {
  assert.match(
    problems(suite({ loss: "hybrid" })),
    /train\.loss: "hybrid" needs a model with learned variance; model "unet" has learnSigma false \(set model\.options\.learnSigma: true; models with it: unet, dit\)/,
  );
  assert.match(
    problems(suite({}, "dit")),
    /model\.options\.learnSigma: true needs train\.loss: "hybrid" \(got "eps"\)/,
  );
  assert.match(
    problems(suite({ loss: "hybrid" }, ["dit", "unet"])),
    /model\[1\] "unet" has learnSigma false/,
  );
  assert.match(problems(suite({ loss: "kl" })), /train\.loss: got "kl"; allowed: eps \| hybrid/);
  // The MLP has no learned variance: it is not among the models offered.
  assert.match(problems(suite({ loss: "hybrid" }, "mlp")), /models with it: unet, dit\)/);
});
