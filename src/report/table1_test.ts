import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { relativeCi, table1Markdown } from "./table1.ts";
import { fakeResult } from "./testing.ts";

const SEEDS = [0, 1, 2];
function rows(method: string, objective: string, k: number, finals: number[]) {
  return SEEDS.map((s) => fakeResult(method, objective, k, s, [finals[s] + 5, finals[s]]));
}

Deno.test("table1: methods × objectives at each k with two objectives, the k sweep, hand-computed cells", () => {
  const results = [
    ...rows("vanilla", "none", 1, [11, 13, 15]),
    ...rows("vanilla", "timestep", 2, [10, 12, 14]), // matched controls
    ...rows("vanilla", "snr", 2, [10, 12, 14]),
    ...rows("vanilla", "snr", 4, [10, 12, 14]),
    ...rows("uw", "timestep", 2, [9, 10.5, 13]),
    ...rows("uw", "snr", 2, [10, 12, 14.3]),
    ...rows("pcgrad", "timestep", 2, [10, 12, 14]),
    ...rows("uw", "snr", 4, [10, 11, 13]),
  ];
  const [g] = aggregate(results);
  const md = table1Markdown(g);
  const lines = md.split("\n");
  // One Table 1 at k = 2 (two objectives, in the paper's order) and none at k = 4 (one objective).
  assert.equal(lines.filter((l) => l.startsWith("| method |")).length, 1);
  assert.match(md, /^\| method \| timestep \| snr \|$/m);
  // uw on timestep clusters vs its control: differences -1, -1.5, -1 (mean -7/6, sd √(1/12)), control mean
  // 12: -9.72%; 95% t-interval -7/6 ± t(0.975, 2)·√(1/12)/√3 = -7/6 ± 0.7172: [-15.7%, -3.75%].
  const uw = lines.find((l) => l.startsWith("| uw |"))!;
  assert.match(uw, /^\| uw \| Δc -9\.72% \[-15\.7%, -3\.75%\], Holm [0-9.]+, \w+; Δv /);
  // Against vanilla (mean 13): differences -2, -2.5, -2: -6/13 ... -16.7%.
  assert.match(uw, /Δv -16\.7% \[/);
  // pcgrad has no snr row: "–".
  assert.match(lines.find((l) => l.startsWith("| pcgrad |"))!, /\| – \|$/);
  // The k sweep: snr uw at k = 2 and k = 4 (no k = 4 Table 1, but a sweep row).
  assert.match(md, /^\| clustering and method \| k = 2 \| k = 4 \|$/m);
  assert.match(md, /^\| snr uw \| Δc \+0\.833% /m);
  assert.equal(table1Markdown({ ...g, headline: undefined }), "");
});

Deno.test("table1: relativeCi is the t-interval of the paired mean over |reference mean|", () => {
  const c = { n: 3, mean: -7 / 6, sd: Math.sqrt(1 / 12), referenceMean: -12 } as never;
  const [lo, hi] = relativeCi(c);
  assert.ok(Math.abs(lo - (-7 / 6 - 0.717166) / 12) < 1e-5 && Math.abs(hi - (-7 / 6 + 0.717166) / 12) < 1e-5);
  assert.deepEqual(relativeCi({ n: 1, mean: 1, sd: NaN, referenceMean: 1 } as never).map(Number.isNaN), [
    true,
    true,
  ]);
});
