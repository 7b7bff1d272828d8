import assert from "node:assert/strict";
import { fmaUnits, fp32Peak, parseCpuinfo, simdWidth } from "./peak.ts";

const cpu = (i: number, core: number, mhz: string, flags: string, extra = "") =>
  `processor\t: ${i}\nvendor_id\t: ${extra || "GenuineIntel"}\ncpu family\t: ${extra ? 25 : 6}\nmodel\t\t: ${
    extra ? 33 : 207
  }\nmodel name\t: Test CPU\ncpu MHz\t\t: ${mhz}\nphysical id\t: 0\n` +
  `core id\t\t: ${core}\nflags\t\t: ${flags}\n`;

Deno.test("parseCpuinfo: physical cores from (physical id, core id), the highest clock, the flags", () => {
  // 4 logical CPUs on 2 hyper-threaded cores.
  const text = [
    cpu(0, 0, "2100.000", "fpu sse2 avx avx2 fma avx512f"),
    cpu(1, 1, "2400.500", "fpu sse2 avx avx2 fma avx512f"),
    cpu(2, 0, "2100.000", "fpu sse2 avx avx2 fma avx512f"),
    cpu(3, 1, "2100.000", "fpu sse2 avx avx2 fma avx512f"),
  ].join("\n");
  const info = parseCpuinfo(text);
  assert.equal(info.logicalCpus, 4);
  assert.equal(info.physicalCores, 2);
  assert.equal(info.mhz, 2400.5);
  assert.equal(info.vendor, "GenuineIntel");
  assert.equal(info.model, 207);
  assert.ok(info.flags.includes("avx512f"));
});

Deno.test("fp32Peak: cores × lanes × 2 × FMA units × GHz, by hand", () => {
  // Emerald Rapids, 2 cores, AVX-512, 2 FMA units, 2.1 GHz: 2 × 16 × 2 × 2 × 2.1 = 268.8.
  const emr = fp32Peak(
    parseCpuinfo(
      [cpu(0, 0, "2100", "sse2 avx2 fma avx512f"), cpu(1, 1, "2100", "sse2 avx2 fma avx512f")].join("\n"),
    ),
  )!;
  assert.equal(emr.gflops, 268.8);
  assert.equal(emr.perCoreGflops, 134.4);
  assert.equal(emr.simdBits, 512);
  assert.equal(emr.fmaUnits, 2);
  assert.match(emr.fmaAssumption, /Emerald Rapids/);
  assert.equal(
    emr.formula,
    "2 cores × (512/32 = 16 lanes) × 2 FLOP/FMA × 2 FMA units × 2.100 GHz = 268.8 GFLOP/s (134.4 per core)",
  );
  // wasm: 4 lanes × 2 × 2 × 2.1 = 33.6 per core.
  assert.equal(emr.wasmCeiling.perCoreGflops, 33.6);
  // Zen 3 (family 25, no AVX-512), 1 core at 3 GHz: 8 lanes × 2 × 2 FMA × 3 = 96.
  const zen3 = fp32Peak(parseCpuinfo(cpu(0, 0, "3000", "sse2 avx avx2 fma", "AuthenticAMD")))!;
  assert.equal(zen3.gflops, 96);
  assert.match(zen3.fmaAssumption, /Zen 3/);
  // No clock: no peak.
  assert.equal(fp32Peak({ ...parseCpuinfo(cpu(0, 0, "", "sse2")), mhz: null }), null);
});

Deno.test("simdWidth and fmaUnits: the widest flag; AVX-512 client cores have one 512-bit FMA unit", () => {
  assert.deepEqual(simdWidth(["sse2", "avx", "avx2"]), [256, "avx2"]);
  assert.deepEqual(simdWidth(["asimd"]), [128, "asimd"]);
  const tiger = { ...parseCpuinfo(cpu(0, 0, "2800", "avx512f fma")), model: 140 };
  assert.equal(fmaUnits(tiger, 512)[0], 1);
  const zen4 = { ...parseCpuinfo(cpu(0, 0, "4000", "avx512f fma avx2", "AuthenticAMD")), model: 0x61 };
  assert.deepEqual(fmaUnits(zen4, 512)[0], 1);
});
