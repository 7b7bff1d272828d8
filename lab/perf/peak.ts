/**
 * The machine's theoretical float32 peak, printed beside measured GFLOP/s (issue 12, item 1):
 *
 *   peak = cores × (SIMD bits / 32 lanes) × 2 FLOP per fused multiply-add × FMA units per core × clock
 *
 * Inputs from /proc/cpuinfo: physical cores (distinct (physical id, core id) pairs; hyper-threads share
 * their core's FMA units), SIMD width from the flags (avx512f: 512, avx2 or avx: 256, sse2/asimd: 128
 * bits), clock from "cpu MHz" (the highest listed; on VMs the nominal clock, turbo may be higher and
 * sustained AVX-512 clocks lower). The number of FMA units per core is not in /proc/cpuinfo: it is an
 * assumption per microarchitecture, from the vendor's optimisation manuals (table in {@link fmaUnits}),
 * and is printed with the formula. wasm SIMD is 128 bits wide whatever the CPU supports, so the peak a
 * wasm kernel can reach is the 128-bit figure (`wasmCeiling`).
 *
 * @module
 */
import { readCpuinfo } from "./procfs.ts";

/** What /proc/cpuinfo says about the CPU. */
export interface CpuInfo {
  /** CPU vendor. */
  vendor: string;
  /** CPU family. */
  family: number | null;
  /** CPU model number. */
  model: number | null;
  /** CPU model name. */
  modelName: string;
  /** Logical CPUs. */
  logicalCpus: number;
  /** Physical cores. */
  physicalCores: number;
  /** CPU flags. */
  flags: string[];
  /** Clock in MHz. */
  mhz: number | null;
}

/** The float32 peak with its inputs. */
export interface Fp32Peak {
  /** Whole machine, GFLOP/s. */
  gflops: number;
  /** One core, GFLOP/s. */
  perCoreGflops: number;
  /**
   * Peak at 128-bit SIMD width, what wasm SIMD can use, one core and whole machine: an upper bound, since
   * it assumes fused multiply-adds (without relaxed-SIMD FMA, wasm issues a multiply and an add).
   */
  wasmCeiling: { perCoreGflops: number; gflops: number; fmaUnits: number };
  /** Physical cores. */
  cores: number;
  /** Logical CPUs. */
  logicalCpus: number;
  /** SIMD width in bits. */
  simdBits: number;
  /** The flag the SIMD width comes from. */
  simdFlag: string;
  /** FMA units per core (an assumption per microarchitecture). */
  fmaUnits: number;
  /** The microarchitecture assumed for the FMA unit count, and the caveat. */
  fmaAssumption: string;
  /** Clock in GHz. */
  ghz: number;
  /** The formula with its numbers. */
  formula: string;
  /** The CPU. */
  cpu: { vendor: string; family: number | null; model: number | null; modelName: string };
}

/** Parse /proc/cpuinfo (x86 and arm64 layouts). */
export function parseCpuinfo(text: string): CpuInfo {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (b: string, name: string) => {
    const m = b.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"));
    return m ? m[1].trim() : null;
  };
  const first = blocks[0] ?? "";
  const cores = new Set<string>();
  let mhz: number | null = null;
  for (const b of blocks) {
    const phys = field(b, "physical id"), core = field(b, "core id");
    cores.add(phys !== null && core !== null ? `${phys}:${core}` : `cpu${field(b, "processor")}`);
    const m = Number(field(b, "cpu MHz"));
    if (Number.isFinite(m) && m > 0) mhz = Math.max(mhz ?? 0, m);
  }
  const num = (s: string | null) => (s === null || s === "" ? null : Number(s));
  return {
    vendor: field(first, "vendor_id") ?? field(first, "CPU implementer") ?? "unknown",
    family: num(field(first, "cpu family")),
    model: num(field(first, "model")),
    modelName: field(first, "model name") ?? "unknown",
    logicalCpus: blocks.length,
    physicalCores: cores.size,
    flags: (field(first, "flags") ?? field(first, "Features") ?? "").split(/\s+/).filter((f) => f),
    mhz,
  };
}

/** The widest float32 SIMD the flags announce: [bits, flag]. */
export function simdWidth(flags: readonly string[]): [number, string] {
  if (flags.includes("avx512f")) return [512, "avx512f"];
  if (flags.includes("avx2")) return [256, "avx2"];
  if (flags.includes("avx")) return [256, "avx"];
  if (flags.includes("asimd")) return [128, "asimd"];
  if (flags.includes("sse2")) return [128, "sse2"];
  return [32, "none (scalar)"];
}

const INTEL_AVX512_SERVER: Record<number, string> = {
  85: "Skylake-SP / Cascade Lake",
  106: "Ice Lake-SP",
  108: "Ice Lake-D",
  143: "Sapphire Rapids",
  207: "Emerald Rapids",
  173: "Granite Rapids",
  174: "Granite Rapids-D",
};
const INTEL_AVX512_CLIENT: Record<number, string> = {
  125: "Ice Lake client",
  126: "Ice Lake client",
  140: "Tiger Lake",
  141: "Tiger Lake",
  167: "Rocket Lake",
};

/**
 * FMA units per core at `simdBits`, and the microarchitecture assumed. Sources: Intel's and AMD's
 * optimisation reference manuals (execution ports with FMA).
 */
export function fmaUnits(cpu: CpuInfo, simdBits: number): [number, string] {
  const fam = cpu.family, model = cpu.model ?? -1;
  if (cpu.vendor === "GenuineIntel" && fam === 6) {
    if (simdBits === 512 && INTEL_AVX512_SERVER[model]) {
      return [
        2,
        `${INTEL_AVX512_SERVER[model]} (family 6 model ${model}): 2 AVX-512 FMA units (ports 0+1 and 5), ` +
        "as on Xeon Gold/Platinum; some Xeon Silver/Bronze/Gold 5xxx parts have only 1",
      ];
    }
    if (simdBits === 512 && INTEL_AVX512_CLIENT[model]) {
      return [
        1,
        `${INTEL_AVX512_CLIENT[model]} (family 6 model ${model}): 1 AVX-512 FMA unit (ports 0+1 fused)`,
      ];
    }
    if (simdBits === 512) {
      return [2, `Intel family 6 model ${model}, AVX-512: 2 FMA units assumed (not in our table)`];
    }
    if (simdBits === 256 && cpu.flags.includes("fma")) {
      return [
        2,
        `Intel family 6 model ${model} with AVX2/FMA (Haswell or later): 2 256-bit FMA units (ports 0, 1)`,
      ];
    }
    return [
      1,
      `Intel family 6 model ${model} without FMA: 1 multiply + 1 add port counted as 1 FMA-equivalent`,
    ];
  }
  if (cpu.vendor === "AuthenticAMD") {
    if (fam === 23 && model < 0x30) {
      return [1, "Zen / Zen+ (family 23): 256-bit ops run as 2 × 128-bit, 1 FMA-256 equivalent"];
    }
    if (fam === 23) return [2, "Zen 2 (family 23): 2 256-bit FMA pipes"];
    if (fam === 25 && simdBits === 512) {
      return [
        1,
        "Zen 4 (family 25, AVX-512): 2 256-bit FMA pipes, 512-bit ops double-pumped = 1 FMA-512 equivalent",
      ];
    }
    if (fam === 25) return [2, "Zen 3 (family 25): 2 256-bit FMA pipes"];
    if (fam === 26) {
      return [
        2,
        "Zen 5 (family 26): 2 512-bit FMA pipes (desktop/server parts; mobile parts are double-pumped)",
      ];
    }
    return [2, `AMD family ${fam}: 2 FMA units assumed (not in our table)`];
  }
  return [2, `${cpu.vendor} family ${fam} model ${model}: 2 FMA units assumed (not in our table)`];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The peak of the CPU described by `cpu`, or null when its clock is unknown. */
export function fp32Peak(cpu: CpuInfo): Fp32Peak | null {
  if (cpu.mhz === null || cpu.physicalCores < 1) return null;
  const [simdBits, simdFlag] = simdWidth(cpu.flags);
  const [fma, fmaAssumption] = fmaUnits(cpu, simdBits);
  const ghz = cpu.mhz / 1000;
  const lanes = simdBits / 32;
  const perCore = lanes * 2 * fma * ghz;
  // 128-bit FMAs issue on the same ports as 256-bit ones: 2 on every core with FMA in our table.
  const fma128 = cpu.flags.includes("fma") || cpu.flags.includes("asimd") ? 2 : 1;
  const wasmPerCore = (128 / 32) * 2 * fma128 * ghz;
  return {
    gflops: r1(perCore * cpu.physicalCores),
    perCoreGflops: r1(perCore),
    wasmCeiling: {
      perCoreGflops: r1(wasmPerCore),
      gflops: r1(wasmPerCore * cpu.physicalCores),
      fmaUnits: fma128,
    },
    cores: cpu.physicalCores,
    logicalCpus: cpu.logicalCpus,
    simdBits,
    simdFlag,
    fmaUnits: fma,
    fmaAssumption,
    ghz,
    formula:
      `${cpu.physicalCores} cores × (${simdBits}/32 = ${lanes} lanes) × 2 FLOP/FMA × ${fma} FMA units × ` +
      `${ghz.toFixed(3)} GHz = ${r1(perCore * cpu.physicalCores)} GFLOP/s (${r1(perCore)} per core)`,
    cpu: { vendor: cpu.vendor, family: cpu.family, model: cpu.model, modelName: cpu.modelName },
  };
}

/** The peak of this machine from /proc/cpuinfo (null when it cannot be read or has no clock). */
export async function machineFp32Peak(): Promise<Fp32Peak | null> {
  const text = await readCpuinfo();
  return text ? fp32Peak(parseCpuinfo(text)) : null;
}
