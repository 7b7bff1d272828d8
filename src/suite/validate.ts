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
import type { Component, RunConfig, TimestepSampler } from "../train/types.ts";
import { type ExclusionSpec, SUITE_DEFAULTS } from "./schema.ts";
import type { OptionedEntry, SuiteRegistries } from "./registries.ts";

/** A suite with every field resolved; the input of expansion (src/suite/expand.ts). */
export interface ResolvedSuite {
  name: string;
  description: string;
  datasets: Component[];
  models: Component[];
  schedule: ScheduleId;
  T: number;
  objectives: string[];
  k: number[];
  sampler: TimestepSampler;
  affinity?: string;
  methods: Component[];
  seeds: number[];
  steps: number;
  train: RunConfig["train"];
  eval: RunConfig["eval"];
  exclude: ExclusionSpec[];
  baselines: boolean;
  backend: RunConfig["backend"];
  regression: { alpha: number; defaultThreshold: number; thresholds: Record<string, number> };
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
  "backend",
  "regression",
];
const TRAIN_KEYS = ["batchSize", "lr", "beta1", "beta2", "emaDecay"];
const EVAL_KEYS = ["at", "every", "samples", "referenceSamples", "sampler", "metrics", "useEma", "inception"];
const EVAL_SAMPLER_KEYS = ["kind", "steps", "eta"];
const EXCLUDE_KEYS = ["dataset", "model", "objective", "k", "method"];
const BACKENDS = ["auto", "webgpu", "native", "wasm", "cpu"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

function range(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
}

/** Collects problems while resolving; every check is applied so that all problems are listed at once. */
class Checker {
  readonly problems: string[] = [];

  add(path: string, value: unknown, allowed: string): void {
    this.problems.push(badValue(path, value, allowed));
  }

  unknownKeys(path: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const p = path ? `${path}.${key}` : key;
        this.problems.push(`${p}: unknown field; allowed fields: ${known.join(", ")}`);
      }
    }
  }

  int(path: string, v: unknown, fallback: number, min: number, max?: number): number {
    if (v === undefined) return fallback;
    if (!isInt(v, min, max)) {
      this.add(path, v, range(min, max ?? Number.MAX_SAFE_INTEGER));
      return fallback;
    }
    return v;
  }

  num(path: string, v: unknown, fallback: number, ok: (x: number) => boolean, allowed: string): number {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
      this.add(path, v, allowed);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], fallback: T): T {
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.add(path, v, allowed.join(" | "));
      return fallback;
    }
    return v as T;
  }

  bool(path: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") {
      this.add(path, v, "true | false");
      return fallback;
    }
    return v;
  }

  /** Resolve `string | {id, options}` against a registry; options are merged over defaults and validated. */
  component(
    path: string,
    v: unknown,
    registry: ReadonlyMap<string, OptionedEntry>,
    kind: string,
  ): Component | null {
    let id: unknown;
    let options: unknown = {};
    let idPath = path;
    if (typeof v === "string") id = v;
    else if (isObject(v)) {
      this.unknownKeys(path, v, ["id", "options"]);
      id = v.id;
      idPath = `${path}.id`;
      if (v.options !== undefined) options = v.options;
    } else {
      this.add(path, v, `a ${kind} id or {id, options}`);
      return null;
    }
    if (typeof id !== "string" || !registry.has(id)) {
      this.add(idPath, id, [...registry.keys()].join(" | "));
      return null;
    }
    if (!isObject(options)) {
      this.add(`${path}.options`, options, "an object of option values");
      return null;
    }
    const entry = registry.get(id)!;
    const merged = { ...(entry.defaults as Record<string, unknown>), ...options };
    for (const p of entry.validate(merged)) this.problems.push(`${path}.options.${p}`);
    return { id, options: merged };
  }

  list<T>(path: string, v: unknown, item: (path: string, v: unknown) => T | null, allowEmpty = false): T[] {
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) {
      this.add(path, v, allowEmpty ? "a list" : "a non-empty list");
      return [];
    }
    const out: T[] = [];
    v.forEach((x, i) => {
      const r = item(`${path}[${i}]`, x);
      if (r !== null) out.push(r);
    });
    return out;
  }
}

function duplicates<T>(xs: T[], key: (x: T) => string): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of xs) {
    const k = key(x);
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return [...dup];
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
  const modelRaw = s.model ?? SUITE_DEFAULTS.model;
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
  let affinity: string | undefined;
  if (s.affinity !== undefined) {
    if (typeof s.affinity === "string" && s.affinity !== "") affinity = s.affinity;
    else c.add("affinity", s.affinity, "a path to a task-affinity matrix (.json or .npy)");
  }
  if (objectives.includes("gradient") && affinity === undefined) {
    c.problems.push(
      `affinity: missing; the "gradient" objective in objectives needs a task-affinity matrix path`,
    );
  }
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

  const trainRaw = s.train ?? {};
  const d = SUITE_DEFAULTS;
  let train: RunConfig["train"] = { steps, ...d.train };
  if (!isObject(trainRaw)) c.add("train", trainRaw, "an object");
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
  }

  const evalRaw = s.eval ?? {};
  let evalCfg: RunConfig["eval"] = {
    at: [steps],
    samples: d.eval.samples,
    referenceSamples: d.eval.referenceSamples,
    sampler: { ...d.eval.sampler },
    metrics: [...d.eval.metrics],
    useEma: d.eval.useEma,
  };
  if (!isObject(evalRaw)) c.add("eval", evalRaw, "an object");
  else {
    c.unknownKeys("eval", evalRaw, EVAL_KEYS);
    let at: number[] = [];
    if (evalRaw.at !== undefined && evalRaw.every !== undefined) {
      c.problems.push("eval: give either eval.at or eval.every, not both");
    } else if (evalRaw.at !== undefined) {
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
      const every = c.int("eval.every", evalRaw.every, steps, 1, steps);
      for (let x = every; x < steps; x += every) at.push(x);
    }
    if (at[at.length - 1] !== steps) at.push(steps);
    const samplerRaw = evalRaw.sampler ?? {};
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
    };
    if (evalRaw.inception !== undefined) {
      if (typeof evalRaw.inception === "string" && evalRaw.inception.endsWith(".json")) {
        evalCfg.inception = evalRaw.inception;
      } else c.add("eval.inception", evalRaw.inception, "the path of a tfjs Inception-v3 model.json");
    }
  }

  const baselines = c.bool("baselines", s.baselines, d.baselines);
  const backend = c.oneOf("backend", s.backend, BACKENDS, d.backend);

  const regressionRaw = s.regression ?? {};
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
    check("method", baselines ? ["vanilla", ...methods.map((x) => x.id)] : methods.map((x) => x.id));
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
    backend,
    regression,
  };
}
