/**
 * What the scheduler launchers (`deno task cli slurm`, `deno task cli k8s`) share: the validated plan of a
 * sharded sweep (suite, shard count, output directory, backend) and the one shard command every task runs,
 *
 *     node_modules/.bin/deno task bench SUITE --shard "<i>/<n>" --jobs "<cpus>" --no-report --out OUT
 *
 * so the Slurm array script, the Kubernetes Indexed Job and the docs/ templates cannot drift apart. Every
 * check that can be made before submitting is made here (suite file inside the project and valid, output
 * directory under reports/, shard count against the suite's runs): a bad flag costs a UsageError, not a
 * queue slot.
 *
 * @module
 */
import { loadSuite, looksLikePath } from "../suite/load.ts";
import { planRuns } from "../suite/expand.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { badValue, EnvironmentError, formatValue, UsageError } from "../runtime/errors.ts";
import { REPO_ROOT } from "../data/files.ts";
import { callerDir } from "./entry.ts";
import { intFlag } from "./args.ts";
import { BACKEND_NAMES } from "../runtime/backend.ts";

/** Backends a shard may be told to use: those of `deno task bench --backend`. */
export const LAUNCH_BACKENDS = BACKEND_NAMES;

/** A validated sharded sweep. Paths are relative to the project root (where every task runs). */
export interface LaunchPlan {
  /** Absolute project root (the checkout the tasks run in). */
  root: string;
  /** The suite as the shard command names it: an embedded suite name or a root-relative file path. */
  suite: string;
  /** The suite's name (reports/<name> by default). */
  suiteName: string;
  /** Runs in the suite's expansion. */
  runs: number;
  /** Number of shards (array tasks, pods). */
  shards: number;
  /** Output directory, relative to the root (under reports/). */
  out: string;
  /** `--backend` for every shard (absent: the suite's own). */
  backend?: (typeof LAUNCH_BACKENDS)[number];
}

/** Characters allowed in paths that go into #SBATCH lines and manifests unquoted. */
const SAFE_PATH = /^[A-Za-z0-9._+@/-]+$/;

/** Normalise an absolute path lexically (".", "..", repeated slashes); no symlinks are resolved. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return "/" + parts.join("/");
}

/** `path` (absolute, or relative to the caller's directory) as an absolute, normalised path. */
function absolute(path: string): string {
  return normalizePath(path.startsWith("/") ? path : `${callerDir()}/${path}`);
}

/** `abs` relative to `root`, or null when it is not strictly inside it. */
function inside(abs: string, root: string): string | null {
  return abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : null;
}

/** Quote a word for bash (unchanged when it has no special characters). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link planLaunch}. */
export interface PlanOptions {
  /** Suite argument as given on the command line (embedded name or file path). */
  suite: string;
  /** `--shards` as given. */
  shards: unknown;
  /** `--out` as given (default reports/<suite name>). */
  out?: string;
  /** `--backend` (validated by the caller). */
  backend?: (typeof LAUNCH_BACKENDS)[number];
  /** Project root (default: this checkout). */
  root?: string;
}

/**
 * Validate a sharded sweep: the suite loads and expands (a suite file must lie inside the project, where
 * `deno task bench` may read it), `--shards` is between 1 and the number of runs, and `--out` lies under
 * the project's reports/ (where `deno task bench` may write). Throws a UsageError naming the flag.
 */
export async function planLaunch(command: string, o: PlanOptions): Promise<LaunchPlan> {
  const root = o.root ?? REPO_ROOT;
  let suiteArg = o.suite;
  let loadArg = o.suite;
  if (looksLikePath(o.suite)) {
    const abs = absolute(o.suite);
    const rel = inside(abs, root);
    if (rel === null) {
      throw new UsageError(
        `${command}: suite file ${formatValue(o.suite)} (${abs}) is outside the project ${root}: the shard ` +
          `tasks run 'deno task bench', which reads only the project (and /usr/share/datasets); copy the file ` +
          `into the project`,
      );
    }
    if (!SAFE_PATH.test(rel)) {
      throw new UsageError(
        badValue(
          `${command}: suite file`,
          rel,
          "a path of letters, digits and . _ + @ / - (rename the file)",
        ),
      );
    }
    suiteArg = rel;
    loadArg = abs;
  }
  const suite = await loadSuite(loadArg, defaultRegistries());
  const runs = (await planRuns(suite, defaultRegistries())).length;
  if (o.shards === undefined) {
    throw new UsageError(
      `${command}: --shards N is required (the number of tasks, 1 to the suite's ${runs} runs)`,
    );
  }
  const shards = intFlag("shards", o.shards, 1, 1);
  if (shards > runs) {
    throw new UsageError(
      badValue(
        "--shards",
        o.shards,
        `1 to ${runs}: suite ${suite.name} has ${runs} runs, one task per shard`,
      ),
    );
  }
  const outAbs = o.out === undefined ? `${root}/reports/${suite.name}` : absolute(o.out);
  const out = inside(outAbs, `${root}/reports`) === null ? null : inside(outAbs, root);
  if (out === null) {
    throw new UsageError(
      badValue("--out", o.out, `a directory under ${root}/reports/ (where 'deno task bench' may write)`),
    );
  }
  if (!SAFE_PATH.test(out)) {
    throw new UsageError(badValue("--out", o.out, "a path of letters, digits and . _ + @ / -"));
  }
  return {
    root,
    suite: suiteArg,
    suiteName: suite.name,
    runs,
    shards,
    out,
    ...(o.backend ? { backend: o.backend } : {}),
  };
}

/**
 * The command one shard task runs. `index` and `jobs` are shell words (e.g. `"${SLURM_ARRAY_TASK_ID}"`),
 * inserted as given; everything else is quoted.
 */
export function shardCommand(plan: LaunchPlan, index: string, jobs: string): string {
  return [
    "node_modules/.bin/deno task bench",
    shellQuote(plan.suite),
    `--shard "${index}/${plan.shards}"`,
    `--jobs ${jobs}`,
    "--no-report",
    `--out ${shellQuote(plan.out)}`,
    ...(plan.backend ? [`--backend ${plan.backend}`] : []),
  ].join(" ");
}

/**
 * The checkout the tasks will run must have its own npm install: `deno task bench` reads tfjs's wasm files
 * at their real path, and may read only the project, so a node_modules that is missing, or a symlink to
 * another checkout's, makes every run fail. Throws an EnvironmentError saying what to do.
 */
export function checkCheckout(root: string): void {
  let real: string;
  try {
    Deno.statSync(`${root}/node_modules/.bin/deno`);
    real = Deno.realPathSync(`${root}/node_modules`);
  } catch {
    throw new EnvironmentError(
      `${root}/node_modules/.bin/deno is missing: run 'bash scripts/setup.sh' in the checkout the tasks use`,
    );
  }
  if (inside(real, root) === null) {
    throw new EnvironmentError(
      `${root}/node_modules leads to ${real}, outside the project: 'deno task bench' may read only the ` +
        `project, so every run of every task would fail to load tfjs's wasm files; give this checkout its ` +
        `own install ('bash scripts/setup.sh')`,
    );
  }
}
