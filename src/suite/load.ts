/**
 * Loading a suite by embedded name (benchmarks/mod.ts) or from a JSON/YAML file, then validating and
 * resolving it (src/suite/validate.ts).
 *
 * @module
 */
// The Node build of npm `yaml` reads process.env.LOG_TOKENS on every parse, which `deno task bench` may not
// (its --allow-env is narrow); the browser ESM build of the same package does not.
// @ts-types="../../node_modules/yaml/dist/index.d.ts"
import { parse as parseYaml } from "../../node_modules/yaml/browser/index.js";
import { EMBEDDED_SUITES } from "../../benchmarks/mod.ts";
import { isPermissionError, UsageError } from "../runtime/errors.ts";
import { defaultRegistries, type SuiteRegistries } from "./registries.ts";
import { type ResolvedSuite, resolveSuite } from "./validate.ts";

/** Parse suite file text by extension (.json, .yaml, .yml); syntax errors name the file. */
export function parseSuiteText(text: string, path: string): unknown {
  try {
    if (/\.ya?ml$/i.test(path)) return parseYaml(text);
    if (/\.json$/i.test(path)) return JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `${path}: not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}`,
    );
  }
  throw new UsageError(`${path}: unknown suite file type; allowed: .json, .yaml, .yml`);
}

/** True when `arg` names a file rather than an embedded suite. */
export function looksLikePath(arg: string): boolean {
  return arg.includes("/") || /\.(json|ya?ml)$/i.test(arg);
}

/**
 * Load and resolve a suite: an embedded name (no argument = "default") or a .json/.yaml/.yml file path.
 * Throws UsageError naming the name/file and listing every problem.
 */
export async function loadSuite(
  arg = "default",
  registries: SuiteRegistries = defaultRegistries(),
): Promise<ResolvedSuite> {
  if (!looksLikePath(arg)) {
    const spec = EMBEDDED_SUITES[arg];
    if (!spec) {
      throw new UsageError(
        `suite: unknown embedded suite ${JSON.stringify(arg)}; allowed: ${
          Object.keys(EMBEDDED_SUITES).join(", ")
        } ` +
          `or a path to a .json/.yaml suite file`,
      );
    }
    return resolveSuite(spec, registries, `suite ${arg}`);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(arg);
  } catch (e) {
    if (isPermissionError(e)) throw e; // the entry point says which permission, and how to get it
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`suite file ${arg}: no such file`);
    throw new UsageError(`suite file ${arg}: cannot read (${(e as Error).message})`);
  }
  return resolveSuite(parseSuiteText(text, arg), registries, arg);
}
