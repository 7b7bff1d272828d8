/**
 * Validation and resolution of a suite: one pass over the raw value (from a JSON/YAML file or
 * `defineSuite`) that collects every problem with the path of the bad field, the value and what is
 * allowed, checks ids against the registries and component options with each factory's `validate()`,
 * and returns the suite with every default filled in. Nothing trains before this passes.
 *
 * @module
 */
import { SCHEDULE_IDS, type ScheduleId } from "../diffusion/schedule.ts";
import { badValue, throwIfProblems } from "../runtime/errors.ts";
import {
  type Component,
  DEFAULT_LOSS,
  type LatentConfig,
  LOSS_KINDS,
  lossKindOf,
  type RunConfig,
  type TimestepSampler,
} from "../train/types.ts";
import { type ExclusionSpec, SUITE_DEFAULTS } from "./schema.ts";
import type { SuiteRegistries } from "./registries.ts";
import { Checker, duplicates, isInt, isObject } from "./checker.ts";
import { checkLossAndModels } from "./validate_loss.ts";
import { resolveAffinitySource, type ResolvedAffinitySource } from "./affinity_source.ts";
import {
  checkEvalPoints,
  defaultEvalSteps,
  resolveHeadline,
  resolveVerdict,
  type VerdictSettings,
} from "./validate_report.ts";
import { resolveLatent } from "./validate_latent.ts";

/** A suite with every field resolved; the input of expansion (src/suite/expand.ts). */
export interface ResolvedSuite {
  /** Suite name. */
  name: string;
  /** Description ("" when none). */
  description: string;
  /** Datasets with resolved options. */
  datasets: Component[];
  /** Models with resolved options. */
  models: Component[];
  /** Noise schedule. */
  schedule: ScheduleId;
  /** Diffusion timesteps. */
  T: number;
  /** Clustering objective ids. */
  objectives: string[];
  /** Numbers of clusters. */
  k: number[];
  /** Timestep sampler. */
  sampler: TimestepSampler;
  /** A task-affinity file, or a source measured in phase 1 (src/suite/affinity_source.ts). */
  affinity?: string | ResolvedAffinitySource;
  /** Methods with resolved options. */
  methods: Component[];
  /** Seeds. */
  seeds: number[];
  /** Training steps per run. */
  steps: number;
  /** Training hyper-parameters. */
  train: RunConfig["train"];
  /** Evaluation settings (with the evaluation steps). */
  eval: RunConfig["eval"];
  /** Excluded run coordinates. */
  exclude: ExclusionSpec[];
  /** Whether the vanilla baselines are added. */
  baselines: boolean;
  /** Matched controls (vanilla, stratified sampler) per clustering; only added with the stratified sampler. */
  controls: boolean;
  /** Headline metric and verdict settings (report only: not part of any run config). */
  verdict: VerdictSettings;
  /** Requested backend. */
  backend: RunConfig["backend"];
  /** Regression-check settings. */
  regression: { alpha: number; defaultThreshold: number; thresholds: Record<string, number> };
  /** The latent space every run trains in (absent: data space). */
  latent?: LatentConfig;
}

const TOP_KEYS = [
  "name",
  "description",
  "datasets",
  "model",
  "schedule",
  "T",
  "objectives",
  "k",
  "sampler",
  "affinity",
  "methods",
  "seeds",
  "steps",
  "train",
  "eval",
  "exclude",
  "baselines",
  "controls",
  "verdict",
  "backend",
  "regression",
  "latent",
];
const TRAIN_KEYS = ["batchSize", "lr", "beta1", "beta2", "emaDecay", "loss"];
const EVAL_KEYS = [
  "at",
  "every",
  "samples",
  "referenceSamples",
  "sampler",
  "metrics",
  "useEma",
  "inception",
  "floorResamples",
  "headline",
  "minPoints",
];
const EVAL_SAMPLER_KEYS = ["kind", "steps", "eta"];
const EXCLUDE_KEYS = ["dataset", "model", "objective", "k", "method"];
const BACKENDS = ["auto", "webgpu", "native", "wasm", "cpu"] as const;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Validate a raw suite and resolve it. Throws a UsageError listing every problem (each naming the field
 * path, the value and what is allowed) when anything is wrong. `source` names the file in the message.
 */
export function resolveSuite(raw: unknown, registries: SuiteRegistries, source = "suite"): ResolvedSuite {
  const c = new Checker();
  if (!isObject(raw)) {
    throwIfProblems(source, [
      badValue("(suite)", raw, "an object with name, datasets, objectives, k, methods, seeds, steps"),
    ]);
  }
  const s = raw as Record<string, unknown>;
  c.unknownKeys("", s, TOP_KEYS);
  for (const key of ["name", "datasets", "objectives", "k", "methods", "seeds", "steps"]) {
    if (s[key] === undefined) c.problems.push(`${key}: missing (required)`);
  }

  let name = "unnamed";
  if (s.name !== undefined) {
    if (typeof s.name === "string" && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(s.name)) name = s.name;
    else {c.add(
        "name",
        s.name,
        "lowercase letters, digits, '-' and '_' (1-64 characters, starting alphanumeric)",
      );}
  }
  let description = "";
  if (s.description !== undefined) {
    if (typeof s.description === "string") description = s.description;
    else c.add("description", s.description, "a string");
  }

  const datasets = s.datasets === undefined
    ? []
    : c.list("datasets", s.datasets, (p, v) => c.component(p, v, registries.datasets, "dataset"));
  const modelRaw = s.model === undefined ? SUITE_DEFAULTS.model : s.model;
  const models = Array.isArray(modelRaw)
    ? c.list("model", modelRaw, (p, v) => c.component(p, v, registries.models, "model"))
    : [c.component("model", modelRaw, registries.models, "model")].filter((m): m is Component => m !== null);
  const schedule = c.oneOf("schedule", s.schedule, SCHEDULE_IDS, SUITE_DEFAULTS.schedule);
  const T = c.int("T", s.T, SUITE_DEFAULTS.T, 2, 100_000);

  const objectiveIds = [...registries.objectives].filter((o) => o !== "none");
  const objectives = s.objectives === undefined ? [] : c.list("objectives", s.objectives, (p, v) => {
    if (typeof v !== "string" || !objectiveIds.includes(v)) {
      c.add(
        p,
        v,
        objectiveIds.join(" | ") + (v === "none" ? ' ("none" is the automatic vanilla baseline)' : ""),
      );
      return null;
    }
    return v;
  });
  const ks = s.k === undefined ? [] : c.list("k", s.k, (p, v) => {
    if (!isInt(v, 2, T)) {
      c.add(p, v, `an integer in [2, T = ${T}] (k = 1 is the automatic vanilla baseline)`);
      return null;
    }
    return v;
  });
  const sampler = c.oneOf("sampler", s.sampler, ["uniform", "stratified"] as const, SUITE_DEFAULTS.sampler);
  const methods = s.methods === undefined
    ? []
    : c.list("methods", s.methods, (p, v) => c.component(p, v, registries.methods, "method"));

  let seeds: number[] = [];
  if (typeof s.seeds === "number") {
    if (isInt(s.seeds, 1, 1000)) seeds = Array.from({ length: s.seeds }, (_, i) => i);
    else c.add("seeds", s.seeds, "a list of non-negative integers or a count in [1, 1000]");
  } else if (s.seeds !== undefined) {
    seeds = c.list("seeds", s.seeds, (p, v) => {
      if (!isInt(v, 0)) {
        c.add(p, v, "a non-negative integer");
        return null;
      }
      return v;
    });
  }
  const steps = s.steps === undefined ? 1 : c.int("steps", s.steps, 1, 1, 100_000_000);

  // The affinity: a file, or a source measured in phase 1 (its checkpoints must lie within `steps`).
  let affinity: string | ResolvedAffinitySource | undefined;
  if (s.affinity !== undefined) {
    if (typeof s.affinity === "string" && s.affinity !== "") affinity = s.affinity;
    else if (isObject(s.affinity)) {
      affinity = resolveAffinitySource(c, s.affinity, steps, T);
      if (!objectives.includes("gradient")) {
        c.problems.push(
          `affinity: a source is given but objectives has no "gradient" (nothing would use the matrices)`,
        );
      }
    } else {
      c.add(
        "affinity",
        s.affinity,
        'a path to a task-affinity matrix (.json or .npy), or a source {from: "vanilla", checkpoints: ' +
          "[steps], grid?, subset?, batch?, mode?, sketchDim?}",
      );
    }
  }
  if (objectives.includes("gradient") && affinity === undefined) {
    c.problems.push(
      `affinity: missing; the "gradient" objective in objectives needs a task-affinity matrix path or a ` +
        `source {from: "vanilla", checkpoints: [...]}`,
    );
  }

  const trainRaw = s.train === undefined ? {} : s.train;
  const d = SUITE_DEFAULTS;
  let train: RunConfig["train"] = { steps, ...d.train };
  if (!isObject(trainRaw)) c.add("train", trainRaw, "an object (leave the field out for the defaults)");
  else {
    c.unknownKeys("train", trainRaw, TRAIN_KEYS);
    const unit = (x: number) => x >= 0 && x < 1;
    train = {
      steps,
      batchSize: c.int("train.batchSize", trainRaw.batchSize, d.train.batchSize, 1, 1_000_000),
      lr: c.num("train.lr", trainRaw.lr, d.train.lr, (x) => x > 0 && x <= 10, "a number in (0, 10]"),
      beta1: c.num("train.beta1", trainRaw.beta1, d.train.beta1, unit, "a number in [0, 1)"),
      beta2: c.num("train.beta2", trainRaw.beta2, d.train.beta2, unit, "a number in [0, 1)"),
      emaDecay: c.num(
        "train.emaDecay",
        trainRaw.emaDecay,
        d.train.emaDecay,
        unit,
        "a number in [0, 1) (0 = no EMA)",
      ),
    };
    // Written only when not "eps": ε-loss configs (and content ids) are those from before the hybrid loss.
    const loss = c.oneOf("train.loss", trainRaw.loss, LOSS_KINDS, DEFAULT_LOSS);
    if (loss !== DEFAULT_LOSS) train.loss = loss;
  }
  checkLossAndModels(c, lossKindOf(train), models, registries.models);

  // ANT's stratified sampler gives each of the k clusters B / k samples of every batch.
  if (sampler === "stratified" && objectives.length > 0) {
    const B = train.batchSize;
    const bad = ks.filter((k) => B % k !== 0);
    if (bad.length > 0) {
      const lcm = bad.reduce((a, b) => (a * b) / gcd(a, b), 1);
      const up = Math.ceil(B / lcm) * lcm, down = Math.floor(B / lcm) * lcm;
      c.add(
        "train.batchSize",
        B,
        `${B < Math.max(...bad) ? `at least k = ${Math.max(...bad)} and ` : ""}a multiple of every k with ` +
          `sampler "stratified", which gives each of the k clusters batchSize / k samples (k = ${
            bad.join(", ")
          } do${bad.length === 1 ? "es" : ""} not divide ${B}; e.g. ${
            down >= lcm ? `${down} or ` : ""
          }${up}, ` +
          `or sampler: "uniform")`,
      );
    }
  }

  const evalRaw = s.eval === undefined ? {} : s.eval;
  let headline: string = d.eval.metrics[0];
  let evalCfg: RunConfig["eval"] = {
    at: defaultEvalSteps(steps),
    samples: d.eval.samples,
    referenceSamples: d.eval.referenceSamples,
    sampler: { ...d.eval.sampler },
    metrics: [...d.eval.metrics],
    useEma: d.eval.useEma,
    floorResamples: d.eval.floorResamples,
  };
  if (!isObject(evalRaw)) c.add("eval", evalRaw, "an object (leave the field out for the defaults)");
  else {
    c.unknownKeys("eval", evalRaw, EVAL_KEYS);
    let at: number[] = [];
    let atSource: "eval.at" | "eval.every" | "default" = "default";
    const problemsBefore = c.problems.length;
    if (evalRaw.at !== undefined && evalRaw.every !== undefined) {
      c.problems.push("eval: give either eval.at or eval.every, not both");
    } else if (evalRaw.at !== undefined) {
      atSource = "eval.at";
      at = c.list("eval.at", evalRaw.at, (p, v) => {
        if (!isInt(v, 1, steps)) {
          c.add(p, v, `an integer in [1, steps = ${steps}]`);
          return null;
        }
        return v;
      });
      for (let i = 1; i < at.length; i++) {
        if (at[i] <= at[i - 1]) {
          c.add(`eval.at[${i}]`, at[i], `a step greater than eval.at[${i - 1}] = ${at[i - 1]} (ascending)`);
          break;
        }
      }
    } else if (evalRaw.every !== undefined) {
      atSource = "eval.every";
      const every = c.int("eval.every", evalRaw.every, steps, 1, steps);
      for (let x = every; x < steps; x += every) at.push(x);
    } else at = defaultEvalSteps(steps);
    if (at[at.length - 1] !== steps) at.push(steps);
    // Too few points is only worth saying when the list itself was valid.
    checkEvalPoints(
      c,
      at,
      steps,
      evalRaw.minPoints,
      c.problems.length === problemsBefore ? atSource : "default",
      atSource === "eval.every" ? evalRaw.every : evalRaw.at,
    );
    const samplerRaw = evalRaw.sampler === undefined ? {} : evalRaw.sampler;
    let evalSampler: RunConfig["eval"]["sampler"] = { ...d.eval.sampler };
    if (!isObject(samplerRaw)) c.add("eval.sampler", samplerRaw, "an object {kind, steps, eta}");
    else {
      c.unknownKeys("eval.sampler", samplerRaw, EVAL_SAMPLER_KEYS);
      evalSampler = {
        kind: c.oneOf("eval.sampler.kind", samplerRaw.kind, ["ddpm", "ddim"] as const, d.eval.sampler.kind),
        steps: c.int("eval.sampler.steps", samplerRaw.steps, Math.min(d.eval.sampler.steps, T), 1, T),
        eta: c.num(
          "eval.sampler.eta",
          samplerRaw.eta,
          d.eval.sampler.eta,
          (x) => x >= 0 && x <= 1,
          "a number in [0, 1]",
        ),
      };
    }
    const metrics = evalRaw.metrics === undefined
      ? [...d.eval.metrics]
      : c.list("eval.metrics", evalRaw.metrics, (p, v) => {
        if (typeof v !== "string" || !registries.metrics.has(v)) {
          c.add(p, v, [...registries.metrics].join(" | "));
          return null;
        }
        return v;
      });
    for (const dup of duplicates(metrics, (m) => m)) {
      c.problems.push(`eval.metrics: ${JSON.stringify(dup)} listed twice`);
    }
    headline = resolveHeadline(c, evalRaw.headline, metrics);
    evalCfg = {
      at,
      samples: c.int("eval.samples", evalRaw.samples, d.eval.samples, 2, 10_000_000),
      referenceSamples: c.int(
        "eval.referenceSamples",
        evalRaw.referenceSamples,
        d.eval.referenceSamples,
        2,
        10_000_000,
      ),
      sampler: evalSampler,
      metrics,
      useEma: c.bool("eval.useEma", evalRaw.useEma, d.eval.useEma),
      floorResamples: c.int("eval.floorResamples", evalRaw.floorResamples, d.eval.floorResamples, 0, 1000),
    };
    if (evalRaw.inception !== undefined) {
      if (typeof evalRaw.inception === "string" && evalRaw.inception.endsWith(".json")) {
        evalCfg.inception = evalRaw.inception;
      } else c.add("eval.inception", evalRaw.inception, "the path of a tfjs Inception-v3 model.json");
    }
  }

  // Metrics that need something of the dataset (nll: an exact density).
  for (const m of evalCfg.metrics) {
    for (const ds of datasets) {
      const problem = registries.metricSupport?.(m, ds.id);
      if (problem) {
        c.problems.push(`eval.metrics: ${JSON.stringify(m)} on dataset ${JSON.stringify(ds.id)}: ${problem}`);
      }
    }
  }
  const baselines = c.bool("baselines", s.baselines, d.baselines);
  const controls = c.bool("controls", s.controls, d.controls);
  const verdict = resolveVerdict(c, s.verdict, headline);
  const backend = c.oneOf("backend", s.backend, BACKENDS, d.backend);
  const latent = resolveLatent(c, s.latent, datasets, registries);

  const regressionRaw = s.regression === undefined ? {} : s.regression;
  const regression: ResolvedSuite["regression"] = {
    alpha: d.regression.alpha,
    defaultThreshold: d.regression.defaultThreshold,
    thresholds: {},
  };
  if (!isObject(regressionRaw)) c.add("regression", regressionRaw, "an object {alpha, thresholds}");
  else {
    c.unknownKeys("regression", regressionRaw, ["alpha", "thresholds"]);
    regression.alpha = c.num(
      "regression.alpha",
      regressionRaw.alpha,
      d.regression.alpha,
      (x) => x > 0 && x < 1,
      "a number in (0, 1)",
    );
    const th = regressionRaw.thresholds;
    if (th !== undefined) {
      if (!isObject(th)) c.add("regression.thresholds", th, "an object {metric key: relative threshold}");
      else {
        for (const [key, v] of Object.entries(th)) {
          regression.thresholds[key] = c.num(
            `regression.thresholds.${key}`,
            v,
            NaN,
            (x) => x >= 0,
            "a number >= 0",
          );
        }
      }
    }
  }

  // Duplicates make run coordinates ambiguous.
  const compKey = (x: Component) => JSON.stringify([x.id, x.options]);
  for (const [path, list] of [["datasets", datasets], ["model", models], ["methods", methods]] as const) {
    for (const dup of duplicates(list, compKey)) c.problems.push(`${path}: ${dup} listed twice`);
  }
  for (const dup of duplicates(objectives, (x) => x)) {
    c.problems.push(`objectives: ${JSON.stringify(dup)} listed twice`);
  }
  for (const dup of duplicates(ks, String)) c.problems.push(`k: ${dup} listed twice`);
  for (const dup of duplicates(seeds, String)) c.problems.push(`seeds: ${dup} listed twice`);

  const exclude = s.exclude === undefined ? [] : c.list("exclude", s.exclude, (p, v) => {
    if (!isObject(v)) {
      c.add(p, v, `an object with some of ${EXCLUDE_KEYS.join(", ")}`);
      return null;
    }
    c.unknownKeys(p, v, EXCLUDE_KEYS);
    if (Object.keys(v).length === 0) c.problems.push(`${p}: empty exclusion (it would exclude every run)`);
    const check = (key: string, allowed: readonly (string | number)[]) => {
      if (v[key] !== undefined && !allowed.includes(v[key] as string | number)) {
        c.add(`${p}.${key}`, v[key], `a value used by this suite: ${allowed.join(" | ")}`);
      }
    };
    check("dataset", datasets.map((x) => x.id));
    check("model", models.map((x) => x.id));
    check("objective", baselines ? ["none", ...objectives] : objectives);
    check("k", baselines ? [1, ...ks] : ks);
    const methodIds = methods.map((x) => x.id);
    check(
      "method",
      baselines || (controls && sampler === "stratified") ? ["vanilla", ...methodIds] : methodIds,
    );
    return v as ExclusionSpec;
  }, true);

  throwIfProblems(source, c.problems);
  return {
    name,
    description,
    datasets,
    models,
    schedule,
    T,
    objectives,
    k: ks,
    sampler,
    ...(affinity === undefined ? {} : { affinity }),
    methods,
    seeds,
    steps,
    train,
    eval: evalCfg,
    exclude,
    baselines,
    controls,
    verdict,
    backend,
    regression,
    ...(latent ? { latent } : {}),
  };
}
