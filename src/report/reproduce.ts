/**
 * Reproduction check: the runs of a fresh suite directory against the published results of the same suite
 * (reports/<suite>/), run by run, and one verdict line. `deno task bench` prints it after a fresh run;
 * `deno task cli reproduce PUBLISHED DIR` prints it for any two directories.
 *
 * Runs are matched by their resolved config (the content id also hashes the antbench version, so a
 * version bump alone does not lose the match). A pair is **bit-identical** when everything a run computes
 * (status, clusters, convergence curve, final metrics, floors, training losses, method diagnostics) is
 * equal as stored JSON; timing and environment never count.
 *
 * Bit-identity is expected only where the numbers come from the same code on the same kernels: the same
 * antbench, Deno/V8 and tfjs versions, the same tfjs backend (and WebGPU adapter, and wasm SIMD setting),
 * for the native backend the same OpenBLAS core, oneDNN version and thread count, and for backends whose
 * kernels depend on the CPU (OpenBLAS picks its kernels per CPU type, oneDNN its ISA) the same CPU model. Where these agree, a difference is a reproducibility failure (exit 1); where they differ, the
 * check reports how large the differences are and whether the report's verdicts still agree, and a
 * difference is expected (exit 0).
 *
 * @module
 */
import type { RunConfig, RunResult } from "../train/types.ts";
import { canonicalJson } from "../suite/content_id.ts";
import { readAllResults, runDir } from "../suite/store.ts";
import { runLabel } from "../suite/runner.ts";
import { splitBySuite } from "./membership.ts";
import { aggregate, type Group } from "./aggregate.ts";
import { reportSettings } from "./settings.ts";

/** Backends whose kernels are the same on every CPU (portable wasm, JavaScript). */
const CPU_INDEPENDENT_BACKENDS: readonly string[] = ["wasm", "cpu"];

/** One metric of one run pair that differs. */
export interface MetricDifference {
  /** Metric key, e.g. "mmd-data". */
  key: string;
  /** Final value in the published run. */
  published: number | null;
  /** Final value in the new run. */
  local: number | null;
  /** (local − published) / |published| (null when either is missing). */
  relative: number | null;
}

/** A matched run pair. */
export interface RunComparison {
  /** Content id of the new run. */
  id: string;
  /** Content id of the published run (differs from `id` across antbench versions). */
  publishedId: string;
  /** Short human label, e.g. "checkerboard/mlp snr k=5 uw seed 1". */
  label: string;
  /** Everything the run computed is equal. */
  identical: boolean;
  /** Final metrics that differ (empty when identical or when only other fields differ). */
  metrics: MetricDifference[];
  /** Largest relative difference over the stored training-loss curve (0 when equal). */
  lossMaxRelative: number;
  /** Fields of the result that differ (e.g. "curve", "loss", "status"). */
  fields: string[];
}

/** The facts that decide whether bit-identity is expected. */
export interface BitEnvironment {
  /** antbench version (from the run's config.json). */
  antbench: string | null;
  /** Deno version. */
  deno: string | null;
  /** V8 version. */
  v8: string | null;
  /** tfjs-core version (with the backend package's when it differs). */
  tfjs: string | null;
  /** tfjs backend. */
  backend: string | null;
  /** WebGPU adapter description (webgpu only). */
  adapter: string | null;
  /** wasm SIMD build (wasm only). */
  wasmSimd: boolean | null;
  /**
   * native only: the libraries and kernel set that ran the GEMMs and convolutions (OpenBLAS version, its
   * core, e.g. "Haswell", oneDNN's version, the convolution library, threads), all of which change bits.
   */
  kernels: string | null;
  /** CPU model, for backends whose kernels depend on it (null for wasm and cpu). */
  cpuModel: string | null;
}

/** Result of {@link compareReproduction}. */
export interface Reproduction {
  /** Directory of the published results. */
  publishedDir: string;
  /** Directory of the new results. */
  localDir: string;
  /** Matched run pairs, in the new directory's run order. */
  runs: RunComparison[];
  /** Planned runs of the new directory with no published counterpart. */
  unmatched: string[];
  /** New runs that have no ok result (failed or missing). */
  notOk: string[];
  /** Environment of the new runs and of the published ones (of the first run of each). */
  environment: { local: BitEnvironment | null; published: BitEnvironment | null; differences: string[] };
  /** Headline verdicts (per row and comparison) that agree / exist in both reports. */
  verdicts: { agree: number; total: number; disagreements: string[] };
  /**
   * "identical": every matched run bit-identical; "expected-differences": runs differ and so does the
   * environment; "differs": runs differ although the environment is the same; "nothing": no run matched.
   */
  outcome: "identical" | "expected-differences" | "differs" | "nothing";
  /** The verdict line. */
  line: string;
  /** One line per differing run (at most `maxDetails`), then a count of the rest. */
  details: string[];
  /** 0: reproduced, or differences explained by the environment; 1: a difference on the same environment. */
  exitCode: 0 | 1;
}

/** Fields of a result that carry computed numbers (everything but id, config, timing, environment). */
const COMPUTED_FIELDS = [
  "status",
  "error",
  "clusters",
  "curve",
  "final",
  "floors",
  "metricSettings",
  "loss",
  "method",
  "paramCount",
] as const;

/** The config without the suite's name: what makes two runs the same run. */
function matchKey(c: RunConfig): string {
  const { suite: _suite, ...rest } = c;
  return canonicalJson(rest);
}

async function readAntbenchVersion(dir: string): Promise<string | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(`${dir}/config.json`)).antbench;
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

/** The bit-relevant environment of a stored result. */
export function bitEnvironment(r: RunResult, antbench: string | null): BitEnvironment {
  const e = r.environment as Record<string, unknown>;
  const obj = (v: unknown) => (v !== null && typeof v === "object" ? v as Record<string, unknown> : {});
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const backend = str(obj(e.backend).name) ?? str(e.tfjsBackend);
  const tfjs = obj(e.tfjs);
  const pkg = backend && backend in tfjs ? str(tfjs[backend]) : null;
  const core = str(tfjs.core);
  return {
    antbench,
    deno: str(e.deno),
    v8: str(e.v8),
    tfjs: core === null ? null : pkg && pkg !== core ? `${core} (${backend} ${pkg})` : core,
    backend,
    adapter: backend === "webgpu" ? str(obj(e.adapter).description) : null,
    wasmSimd: backend === "wasm" && typeof obj(e.wasm).simd === "boolean"
      ? obj(e.wasm).simd as boolean
      : null,
    kernels: backend === "native" ? nativeKernels(obj(e.native)) : null,
    cpuModel: backend !== null && !CPU_INDEPENDENT_BACKENDS.includes(backend) ? str(e.cpuModel) : null,
  };
}

/** "OpenBLAS 0.3.21 core Haswell, oneDNN 3.0.0, conv onednn, 1 thread" from a fingerprint's `native`. */
function nativeKernels(n: Record<string, unknown>): string | null {
  const o = n.openblas as Record<string, unknown> | undefined;
  if (!o) return null;
  const version = typeof o.config === "string" ? o.config.split(" ").slice(0, 2).join(" ") : "OpenBLAS";
  const d = n.onednn as Record<string, unknown> | null | undefined;
  const threads = typeof n.threads === "number" ? n.threads : "?";
  return `${version} core ${String(o.coreName ?? "?")}, ${
    d ? `oneDNN ${String(d.version ?? "?")}` : "no oneDNN"
  }, ` +
    `conv ${String(n.conv ?? "?")}, ${threads} thread${threads === 1 ? "" : "s"}`;
}

const ENV_LABELS: Record<keyof BitEnvironment, string> = {
  antbench: "antbench",
  deno: "Deno",
  v8: "V8",
  tfjs: "tfjs",
  backend: "backend",
  adapter: "WebGPU adapter",
  wasmSimd: "wasm SIMD",
  kernels: "native kernels",
  cpuModel: "CPU",
};

/** Human differences between two environments ("backend native vs wasm"), in a fixed order. */
export function environmentDifferences(local: BitEnvironment, published: BitEnvironment): string[] {
  const out: string[] = [];
  for (const k of Object.keys(ENV_LABELS) as (keyof BitEnvironment)[]) {
    if (local[k] !== published[k]) {
      // null means "not applicable" for the backend-specific facts, "not recorded" for the versions.
      const none = k === "adapter" || k === "wasmSimd" || k === "kernels" || k === "cpuModel"
        ? "n/a"
        : "unknown";
      out.push(
        `${ENV_LABELS[k]} ${String(local[k] ?? none)} here vs ${String(published[k] ?? none)}`,
      );
    }
  }
  return out;
}

function relDiff(a: number, b: number): number {
  if (a === b) return 0;
  const d = Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  return Number.isFinite(d) ? d : Infinity;
}

/** Compare one pair of results. */
export function comparePair(local: RunResult, published: RunResult): Omit<RunComparison, "publishedId"> {
  const fields = COMPUTED_FIELDS.filter((f) =>
    canonicalJson((local as unknown as Record<string, unknown>)[f] ?? null) !==
      canonicalJson((published as unknown as Record<string, unknown>)[f] ?? null)
  );
  const keys = [...new Set([...Object.keys(published.final ?? {}), ...Object.keys(local.final ?? {})])]
    .sort();
  const metrics: MetricDifference[] = [];
  for (const key of keys) {
    const p = published.final?.[key] ?? null, l = local.final?.[key] ?? null;
    if (p === l) continue;
    metrics.push({
      key,
      published: p,
      local: l,
      relative: p === null || l === null ? null : p === 0 ? (l === 0 ? 0 : Infinity) : (l - p) / Math.abs(p),
    });
  }
  const lv = local.loss?.values ?? [], pv = published.loss?.values ?? [];
  let lossMaxRelative = lv.length === pv.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(lv.length, pv.length); i++) {
    lossMaxRelative = Math.max(lossMaxRelative, relDiff(lv[i], pv[i]));
  }
  return {
    id: local.id,
    label: runLabel(local.config),
    identical: fields.length === 0,
    metrics,
    lossMaxRelative,
    fields,
  };
}

/** Signed relative difference as a short percentage or exponent, e.g. "+0.012%" or "-3.1e-7". */
export function formatRelative(r: number | null): string {
  if (r === null) return "missing";
  if (!Number.isFinite(r)) return "∞";
  const a = Math.abs(r);
  const sign = r < 0 ? "-" : "+";
  if (a === 0) return "0";
  if (a < 1e-4) return `${sign}${a.toExponential(1)}`;
  return `${sign}${Number((100 * a).toPrecision(2))}%`;
}

/** Verdict words of every row and comparison of the groups' headline metric, by row label. */
function verdictWords(groups: readonly Group[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of groups) {
    for (const r of g.rows) {
      for (const [against, v] of Object.entries(r.verdicts)) {
        if (v) out.set(`${g.title} / ${r.label} vs ${against}`, v.word);
      }
    }
  }
  return out;
}

/** Options of {@link compareReproduction}. */
export interface ReproductionOptions {
  /** The planned run ids of the new directory (default: from its suite.json). */
  runIds?: readonly string[];
  /** Differing runs listed in `details` (default 10). */
  maxDetails?: number;
}

/**
 * Compare the runs of `localDir` (the suite's planned runs) with the published results in
 * `publishedDir`, and phrase the verdict.
 */
export async function compareReproduction(
  publishedDir: string,
  localDir: string,
  opts: ReproductionOptions = {},
): Promise<Reproduction> {
  const localPlan = await splitBySuite(localDir, await readAllResults(localDir), opts.runIds);
  // Every published result takes part (its suite.json may plan other ids under this antbench version);
  // when several share a configuration, the one with the same content id wins.
  const byKey = new Map<string, RunResult[]>();
  for (const r of await readAllResults(publishedDir)) {
    const k = matchKey(r.config);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const runs: RunComparison[] = [];
  const unmatched: string[] = [];
  const notOk: string[] = [];
  const pairs: [RunResult, RunResult][] = [];
  const have = new Set(localPlan.inSuite.map((r) => r.id));
  for (const id of localPlan.planned ?? []) if (!have.has(id)) notOk.push(id);
  for (const r of localPlan.inSuite) {
    if (r.status !== "ok") notOk.push(r.id);
    const candidates = byKey.get(matchKey(r.config)) ?? [];
    const p = candidates.find((c) => c.id === r.id) ?? candidates[0];
    if (!p) {
      unmatched.push(r.id);
      continue;
    }
    pairs.push([r, p]);
    runs.push({ ...comparePair(r, p), publishedId: p.id });
  }
  const first = pairs[0];
  const localEnv = first
    ? bitEnvironment(first[0], await readAntbenchVersion(runDir(localDir, first[0].id)))
    : null;
  const pubEnv = first
    ? bitEnvironment(first[1], await readAntbenchVersion(runDir(publishedDir, first[1].id)))
    : null;
  const differences = localEnv && pubEnv ? environmentDifferences(localEnv, pubEnv) : [];
  const verdicts = compareVerdicts(
    pairs.map(([l]) => l),
    pairs.map(([, p]) => p),
    await suiteSettings(localDir),
  );
  const rep = phrase({
    publishedDir,
    localDir,
    runs,
    unmatched,
    notOk,
    environment: { local: localEnv, published: pubEnv, differences },
    verdicts,
  }, opts.maxDetails ?? 10);
  return rep;
}

async function suiteSettings(dir: string) {
  try {
    return reportSettings(JSON.parse(await Deno.readTextFile(`${dir}/suite.json`)));
  } catch {
    return reportSettings(undefined);
  }
}

function compareVerdicts(
  local: RunResult[],
  published: RunResult[],
  settings: ReturnType<typeof reportSettings>,
): Reproduction["verdicts"] {
  const ok = (rs: RunResult[]) => rs.filter((r) => r.status === "ok");
  if (ok(local).length === 0 || ok(published).length === 0) return { agree: 0, total: 0, disagreements: [] };
  const a = verdictWords(aggregate(local, settings));
  const b = verdictWords(aggregate(published, settings));
  let agree = 0, total = 0;
  const disagreements: string[] = [];
  for (const [k, w] of a) {
    const p = b.get(k);
    if (p === undefined) continue;
    total++;
    if (p === w) agree++;
    else disagreements.push(`${k}: ${w} here, ${p} published`);
  }
  return { agree, total, disagreements };
}

function envText(e: BitEnvironment | null): string {
  if (!e) return "unknown environment";
  const parts = [e.backend ?? "unknown backend"];
  if (e.adapter) parts.push(e.adapter);
  if (e.kernels) parts.push(e.kernels);
  if (e.cpuModel) parts.push(e.cpuModel);
  parts.push(`tfjs ${e.tfjs ?? "unknown"}`);
  return parts.join(", ");
}

function detailLine(r: RunComparison): string {
  const m = r.metrics.map((d) =>
    `${d.key} ${formatRelative(d.relative)} (${d.local ?? "missing"} vs ${d.published ?? "missing"})`
  );
  const loss = r.lossMaxRelative > 0
    ? [`training loss up to ${formatRelative(r.lossMaxRelative).slice(1)}`]
    : [];
  const rest = m.length === 0 && loss.length === 0 ? [`differs in ${r.fields.join(", ")}`] : [];
  return `  ${r.label} (${r.id}): ${[...m, ...loss, ...rest].join("; ")}`;
}

/** Largest |relative| difference of each final metric over the differing runs, e.g. "mmd-data 1.2%". */
function largest(runs: readonly RunComparison[]): string {
  const worst = new Map<string, number>();
  for (const r of runs) {
    for (const d of r.metrics) {
      const a = d.relative === null ? Infinity : Math.abs(d.relative);
      worst.set(d.key, Math.max(worst.get(d.key) ?? 0, a));
    }
  }
  return [...worst].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} ${formatRelative(v).slice(1)}`)
    .join(", ");
}

function phrase(
  r: Omit<Reproduction, "outcome" | "line" | "details" | "exitCode">,
  maxDetails: number,
): Reproduction {
  const n = r.runs.length;
  const same = r.runs.filter((x) => x.identical).length;
  const differing = r.runs.filter((x) => !x.identical);
  const env = envText(r.environment.local);
  const extra: string[] = [];
  if (r.unmatched.length) {
    extra.push(
      `${r.unmatched.length} run(s) have no published counterpart (the suite changed since publication)`,
    );
  }
  if (r.notOk.length) extra.push(`${r.notOk.length} run(s) here have no ok result`);
  const tail = extra.length ? `; ${extra.join("; ")}` : "";
  const verdicts = r.verdicts.total > 0
    ? `; report verdicts agree ${r.verdicts.agree}/${r.verdicts.total}`
    : "";
  let outcome: Reproduction["outcome"];
  let line: string;
  if (n === 0) {
    outcome = "nothing";
    line = `nothing to compare: no run here matches a published run in ${r.publishedDir}${tail}`;
  } else if (differing.length === 0) {
    outcome = "identical";
    line = `reproduced ${same}/${n} runs bit-identically (${env})${tail}`;
  } else if (r.environment.differences.length > 0) {
    outcome = "expected-differences";
    line =
      `${differing.length}/${n} runs differ from ${r.publishedDir}, as expected: the environment differs ` +
      `(${r.environment.differences.join("; ")}); largest relative differences: ${
        largest(differing) || "none in final metrics"
      }` +
      `${verdicts}${tail}`;
  } else {
    outcome = "differs";
    line =
      `NOT reproduced: ${differing.length}/${n} runs differ from ${r.publishedDir} on the same environment ` +
      `(${env}, antbench ${
        r.environment.local?.antbench ?? "unknown"
      }); ${same} bit-identical${verdicts}${tail}`;
  }
  const details = differing.slice(0, maxDetails).map(detailLine);
  if (differing.length > maxDetails) details.push(`  ... and ${differing.length - maxDetails} more`);
  for (const d of r.verdicts.disagreements) details.push(`  verdict differs: ${d}`);
  const exitCode: 0 | 1 = outcome === "differs" || r.notOk.length > 0 ? 1 : 0;
  return { ...r, outcome, line, details, exitCode };
}
