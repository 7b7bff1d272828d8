import assert from "node:assert/strict";
import { loadFeatures, loadStats } from "./load.ts";
import { npyArray, writeNpy } from "./npy.ts";
import { writeFidStats, writeNpz } from "./npz.ts";
import { UsageError } from "../runtime/errors.ts";

Deno.test("loadFeatures / loadStats: .npy or .npz features, .npz statistics; the wrong content is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Features (0,0), (2,0), (0,2), (2,2): mean (1, 1); unbiased covariance diag(4/3, 4/3).
    const feats = npyArray(new Float64Array([0, 0, 2, 0, 0, 2, 2, 2]), [4, 2]);
    await writeNpy(`${dir}/f.npy`, feats);
    await writeNpz(`${dir}/f.npz`, {
      features: feats,
      labels: npyArray(new Float64Array([0, 1, 0, 1]), [4]),
    });
    await writeNpz(`${dir}/one.npz`, { x: feats });
    for (const f of ["f.npy", "f.npz", "one.npz"]) {
      const m = await loadFeatures(`${dir}/${f}`);
      assert.deepEqual([m.n, m.d, Array.from(m.data)], [4, 2, [0, 0, 2, 0, 0, 2, 2, 2]], f);
      const s = await loadStats(`${dir}/${f}`);
      assert.deepEqual(Array.from(s.mu), [1, 1]);
      assert.ok(Math.abs(s.sigma[0] - 4 / 3) < 1e-12 && Math.abs(s.sigma[1]) < 1e-12);
    }
    await writeFidStats(`${dir}/stats.npz`, {
      mu: new Float64Array([1, 1]),
      sigma: new Float64Array([1, 0, 0, 1]),
      n: 4,
    });
    assert.deepEqual(Array.from((await loadStats(`${dir}/stats.npz`)).sigma), [1, 0, 0, 1]);
    await writeNpz(`${dir}/two.npz`, { a: feats, b: feats });
    await assert.rejects(
      loadFeatures(`${dir}/two.npz`),
      (e) =>
        e instanceof UsageError &&
        /must hold one array or one named "features"; it holds a, b/.test(e.message),
    );
    await assert.rejects(loadFeatures(`${dir}/f.csv`), UsageError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
