import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { folderFactory, type FolderOptions, isHeldOut, loadFolder } from "./folder.ts";
import { UsageError } from "../runtime/errors.ts";

/** 4x4 RGB image whose pixel (y, x) is (16y + 4x, 10, 255 - 16y). */
function rgb4(): Uint8Array {
  const d = new Uint8Array(48);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) d.set([16 * y + 4 * x, 10, 255 - 16 * y], (y * 4 + x) * 3);
  }
  return d;
}

async function makeFolder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeFile(
    `${dir}/a.png`,
    encodePng({ width: 4, height: 4, data: rgb4(), channels: 3, depth: 8 }),
  );
  // 2x2 grey, 16-bit: 257·v maps back to v exactly.
  await Deno.writeFile(
    `${dir}/b.png`,
    encodePng({
      width: 2,
      height: 2,
      data: Uint16Array.from([0, 257 * 100, 257 * 200, 65535]),
      channels: 1,
      depth: 16,
    }),
  );
  const jpg = jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) }, 95);
  await Deno.writeFile(`${dir}/sub/c.JPG`, jpg.data);
  await Deno.writeTextFile(`${dir}/notes.txt`, "ignored");
  return dir;
}

const opts = (dir: string, o: Partial<FolderOptions> = {}): FolderOptions => ({
  ...folderFactory.defaults,
  dir,
  resolution: 2,
  heldOutFraction: 0,
  ...o,
});

/** Independent SHA-256 (WebCrypto) for the split rule. */
async function heldOutByWebCrypto(rel: string, f: number): Promise<boolean> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rel)));
  return ((h[0] << 24 >>> 0) + (h[1] << 16) + (h[2] << 8) + h[3]) / 2 ** 32 < f;
}

Deno.test("folder: decodes PNG (8/16-bit) and JPEG recursively, area-resizes, caches", async () => {
  const dir = await makeFolder();
  const cacheDir = await Deno.makeTempDir();
  try {
    const d = await loadFolder(opts(dir), { cacheDir });
    assert.equal(d.nTrain, 3); // a.png, b.png, sub/c.JPG (sorted); notes.txt ignored
    assert.deepEqual(d.dataShape, [2, 2, 3]);
    const px = [...d.train].map((v) => Math.round((v + 1) * 127.5));
    // a.png 2x2 block means of (16y+4x, 10, 255-16y): R = 10, 18, 42, 50; B = 247, 247, 215, 215.
    assert.deepEqual(px.slice(0, 12), [10, 10, 247, 18, 10, 247, 42, 10, 215, 50, 10, 215]);
    // b.png: 16-bit grey replicated to RGB, same size.
    assert.deepEqual(px.slice(12, 24), [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
    // c.JPG: flat grey 128 (JPEG round trip within 2).
    for (const v of px.slice(24)) assert.ok(Math.abs(v - 128) <= 2, `jpeg value ${v}`);
    // heldOutFraction 0: the reference set is the training set.
    assert.equal(d.heldOut.n, 3);
    const cached = [...Deno.readDirSync(`${cacheDir}/folder`)].map((e) => e.name);
    assert.equal(cached.length, 1);
    const again = await loadFolder(opts(dir), { cacheDir });
    assert.deepEqual(again.train, d.train);
    assert.equal(again.provenance.checksum, d.provenance.checksum);
    // A damaged cache file is rebuilt, with the same result.
    const path = `${cacheDir}/folder/${cached[0]}`;
    await Deno.writeFile(path, (await Deno.readFile(path)).subarray(0, 50));
    const rebuilt = await loadFolder(opts(dir), { cacheDir });
    assert.deepEqual(rebuilt.train, d.train);
    // Grey output: BT.601 luma of a.png's first block (10, 10, 247): 0.299·10 + 0.587·10 + 0.114·247 = 37.02.
    const grey = await loadFolder(opts(dir, { channels: 1 }), { cacheDir });
    assert.deepEqual(grey.dataShape, [2, 2, 1]);
    assert.equal(Math.round((grey.train[0] + 1) * 127.5), 37);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("folder: the held-out split follows SHA-256 of the relative path", async () => {
  const names = Array.from({ length: 40 }, (_, i) => `img${i}.png`);
  for (const n of names) assert.equal(isHeldOut(n, 0.3), await heldOutByWebCrypto(n, 0.3));
  const dir = await Deno.makeTempDir();
  const cacheDir = await Deno.makeTempDir();
  try {
    const png = encodePng({ width: 2, height: 2, data: new Uint8Array(12), channels: 3, depth: 8 });
    for (const n of names) await Deno.writeFile(`${dir}/${n}`, png);
    const d = await loadFolder(opts(dir, { heldOutFraction: 0.3 }), { cacheDir });
    let held = 0;
    for (const n of names) if (await heldOutByWebCrypto(n, 0.3)) held++;
    assert.ok(held > 0 && held < 40);
    assert.equal(d.heldOut.n, held);
    assert.equal(d.nTrain, 40 - held);
    const lim = await loadFolder(opts(dir, { limit: 5 }), { cacheDir });
    assert.equal(lim.nTrain, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("folder: missing, empty and corrupt inputs get clear errors", async () => {
  const dir = await Deno.makeTempDir();
  const cacheDir = await Deno.makeTempDir();
  const rejects = (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: Error) => e instanceof UsageError && re.test(e.message));
  try {
    await rejects(loadFolder(opts(`${dir}/nope`), { cacheDir }), /folder: directory .*\/nope does not exist/);
    await rejects(loadFolder(opts(dir), { cacheDir }), /folder: no \.png\/\.jpg\/\.jpeg images under/);
    const png = encodePng({ width: 3, height: 3, data: new Uint8Array(27).fill(7), channels: 3, depth: 8 });
    await Deno.writeFile(`${dir}/bad.png`, png.subarray(0, png.length - 20));
    await rejects(loadFolder(opts(dir), { cacheDir }), /folder: cannot decode .*\/bad\.png: .*corrupt/);
    await Deno.writeFile(`${dir}/bad.png`, new TextEncoder().encode("not an image at all"));
    await rejects(loadFolder(opts(dir), { cacheDir }), /bad\.png: neither a PNG nor a JPEG file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("folder options are validated", () => {
  assert.deepEqual(folderFactory.validate({ ...folderFactory.defaults, dir: "x" }), []);
  assert.deepEqual(
    folderFactory.validate({
      ...folderFactory.defaults,
      resolution: 3,
      channels: 2,
      crop: "fit",
      heldOutFraction: 0.9,
    }),
    [
      `dir: got ""; allowed: a directory of PNG/JPEG images`,
      `resolution: got 3; allowed: an integer in [4, 1024]`,
      `channels: got 2; allowed: 1 | 3`,
      `crop: got "fit"; allowed: "center" | "stretch"`,
      `heldOutFraction: got 0.9; allowed: a number in [0, 0.5]`,
    ],
  );
});
