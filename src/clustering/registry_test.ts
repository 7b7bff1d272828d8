import assert from "node:assert/strict";
import { clusterTimesteps, getObjective, OBJECTIVES } from "./registry.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { UsageError } from "../runtime/errors.ts";
import type { AffinityMatrix } from "./objective.ts";

interface OracleCase {
  objective: string;
  schedule?: "linear" | "cosine";
  affinity?: string;
  T: number;
  k: number;
  intervals: [number, number][];
  cost: number;
}
import oracleJson from "../../fixtures/clustering/dp_oracle.json" with { type: "json" };

const ORACLE = oracleJson as unknown as {
  cases: OracleCase[];
  published: { schedule: "linear" | "cosine"; intervals: [number, number][]; medianCost: number }[];
};

/** The synthetic affinity of fixtures/clustering/dp_oracle.py (same formula, computed here). */
function syntheticTas(T: number): AffinityMatrix {
  const lam = makeSchedule("cosine", T).logSnr;
  const data = new Float64Array(T * T);
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      data[a * T + b] = a === b ? 1 : Math.exp(-((lam[a] - lam[b]) ** 2) / 8) * Math.cos((a - b) / 7) +
        0.1 * Math.sin((a + 2 * b) / 13);
    }
  }
  return { T, data };
}

Deno.test("registry: ids and unknown-id error", () => {
  assert.deepEqual([...OBJECTIVES.keys()], ["none", "timestep", "snr", "gradient"]);
  assert.throws(
    () => getObjective("lsnr"),
    (e) => e instanceof UsageError && /"lsnr"; allowed: none, timestep, snr, gradient/.test(e.message),
  );
});

Deno.test("registry: every case of the numpy oracle (snr k=5,8 both schedules; timestep; gradient)", () => {
  assert.ok(ORACLE.cases.length >= 10);
  for (const c of ORACLE.cases) {
    const schedule = makeSchedule(c.schedule ?? "cosine", c.T);
    const affinity = c.affinity === "synthetic_tas" ? syntheticTas(c.T) : undefined;
    const res = clusterTimesteps(c.objective, c.k, { T: c.T, schedule, affinity });
    const label = `${c.objective}/${c.schedule ?? ""} T=${c.T} k=${c.k}`;
    assert.deepEqual(res.intervals, c.intervals, label);
    assert.ok(
      Math.abs(res.cost - c.cost) <= 1e-9 * (1 + Math.abs(c.cost)),
      `${label}: ${res.cost} vs ${c.cost}`,
    );
  }
});

Deno.test("registry: snr T=1000 k=5 against the partitions published in ant-spec.md §1.3", () => {
  const cosine = clusterTimesteps("snr", 5, { T: 1000, schedule: makeSchedule("cosine", 1000) });
  assert.deepEqual(cosine.intervals, [[0, 132], [133, 371], [372, 652], [653, 880], [881, 999]]);
  // Linear: the published partition was computed with the official upper-middle centre; with a true
  // median our optimum moves the last four bounds by one step and is strictly cheaper than it.
  const linear = clusterTimesteps("snr", 5, { T: 1000, schedule: makeSchedule("linear", 1000) });
  assert.deepEqual(linear.intervals, [[0, 152], [153, 393], [394, 623], [624, 822], [823, 999]]);
  const pub = ORACLE.published.find((p) => p.schedule === "linear")!;
  assert.ok(linear.cost < pub.medianCost - 1e-3, `${linear.cost} vs published ${pub.medianCost}`);
});

Deno.test("registry: none is one interval and requires k = 1; snr/gradient need their inputs", () => {
  assert.deepEqual(clusterTimesteps("none", 1, { T: 1000 }), { intervals: [[0, 999]], cost: 0 });
  assert.throws(() => clusterTimesteps("none", 2, { T: 1000 }), /k: got 2; allowed: 1/);
  assert.throws(() => clusterTimesteps("snr", 2, { T: 100 }), /schedule: got nothing/);
  assert.throws(
    () => clusterTimesteps("snr", 2, { T: 100, schedule: makeSchedule("linear", 50) }),
    /schedule.T/,
  );
  assert.throws(() => clusterTimesteps("gradient", 2, { T: 100 }), /affinity: got nothing/);
  assert.throws(
    () => clusterTimesteps("gradient", 2, { T: 100, affinity: syntheticTas(50) }),
    /a 100 x 100 matrix/,
  );
  assert.throws(() => clusterTimesteps("timestep", 0, { T: 100 }), (e) => e instanceof UsageError);
});

Deno.test("registry: gradient cost of a singleton is -1 and follows the centre row only", () => {
  // 3 x 3 affinity with distinct rows: C(0, 2) uses row c = floor(3/2) = 1: -(0.2 + 1 + 0.7) = -1.9.
  const aff: AffinityMatrix = { T: 3, data: Float64Array.from([1, 0.5, 0.1, 0.2, 1, 0.7, 0.3, 0.9, 1]) };
  const cost = getObjective("gradient").cost({ T: 3, affinity: aff });
  assert.equal(cost(1, 1), -1);
  assert.ok(Math.abs(cost(0, 2) + 1.9) < 1e-12);
  assert.ok(Math.abs(cost(0, 1) + 1.2) < 1e-12); // c = 1: row 1, columns 0..1
  assert.ok(Math.abs(cost(1, 2) + 1.9) < 1e-12); // c = 2: row 2, columns 1..2
  // k = 2 options: [0][1,2] = -1 - 1.9 = -2.9; [0,1][2] = -1.2 - 1 = -2.2. Optimum: the first.
  const res = clusterTimesteps("gradient", 2, { T: 3, affinity: aff });
  assert.deepEqual(res.intervals, [[0, 0], [1, 2]]);
  assert.ok(Math.abs(res.cost + 2.9) < 1e-12);
});
