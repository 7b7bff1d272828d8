/**
 * Reading memory the native libraries return by address (version strings, small structs) without Deno's
 * `Deno.UnsafePointer*` API, which requires an unscoped `--allow-ffi`: with `--allow-ffi` scoped to the
 * library files, pointers travel as plain integers ("usize") and are read through libc's strnlen/memcpy.
 * So libc is one of the scoped FFI paths (deno.json).
 *
 * @module
 */

/** libc of this Debian architecture. */
export function libcPath(arch: string = Deno.build.arch): string {
  return `/usr/lib/${arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu"}/libc.so.6`;
}

const SYMBOLS = {
  strnlen: { parameters: ["usize", "usize"], result: "usize" },
  memcpy: { parameters: ["buffer", "usize", "usize"], result: "usize" },
  // glibc >= 2.33 on x86 (sys/platform/x86.h): CPUID words and the "active" (usable) feature bits.
  __x86_get_cpuid_feature_leaf: { parameters: ["u32"], result: "usize", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

let libc: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null | undefined;

function load(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null {
  if (libc === undefined) {
    try {
      libc = Deno.dlopen(libcPath(), SYMBOLS).symbols;
    } catch {
      libc = null;
    }
  }
  return libc;
}

/** The NUL-terminated string at `address` (at most `max` bytes); "" for NULL or when libc is not loadable. */
export function readCString(address: bigint | number, max = 4096): string {
  const c = load();
  if (c === null || BigInt(address) === 0n) return "";
  const n = Number(c.strnlen(BigInt(address), BigInt(max)));
  const bytes = new Uint8Array(n);
  if (n > 0) c.memcpy(bytes, BigInt(address), BigInt(n));
  return new TextDecoder().decode(bytes);
}

/** `n` bytes copied from `address`; null when libc is not loadable or the address is NULL. */
export function readBytes(address: bigint | number, n: number): Uint8Array | null {
  const c = load();
  if (c === null || BigInt(address) === 0n) return null;
  const bytes = new Uint8Array(n);
  c.memcpy(bytes, BigInt(address), BigInt(n));
  return bytes;
}

/**
 * The AVX-512 features the CPU and OS support (named as in /proc/cpuinfo), from glibc's CPUID table;
 * null where that is unavailable (not x86 glibc). Deno reads /proc/cpuinfo only with --allow-all, so this
 * is how the OpenBLAS core type is chosen under the scoped task permissions.
 */
export function x86Features(): Set<string> | null {
  const c = load();
  if (c === null || Deno.build.arch !== "x86_64" || !c.__x86_get_cpuid_feature_leaf) return null;
  // struct cpuid_feature { unsigned cpuid_array[4]; unsigned active_array[4]; }; leaf 1 = CPUID 7, 6 = CPUID 7.1.
  const active = (leaf: number): Uint32Array | null => {
    const bytes = readBytes(c.__x86_get_cpuid_feature_leaf!(leaf), 32);
    return bytes && new Uint32Array(bytes.buffer, 16, 4);
  };
  const l7 = active(1), l71 = active(6);
  if (!l7 || !l71) return null;
  const out = new Set<string>();
  const bits: [string, Uint32Array, number, number][] = [
    ["avx512f", l7, 1, 16],
    ["avx512dq", l7, 1, 17],
    ["avx512cd", l7, 1, 28],
    ["avx512bw", l7, 1, 30],
    ["avx512vl", l7, 1, 31],
    ["avx512_bf16", l71, 0, 5],
  ];
  for (const [name, words, reg, bit] of bits) if ((words[reg] >>> bit) & 1) out.add(name);
  return out;
}
