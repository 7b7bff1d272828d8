/**
 * Test helper: the small synthetic suite (10 runs, test registries) shared by the runner and lock tests.
 *
 * @module
 */
import { type PlannedRun, planRuns } from "./expand.ts";
import { type ResolvedSuite, resolveSuite } from "./validate.ts";
import { testRegistries } from "./test_registries.ts";

/** 2 baselines + 2 k × 2 methods × 2 seeds = 10 runs on the synthetic registries. */
export async function testPlan(): Promise<{ suite: ResolvedSuite; runs: PlannedRun[] }> {
  const reg = testRegistries();
  const suite = resolveSuite({
    name: "rt",
    datasets: ["moons"],
    objectives: ["timestep"],
    k: [2, 4],
    methods: ["uw", "pcgrad"],
    seeds: 2,
    steps: 40,
    T: 100,
    eval: { every: 10, metrics: ["fd", "swd"], minPoints: 4 },
    controls: false,
  }, reg);
  return { suite, runs: await planRuns(suite, reg) };
}
