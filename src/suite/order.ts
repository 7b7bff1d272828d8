/**
 * The order in which a suite's runs are trained: seed-major. Suites expand with seeds innermost (every
 * seed of a row, then the next row); training seed 0 of every row first, then seed 1, ..., means that a
 * long suite stopped part-way (or still running) leaves complete paired replicates, every row with the
 * same first n seeds, which the report's paired tests over seeds can use, instead of a few rows with all
 * their seeds and the rest with none. The order never enters a result (runs are content-addressed and
 * their random streams derive from the run seed alone).
 *
 * @module
 */

/**
 * `runs` stably reordered by seed, seeds in the order of their first appearance (runs of one seed keep
 * their plan order).
 */
export function seedMajor<R extends { config: { seed: number } }>(runs: readonly R[]): R[] {
  const rank = new Map<number, number>();
  for (const r of runs) if (!rank.has(r.config.seed)) rank.set(r.config.seed, rank.size);
  return runs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank.get(a.r.config.seed)! - rank.get(b.r.config.seed)! || a.i - b.i)
    .map(({ r }) => r);
}
