import assert from "node:assert/strict";
import type { Dataset } from "../data/dataset.ts";
import {
  FLOOR_SEED,
  type FloorInputs,
  floorKey,
  floorRealSet,
  floorSpec,
  metricFloors,
  summarizeFloor,
} from "./floor.ts";
import { prepareMetrics } from "./registry.ts";
import { deriveSeed, rngFor } from "../runtime/rng.ts";
import { gaussianStats } from "./gaussian_stats.ts";
import { prepareRunMetrics } from "../train/run_metrics.ts";
import { getDatasetFactory } from "../data/registry.ts";
import type { RunConfig } from "../train/types.ts";

/** A 1-D N(0, 1) "toy": reference(n, seed) draws fresh standard normals. */
function gauss1d(): Dataset {
  return {
    id: "gauss1d",
    kind: "toy2d",
    dataShape: [1],
    train: new Float32Array(0),
    nTrain: 0,
    reference: (n, seed) => Float32Array.from(rngFor(seed, "gauss1d").normalArray(n)),
    featureSpace: "data",
    provenance: { source: "test", license: "n/a", checksum: "" },
  };
}

const identity = { id: "data", weightsHash: "", extract: (x: Float32Array) => Promise.resolve(x) };

function inputs(
  dataset: Dataset,
  ids: string[],
  n: number,
  nRef: number,
  resamples: number,
  cacheDir?: string,
) {
  const ref = dataset.reference(nRef, 0);
  const d = dataset.dataShape.reduce((a, b) => a * b, 1);
  const prepared = prepareMetrics(ids, ref, d, {});
  return {
    inp: {
      dataset,
      datasetOptions: {},
      features: identity,
      prepared,
      metrics: [...prepared.metrics],
      n,
      referenceN: nRef,
      referenceSeed: 0,
      resamples,
      cacheDir,
    } satisfies FloorInputs,
    ref,
  };
}

Deno.test("floor: FD between N fresh N(0,1) draws and a fixed reference has its closed-form mean", async () => {
  // Given the reference (mean m_r, sd s_r) and n draws with sample mean m and unbiased sd s:
  // FD = (m - m_r)^2 + s^2 + s_r^2 - 2 s s_r, so E[FD | ref] = m_r^2 + 1/n + 1 + s_r^2 - 2 s_r c4(n),
  // c4(n) = E[s] = sqrt(2/(n-1)) Γ(n/2) / Γ((n-1)/2).
  const n = 50, nRef = 200, R = 400;
  const { inp, ref } = inputs(gauss1d(), ["fd"], n, nRef, R);
  const floors = await metricFloors(inp);
  const f = floors["fd-data"];
  const st = gaussianStats(ref, nRef, 1);
  const mr = st.mu[0], sr = Math.sqrt(st.sigma[0]);
  // r(m) = Γ(m/2)/Γ((m-1)/2): r(2) = 1/√π, and r(m+1) = ((m-1)/2) / r(m) since Γ(x+1) = x Γ(x).
  let ratio = 1 / Math.sqrt(Math.PI);
  for (let m = 2; m < n; m++) ratio = ((m - 1) / 2) / ratio;
  const c4 = Math.sqrt(2 / (n - 1)) * ratio;
  const expected = mr * mr + 1 / n + 1 + sr * sr - 2 * sr * c4;
  const se = f.sd / Math.sqrt(R);
  assert.ok(Math.abs(f.mean - expected) < 4 * se, `mean ${f.mean} vs closed form ${expected} (se ${se})`);
  assert.ok(c4 > 0.99 && c4 < 1, `c4(${n}) = ${c4}`);
  assert.equal(f.key, "fd-data");
  assert.equal(f.n, n);
  assert.equal(f.referenceN, nRef);
  assert.equal(f.resamples, R);
  assert.equal(f.source, "fresh draws from the true distribution");
  assert.ok(f.lo < f.mean && f.mean < f.hi);
});

Deno.test("floor: values are the metric on seeded real sets; lo/hi are numpy's linear 5%/95% quantiles", async () => {
  const n = 30, nRef = 60, R = 7;
  const { inp, ref } = inputs(gauss1d(), ["fd", "swd"], n, nRef, R);
  const floors = await metricFloors(inp);
  // Brute force: replay every resample.
  const p = prepareMetrics(["fd", "swd"], ref, 1, {});
  const fd: number[] = [];
  for (let r = 0; r < R; r++) {
    const x = gauss1d().reference(n, deriveSeed(FLOOR_SEED, "floor:data", r));
    fd.push(p.evaluate(x, deriveSeed(FLOOR_SEED, "floor:metrics", r))["fd-data"]);
  }
  const s = summarizeFloor(fd);
  assert.deepEqual(
    {
      mean: floors["fd-data"].mean,
      sd: floors["fd-data"].sd,
      lo: floors["fd-data"].lo,
      hi: floors["fd-data"].hi,
    },
    s,
  );
  // numpy.quantile(arange(1, 21), [0.05, 0.95]) = [1.95, 19.05]; std(ddof=1) of 1..20 = sqrt(35).
  const q = summarizeFloor(Array.from({ length: 20 }, (_, i) => 20 - i));
  assert.ok(Math.abs(q.lo - 1.95) < 1e-12 && Math.abs(q.hi - 19.05) < 1e-12 && q.mean === 10.5);
  assert.ok(Math.abs(q.sd - Math.sqrt(35)) < 1e-12);
});

Deno.test("floor cache: a hit returns identical bytes; the key covers every input that determines it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { inp } = inputs(gauss1d(), ["fd", "kid"], 40, 80, 5, dir);
    const first = await metricFloors(inp);
    const files = [...Deno.readDirSync(`${dir}/floors`)].map((e) => e.name);
    assert.equal(files.length, 1);
    const bytes = await Deno.readFile(`${dir}/floors/${files[0]}`);
    const key = await floorKey(floorSpec(inp));
    assert.equal(files[0], `${key}.json`);
    // A hit: no recomputation (the metrics would throw if called), the same bytes.
    const poisoned = {
      ...inp,
      prepared: {
        ...inp.prepared,
        evaluate: () => {
          throw new Error("recomputed");
        },
      },
    };
    const hit = await metricFloors(poisoned);
    assert.equal(JSON.stringify(hit), JSON.stringify(first));
    assert.deepEqual(await Deno.readFile(`${dir}/floors/${files[0]}`), bytes);
    // Without a cache the numbers are the same (deterministic).
    assert.equal(JSON.stringify(await metricFloors({ ...inp, cacheDir: undefined })), JSON.stringify(first));
    // Every input enters the key.
    const keys = new Set([key]);
    for (
      const changed of [
        { ...inp, n: 41 },
        { ...inp, referenceN: 81 },
        { ...inp, resamples: 6 },
        { ...inp, datasetOptions: { noise: 0.2 } },
        { ...inp, features: { ...identity, weightsHash: "sha256:ab" } },
        { ...inp, metrics: [{ id: "fd", options: {} }] },
        { ...inp, metrics: [inp.metrics[0], { id: "kid", options: { subsets: 10, subsetSize: "auto" } }] },
      ]
    ) keys.add(await floorKey(floorSpec(changed)));
    assert.equal(keys.size, 8);
    // A damaged entry is recomputed and rewritten.
    await Deno.writeTextFile(`${dir}/floors/${files[0]}`, "{not json");
    assert.equal(JSON.stringify(await metricFloors(inp)), JSON.stringify(first));
    assert.deepEqual(await Deno.readFile(`${dir}/floors/${files[0]}`), bytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("floor: image datasets draw distinct rows of the training split (the reference is held out)", () => {
  const nTrain = 12, dim = 4;
  const train = Float32Array.from({ length: nTrain * dim }, (_, i) => Math.floor(i / dim));
  const ds: Dataset = { ...gauss1d(), kind: "image", dataShape: [2, 2, 1], train, nTrain };
  const { x, source } = floorRealSet(ds, 5, 3);
  const rows = Array.from({ length: 5 }, (_, i) => x[i * dim]);
  assert.equal(new Set(rows).size, 5);
  rows.forEach((r, i) => assert.deepEqual(Array.from(x.subarray(i * dim, (i + 1) * dim)), [r, r, r, r]));
  assert.equal(source, "train split, seeded subsets");
  assert.match(floorRealSet(ds, 20, 0).source, /with replacement/);
});

Deno.test("prepareRunMetrics: floors for every final key, the mmd bandwidth recorded", async () => {
  const f = getDatasetFactory("gaussians8");
  const options = { ...(f.defaults as Record<string, unknown>), n: 64 };
  const dataset = await f.load(options as never, { cacheDir: ".cache" });
  const real = dataset.reference(100, 0);
  const config = {
    eval: { samples: 100, referenceSamples: 100, metrics: ["fd", "mmd", "nll"], floorResamples: 4 },
  } as unknown as RunConfig;
  const q = await prepareRunMetrics({
    config,
    dataset,
    datasetOptions: options,
    features: { ...identity, dim: 2, dispose() {} },
    realFeatures: real,
    referenceSeed: 0,
  });
  const fields = q.resultFields();
  assert.deepEqual(Object.keys(fields.floors!), ["fd-data", "mmd-data", "nll-data"]);
  assert.deepEqual(
    Object.keys(q.prepared.evaluate(dataset.reference(100, 9), 1)),
    Object.keys(fields.floors!),
  );
  assert.ok((fields.metricSettings!["mmd-data"].bandwidth as number) > 0);
  assert.equal(fields.metricSettings!["nll-data"].smoothing, 0.02);
  const none = await prepareRunMetrics({
    config: { eval: { ...config.eval, floorResamples: 0 } } as unknown as RunConfig,
    dataset,
    datasetOptions: options,
    features: { ...identity, dim: 2, dispose() {} },
    realFeatures: real,
    referenceSeed: 0,
  });
  assert.equal(none.resultFields().floors, undefined);
});
