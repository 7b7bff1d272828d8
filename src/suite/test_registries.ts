/**
 * Synthetic registries for suite and runner tests (independent of the real registries' contents).
 *
 * @module
 */
import type { OptionedEntry, SuiteRegistries } from "./registries.ts";

function entry(defaults: Record<string, unknown>): OptionedEntry {
  return {
    defaults,
    validate(o) {
      const problems: string[] = [];
      for (const [k, v] of Object.entries(o)) {
        if (!(k in defaults)) {
          problems.push(`${k}: unknown option; allowed: ${Object.keys(defaults).join(", ")}`);
        } else if (typeof v !== typeof defaults[k]) {
          problems.push(`${k}: got ${JSON.stringify(v)}; allowed: a ${typeof defaults[k]}`);
        }
      }
      return problems;
    },
  };
}

/** Registries with two toys, one model, four methods, the contract's objectives and metrics. */
export function testRegistries(): SuiteRegistries {
  return {
    datasets: new Map([["moons", entry({ n: 100, seed: 0 })], ["swissroll", entry({ n: 100, seed: 0 })]]),
    models: new Map([["mlp", entry({ hidden: 16 })], ["tiny", entry({})]]),
    methods: new Map([
      ["vanilla", entry({})],
      ["uw", entry({ lr: 0.025 })],
      ["pcgrad", entry({})],
      ["nashmtl", entry({ updateEvery: 25 })],
    ]),
    objectives: new Set(["none", "timestep", "snr", "gradient"]),
    metrics: new Set(["fd", "swd", "precision"]),
  };
}
