import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { featuresCommand } from "./features.ts";
import { npyArray, readNpy, writeNpy } from "../metrics/npy.ts";
import { loadFeatureExtractor } from "../metrics/features/registry.ts";
import { initBackend } from "../runtime/backend.ts";
import { rngFor } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";

Deno.test("cli features extract: .npy images -> .npy features equal to the extractor's; list; bad input", async () => {
  const dir = await Deno.makeTempDir();
  const rng = rngFor(3, "test");
  const images = Float32Array.from({ length: 5 * 64 }, () => 2 * rng.uniform() - 1);
  await writeNpy(`${dir}/img.npy`, npyArray(images, [5, 8, 8, 1]));
  const { code, out } = await capture(() =>
    featuresCommand.run(["extract", "digits8", `${dir}/img.npy`, `${dir}/f.npy`, "--json"])
  );
  assert.equal(code, 0);
  const r = JSON.parse(out[0]);
  assert.deepEqual([r.extractor, r.n, r.d], ["digits8-cnn", 5, 64]);
  const feats = await readNpy(`${dir}/f.npy`);
  assert.deepEqual(feats.shape, [5, 64]);
  await initBackend("wasm");
  const ex = await loadFeatureExtractor("digits8-cnn");
  assert.deepEqual(feats.data, await ex.extract(images, 5));
  ex.dispose();
  const list = await capture(() => featuresCommand.run(["list", "--json"]));
  const ids = JSON.parse(list.out[0]).extractors.map((e: { id: string }) => e.id);
  assert.deepEqual(ids, ["digits8-cnn", "mnist-cnn", "fashion-mnist-cnn"]);
  // Without --json: a table for people, one row per extractor, accuracy as a percentage.
  const table = await capture(() => featuresCommand.run(["list"]));
  const lines = table.out.join("\n").split("\n");
  assert.match(lines[0], /^extractor\s+dataset\s+dim\s+held-out accuracy\s+weights \(sha256\)$/);
  assert.match(lines[1], /^digits8-cnn\s+digits8\s+64\s+94\.28%\s+sha256:[0-9a-f]{12}$/);
  assert.equal(lines.length, 4);
  assert.ok(!table.out.join("").includes("{"), "no JSON without --json");
  await assert.rejects(
    featuresCommand.run(["bogus"]),
    (e) => e instanceof UsageError && /allowed: train, eval/.test(e.message),
  );
  await assert.rejects(featuresCommand.run(["train", "swissroll"]), /has no classifier recipe/);
  await assert.rejects(
    featuresCommand.run(["extract", "inception", `${dir}/img.npy`, `${dir}/g.npy`]),
    /needs the path of a tfjs Inception-v3/,
  );
  await Deno.remove(dir, { recursive: true });
});
