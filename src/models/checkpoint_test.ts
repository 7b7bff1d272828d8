import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  CHECKPOINT_FORMAT,
  loadCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
  sha256Hex,
} from "./checkpoint.ts";
import { mlpFactory } from "./mlp.ts";
import { UsageError } from "../runtime/errors.ts";

await tf.setBackend("cpu");

const OPTS = { ...mlpFactory.defaults, hidden: 8, depth: 2, timeDim: 4 };

function tinyModel(seed = 3) {
  return mlpFactory.build(OPTS, { dataShape: [2], T: 50, initSeed: seed });
}

Deno.test("checkpoint: sha256Hex matches the FIPS 180-2 test vector for 'abc'", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("checkpoint: save then load restores every weight bit-exactly and the same outputs", async () => {
  const dir = await Deno.makeTempDir();
  const m = tinyModel();
  const meta = await saveCheckpoint(dir, m, { modelOptions: OPTS, T: 50, schedule: "cosine", step: 120 });
  assert.equal(meta.format, CHECKPOINT_FORMAT);
  assert.deepEqual(meta.model, { id: "mlp", options: OPTS });
  assert.deepEqual(meta.dataShape, [2]);
  // Layout by hand: 2*8 + 4*8 + 8 + 8*8 + 8 + 8*2 + 2 = 146 float32s, offsets are running sums.
  assert.deepEqual(meta.variables.map((v) => v.offset), [0, 16, 48, 56, 120, 128, 144]);
  assert.equal(meta.variables.reduce((s, v) => s + v.length, 0), 146);
  const bytes = await Deno.readFile(`${dir}/weights.bin`);
  assert.equal(bytes.length, 146 * 4);
  assert.equal(meta.sha256, await sha256Hex(bytes));
  // Raw little-endian float32 in variable order: element 3 of variable 1 (W_t) sits at byte (16 + 3) * 4.
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getFloat32((16 + 3) * 4, true), m.variables[1].dataSync()[3]);

  const { model, meta: meta2 } = await loadCheckpoint(dir);
  assert.deepEqual(meta2, meta);
  assert.equal(model.id, "mlp");
  for (let i = 0; i < m.variables.length; i++) {
    assert.deepEqual(model.variables[i].dataSync(), m.variables[i].dataSync());
  }
  const x = tf.tensor2d([[0.5, -1], [2, 0.25]]);
  const t = tf.tensor1d([3, 40]);
  assert.deepEqual(model.apply(x, t).dataSync(), m.apply(x, t).dataSync());
  // A model built with another seed differs, so the load really replaced the initial weights.
  const other = tinyModel(4);
  assert.notDeepEqual(other.variables[0].dataSync(), model.variables[0].dataSync());
  for (const d of [m, model, other]) d.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: weights override (e.g. EMA) is what gets stored", async () => {
  const dir = await Deno.makeTempDir();
  const m = tinyModel();
  const ema = m.variables.map((v) => tf.fill(v.shape, 0.25));
  await saveCheckpoint(dir, m, { modelOptions: OPTS, T: 50, schedule: "linear", step: 7, weights: ema });
  const { model, meta } = await loadCheckpoint(dir);
  assert.equal(meta.schedule, "linear");
  assert.equal(meta.step, 7);
  for (const v of model.variables) assert.ok(Array.from(v.dataSync()).every((x) => x === 0.25));
  await assert.rejects(
    () =>
      saveCheckpoint(dir, m, {
        modelOptions: OPTS,
        T: 50,
        schedule: "linear",
        step: 7,
        weights: ema.slice(1),
      }),
    RangeError,
  );
  model.dispose();
  m.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: missing, corrupt and inconsistent files are UsageErrors naming the problem", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    () => loadCheckpoint(dir),
    (e) => e instanceof UsageError && /model.json not found/.test(e.message),
  );
  const m = tinyModel();
  await saveCheckpoint(dir, m, { modelOptions: OPTS, T: 50, schedule: "cosine", step: 1 });
  const good = await Deno.readFile(`${dir}/weights.bin`);
  const metaText = await Deno.readTextFile(`${dir}/model.json`);

  const flipped = good.slice();
  flipped[10] ^= 1;
  await Deno.writeFile(`${dir}/weights.bin`, flipped);
  await assert.rejects(() => loadCheckpoint(dir), /weights.bin is corrupt: sha256/);

  await Deno.writeFile(`${dir}/weights.bin`, good.slice(0, 100));
  await assert.rejects(() => loadCheckpoint(dir), /has 100 bytes; model.json describes 146 float32s/);

  await Deno.remove(`${dir}/weights.bin`);
  await assert.rejects(() => loadCheckpoint(dir), /weights.bin not found/);
  await Deno.writeFile(`${dir}/weights.bin`, good);

  await Deno.writeTextFile(`${dir}/model.json`, "{not json");
  await assert.rejects(() => readCheckpointMeta(dir), /is not valid JSON/);

  const meta = JSON.parse(metaText);
  await Deno.writeTextFile(
    `${dir}/model.json`,
    JSON.stringify({ ...meta, format: "other/2", schedule: "sigmoid" }),
  );
  await assert.rejects(() => readCheckpointMeta(dir), (e) => {
    const msg = (e as Error).message;
    return e instanceof UsageError && /format: got "other\/2"/.test(msg) &&
      /schedule: got "sigmoid"/.test(msg);
  });

  await Deno.writeTextFile(
    `${dir}/model.json`,
    JSON.stringify({ ...meta, model: { id: "nope", options: {} } }),
  );
  await assert.rejects(() => loadCheckpoint(dir), /unknown model "nope"; allowed: .*mlp/);

  // Options that build a different architecture than the weights describe.
  await Deno.writeTextFile(
    `${dir}/model.json`,
    JSON.stringify({ ...meta, model: { id: "mlp", options: { ...OPTS, depth: 3 } } }),
  );
  await assert.rejects(() => loadCheckpoint(dir), /lists 7 variables; the rebuilt "mlp" model has 9/);
  m.dispose();
  await Deno.remove(dir, { recursive: true });
});
