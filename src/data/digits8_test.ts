import assert from "node:assert/strict";
import { DIGITS8_MD5, digits8Factory, loadDigits8, parseDigitsCsv } from "./digits8.ts";
import { REPO_ROOT } from "./files.ts";
import { UsageError } from "../runtime/errors.ts";

const ctx = { cacheDir: "/nonexistent" };
const FIXTURE = `${REPO_ROOT}/fixtures/data/digits8/digits.csv.gz`;

function counts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

Deno.test("digits8 loads 1500 train / 297 held-out images with the file's values", async () => {
  const d = await loadDigits8();
  assert.equal(d.kind, "image");
  assert.deepEqual(d.dataShape, [8, 8, 1]);
  assert.equal(d.nTrain, 1500);
  assert.equal(d.train.length, 1500 * 64);
  assert.equal(d.featureSpace, "digits8-cnn");
  assert.equal(d.provenance.checksum, `md5:${DIGITS8_MD5}`);
  // Row 1 of digits.csv: 0,0,5,13,9,1,0,0,... label 0; pixel p maps to p/8 - 1.
  assert.deepEqual([...d.train.subarray(0, 8)], [0, 0, 5, 13, 9, 1, 0, 0].map((p) => p / 8 - 1));
  assert.equal(d.trainLabels![0], 0);
  // Class counts of all 1797 rows and of the last 297 rows, counted with awk on the CSV.
  const all = counts(new Uint8Array([...d.trainLabels!, ...d.heldOut.labels!]));
  assert.deepEqual(all, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  assert.equal(d.heldOut.n, 297);
  const min = Math.min(...d.train), max = Math.max(...d.train);
  assert.deepEqual([min, max], [-1, 1]);
});

Deno.test("digits8 rejects a missing, truncated or corrupted file with a clear message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(FIXTURE);
    const expectErr = async (file: string, re: RegExp) => {
      await assert.rejects(
        () => digits8Factory.load({ file }, ctx),
        (e: Error) => e instanceof UsageError && re.test(e.message),
      );
    };
    await expectErr(
      `${dir}/nope.csv.gz`,
      /digits8: data file .*nope\.csv\.gz is missing.*apt-get download python3-sklearn/,
    );
    await Deno.writeFile(`${dir}/trunc.csv.gz`, bytes.subarray(0, 30000));
    await expectErr(
      `${dir}/trunc.csv.gz`,
      /checksum mismatch for .*trunc\.csv\.gz: md5 [0-9a-f]{32}, expected ca09b3/,
    );
    const flipped = bytes.slice();
    flipped[1000] ^= 0xff;
    await Deno.writeFile(`${dir}/flip.csv.gz`, flipped);
    await expectErr(`${dir}/flip.csv.gz`, /checksum mismatch/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseDigitsCsv names the line and column of a bad value", () => {
  const row = new Array(64).fill("0").concat(["3"]).join(",");
  const rows = new Array(1797).fill(row);
  assert.equal(parseDigitsCsv(rows.join("\n") + "\n", "f").labels[5], 3);
  rows[9] = row.replace(/^0/, "17");
  assert.throws(
    () => parseDigitsCsv(rows.join("\n"), "f"),
    /f line 10 column 1: "17" is not an integer in \[0, 16\]/,
  );
  assert.throws(() => parseDigitsCsv(rows.slice(1).join("\n"), "f"), /has 1796 rows, expected 1797/);
});

Deno.test("digits8 options are validated", () => {
  assert.deepEqual(digits8Factory.validate({ file: "x" }), []);
  assert.deepEqual(digits8Factory.validate({ file: "", size: 3 }), [
    `size: got 3; allowed: the option file`,
    `file: got ""; allowed: a path string`,
  ]);
});
