/**
 * The task-affinity part of a report for matrices a suite measured itself (an affinity source,
 * src/suite/affinity_source.ts): one matrix per seed, so the gradient clusters differ between seeds and a
 * row's single `clusters` field cannot show them. Per group: a table with one line per seed — the matrix
 * file, its heatmap (linked; `affinity/<key>.svg` next to the report) and the gradient clusters of that
 * seed at every k of the table. report.html draws each seed's heatmap inline (src/report/figures.ts).
 *
 * Links are relative to the report directory: a source's files always live in `<outDir>/affinity/`.
 *
 * @module
 */
import type { Group } from "./aggregate.ts";

/** One seed's measured matrix and the clusters its runs used. */
export interface SeedAffinity {
  seed: number;
  /** File name stem (the affinity job key). */
  key: string;
  /** Clusters per k (inclusive [l, r] intervals), from the runs that used the matrix. */
  clusters: Map<number, [number, number][]>;
}

/** The matrices of a group's gradient rows that the suite measured, by source label, seeds ascending. */
export function seedAffinities(g: Group): Map<string, SeedAffinity[]> {
  const out = new Map<string, Map<number, SeedAffinity>>();
  for (const row of g.rows) {
    for (const r of row.runs) {
      const { affinitySource, affinity, k } = r.config.clustering;
      if (affinitySource === undefined || affinity === undefined) continue;
      const key = (affinity.split("/").pop() ?? affinity).replace(/\.json$/, "");
      if (!out.has(affinitySource)) out.set(affinitySource, new Map());
      const bySeed = out.get(affinitySource)!;
      const s = bySeed.get(r.config.seed) ?? { seed: r.config.seed, key, clusters: new Map() };
      if (!s.clusters.has(k) && r.clusters.length > 0) s.clusters.set(k, r.clusters);
      bySeed.set(r.config.seed, s);
    }
  }
  return new Map(
    [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
      [label, m],
    ) => [label, [...m.values()].sort((a, b) => a.seed - b.seed)]),
  );
}

function intervals(c: [number, number][] | undefined): string {
  return c ? c.map(([l, r]) => `[${l}, ${r}]`).join(" ") : "–";
}

/** The Markdown section ("" when the group has no matrices measured by the suite). */
export function affinityMarkdown(g: Group): string {
  const all = seedAffinities(g);
  if (all.size === 0) return "";
  const out: string[] = [];
  for (const [label, seeds] of all) {
    const ks = [...new Set(seeds.flatMap((s) => [...s.clusters.keys()]))].sort((a, b) => a - b);
    out.push(
      `Task affinity measured by the suite (${label}): one matrix per seed, from that seed's vanilla run ` +
        "(gradient cosine similarity between timesteps, averaged over the checkpoints); each seed's gradient " +
        "rows and their matched control use its own clusters.",
      "",
      `| seed | matrix | heatmap | ${ks.map((k) => `clusters k=${k}`).join(" | ")} |`,
      `|---|---|---|${ks.map(() => "---").join("|")}|`,
      ...seeds.map((s) =>
        `| ${s.seed} | [${s.key}.json](affinity/${s.key}.json) | [svg](affinity/${s.key}.svg) | ${
          ks.map((k) => intervals(s.clusters.get(k))).join(" | ")
        } |`
      ),
      "",
    );
  }
  return out.join("\n");
}
