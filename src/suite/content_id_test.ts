import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { runHash, withAffinityHash } from "./content_id.ts";
import { planRuns } from "./expand.ts";
import { resolveSuite } from "./validate.ts";
import { testRegistries } from "./test_registries.ts";
import { computeClusters } from "../train/clusters.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { UsageError } from "../runtime/errors.ts";

const reg = testRegistries();

/** A T x T affinity matrix (JSON array of arrays) whose entries depend on `scale`. */
function matrixJson(T: number, scale: number): string {
  const m = Array.from(
    { length: T },
    (_, i) => Array.from({ length: T }, (_, j) => 1 / (1 + scale * Math.abs(i - j))),
  );
  return JSON.stringify(m);
}

function suite(affinity: string) {
  return resolveSuite({
    name: "aff",
    datasets: ["moons"],
    objectives: ["timestep", "gradient"],
    k: [2],
    methods: ["uw"],
    seeds: 1,
    steps: 10,
    T: 20,
    affinity,
  }, reg);
}

async function idsByObjective(affinity: string): Promise<Record<string, string>> {
  const runs = await planRuns(suite(affinity), reg);
  return Object.fromEntries(
    runs.map((r) => [`${r.config.clustering.objective}/${r.config.method.id}`, r.id]),
  );
}

Deno.test("content id: the affinity file enters by its bytes (sha256), not its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = `${dir}/a.json`, b = `${dir}/moved.json`;
    await Deno.writeTextFile(a, matrixJson(20, 0.1));
    await Deno.copyFile(a, b);
    const runs = await planRuns(suite(a), reg);
    const gradient = runs.find((r) => r.config.clustering.objective === "gradient")!;
    // The gradient rows (the method and its matched control, vanilla on the same clusters) carry the hash.
    const onGradient = runs.filter((r) => r.config.clustering.objective === "gradient");
    assert.equal(onGradient.length, 2);
    // The recorded hash is the SHA-256 of the file's bytes (node:crypto, an independent route).
    const expected = createHash("sha256").update(await Deno.readFile(a)).digest("hex");
    assert.equal(gradient.config.clustering.affinitySha256, expected);
    assert.equal(gradient.config.clustering.affinity, a);
    assert.ok(onGradient.every((r) => r.config.clustering.affinitySha256 === expected));
    // Runs without an affinity file carry no hash.
    assert.ok(
      runs.filter((r) => !onGradient.includes(r)).every((r) =>
        r.config.clustering.affinitySha256 === undefined
      ),
    );

    const before = await idsByObjective(a);
    // Same bytes at another path: the same ids.
    assert.deepEqual(await idsByObjective(b), before);
    // A regenerated matrix at the same path: the gradient run's id changes, the others do not.
    await Deno.writeTextFile(a, matrixJson(20, 0.2));
    const after = await idsByObjective(a);
    assert.equal(Object.keys(before).length, 5);
    assert.notEqual(after["gradient/uw"], before["gradient/uw"]);
    assert.notEqual(after["gradient/vanilla"], before["gradient/vanilla"]);
    assert.equal(after["timestep/uw"], before["timestep/uw"]);
    assert.equal(after["timestep/vanilla"], before["timestep/vanilla"]);
    assert.equal(after["none/vanilla"], before["none/vanilla"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("content id: an affinity path without its hash cannot be hashed; a missing file names the field", async () => {
  const runs = await planRuns(suite2(), reg);
  const config = runs[0].config;
  await assert.rejects(
    () => runHash({ ...config, clustering: { ...config.clustering, affinity: "/tmp/x.json" } }),
    /has no affinitySha256/,
  );
  await assert.rejects(
    () =>
      withAffinityHash({ ...config, clustering: { ...config.clustering, affinity: "/nonexistent/x.json" } }),
    (e) =>
      e instanceof UsageError &&
      /clustering\.affinity: "\/nonexistent\/x\.json": no such file/.test(e.message),
  );
  await assert.rejects(
    () => planRuns(suite("/nonexistent/x.json"), reg),
    (e) => e instanceof UsageError && /clustering\.affinity: .*no such file/.test(e.message),
  );
});

function suite2() {
  return resolveSuite({
    name: "plain",
    datasets: ["moons"],
    objectives: ["timestep"],
    k: [2],
    methods: ["uw"],
    seeds: 1,
    steps: 10,
    T: 20,
  }, reg);
}

Deno.test("training refuses an affinity file whose bytes changed after planning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = `${dir}/a.json`;
    await Deno.writeTextFile(a, matrixJson(20, 0.1));
    const runs = await planRuns(suite(a), reg);
    const config = runs.find((r) => r.config.clustering.objective === "gradient")!.config;
    const schedule = makeSchedule("linear", 20);
    assert.equal((await computeClusters(config, schedule)).length, 2);
    await Deno.writeTextFile(a, matrixJson(20, 0.3));
    await assert.rejects(
      () => computeClusters(config, schedule),
      (e) =>
        e instanceof UsageError &&
        /clustering\.affinity: .* changed since the run was planned/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
