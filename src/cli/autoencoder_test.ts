import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { autoencoderCommand } from "./autoencoder.ts";
import { UsageError } from "../runtime/errors.ts";

Deno.test("cli autoencoder: list (trained and GPU-only recipes); bad input is a usage error", async () => {
  const { code, out } = await capture(() => autoencoderCommand.run(["list", "--json"]));
  assert.equal(code, 0);
  const rows = JSON.parse(out[0]).autoencoders;
  const mnist = rows.find((r: { id: string }) => r.id === "mnist-kl-f4");
  assert.deepEqual([mnist.trained, mnist.latentShape, mnist.input], [true, [7, 7, 4], [28, 28, 1]]);
  assert.match(mnist.weightsHash, /^sha256:[0-9a-f]{64}$/);
  const ffhq = rows.find((r: { id: string }) => r.id === "ffhq-kl-f4");
  assert.equal(ffhq.trained, false);
  assert.match(ffhq.note, /GPU/);
  await assert.rejects(
    autoencoderCommand.run(["train", "nope"]),
    (e) =>
      e instanceof UsageError &&
      /autoencoder train <id>: got "nope"; allowed: mnist-kl-f4 \| ffhq-kl-f4/.test(e.message),
  );
  await assert.rejects(autoencoderCommand.run(["bogus"]), /allowed: train, eval, list/);
  const dir = await Deno.makeTempDir();
  await assert.rejects(autoencoderCommand.run(["eval", `${dir}/none`]), /cannot read model\.json/);
  await Deno.remove(dir, { recursive: true });
});
