import assert from "node:assert/strict";
import { resolveSuite } from "./validate.ts";
import { defaultRegistries } from "./registries.ts";
import { testRegistries } from "./test_registries.ts";
import { planRuns } from "./expand.ts";
import { UsageError } from "../runtime/errors.ts";
import { type AutoencoderArch, autoencoderInitialWeights } from "../latent/autoencoder.ts";
import { saveAutoencoder } from "../latent/weights.ts";

const ARCH28: AutoencoderArch = {
  input: [28, 28, 1],
  channels: 4,
  channelMult: [1, 1, 1],
  numResBlocks: 1,
  zChannels: 4,
  groups: 2,
};

async function saveTiny(dir: string, seed = 0) {
  return await saveAutoencoder(dir, {
    id: "t",
    dataset: { id: "mnist", options: { size: 28 } },
    arch: ARCH28,
    training: {
      seed,
      steps: 0,
      batchSize: 1,
      lr: 0,
      beta1: 0,
      beta2: 0,
      klWeight: 0,
      trainImages: 0,
      backend: "wasm",
      seconds: 0,
      command: "test",
    },
  }, autoencoderInitialWeights(ARCH28, seed));
}

const base = (latent: unknown, datasets: unknown[] = [{ id: "mnist", options: { size: 28 } }]) => ({
  name: "lat",
  datasets,
  model: { id: "unet", options: { channelMult: [1] } },
  objectives: ["snr"],
  k: [5],
  methods: ["uw"],
  seeds: 1,
  steps: 8,
  train: { batchSize: 10 },
  ...(latent === undefined ? {} : { latent }),
});

function problems(raw: unknown, reg = defaultRegistries()): string {
  try {
    resolveSuite(raw, reg);
  } catch (e) {
    assert.ok(e instanceof UsageError);
    return e.message;
  }
  return "";
}

Deno.test("suite latent: validated up front (exists, encodes the dataset's shape, a string)", async () => {
  const tmp = await Deno.makeTempDir();
  await saveTiny(`${tmp}/ae`);
  const ok = resolveSuite(base(`${tmp}/ae`), defaultRegistries());
  assert.deepEqual(ok.latent, { autoencoder: `${tmp}/ae` });
  assert.equal(resolveSuite(base(undefined), defaultRegistries()).latent, undefined);
  assert.match(
    problems(base("no-such-autoencoder")),
    /latent: "no-such-autoencoder".*unknown autoencoder.*allowed: mnist-kl-f4/s,
  );
  assert.match(problems(base(`${tmp}/missing`)), /cannot read model\.json/);
  assert.match(
    problems(base(`${tmp}/ae`, ["digits8", { id: "mnist", options: { size: 32 } }])),
    /dataset "digits8": autoencoder .* encodes 28x28x1 images; the dataset's are 8x8x1.*dataset "mnist":.*32x32x1/s,
  );
  assert.match(problems(base(7)), /latent: got 7; allowed: an autoencoder id/);
  assert.match(problems(base("x", ["moons"]), testRegistries()), /these registries have no autoencoders/);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("content id: a latent run's id hashes the autoencoder's weights, not its name or path", async () => {
  const tmp = await Deno.makeTempDir();
  const m = await saveTiny(`${tmp}/a`);
  await saveTiny(`${tmp}/b`); // the same weights elsewhere
  await saveTiny(`${tmp}/c`, 1); // other weights
  const reg = defaultRegistries();
  const plan = async (latent?: string) => await planRuns(resolveSuite(base(latent), reg), reg);
  const a = await plan(`${tmp}/a`),
    b = await plan(`${tmp}/b`),
    c = await plan(`${tmp}/c`),
    none = await plan();
  assert.ok(a.every((r) => r.config.latent?.weightsHash === m.weightsHash));
  assert.deepEqual(a.map((r) => r.id), b.map((r) => r.id));
  assert.notDeepEqual(a.map((r) => r.id), c.map((r) => r.id));
  assert.notDeepEqual(a.map((r) => r.id), none.map((r) => r.id));
  assert.equal(none[0].config.latent, undefined);
  await Deno.remove(tmp, { recursive: true });
});
