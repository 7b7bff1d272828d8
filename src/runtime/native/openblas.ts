/**
 * OpenBLAS through Deno FFI: single- and double-precision GEMM, SYRK and the LAPACK routines the
 * Fréchet distance needs, called on ordinary typed arrays (including views of the tfjs-wasm heap).
 *
 * Library: Debian's `libopenblas0-pthread` (scripts/setup.sh installs it), loaded from
 * {@link openblasCandidates}. Loading needs `--allow-ffi` for that path (the deno.json tasks scope it to
 * exactly that file); without the permission or the file, {@link loadOpenBlas} returns null with the
 * reason, and every caller falls back to its pure wasm / JavaScript path.
 *
 * Core type: OpenBLAS 0.3.21 (bookworm) picks its kernels from the CPU model at load time and falls back
 * to "Prescott" (SSE3) on CPUs newer than it knows (measured here on an Intel Xeon, family 6 model 207:
 * 32 GFLOP/s sgemm instead of ~150 with the AVX-512 kernels). So when the user has not set
 * `OPENBLAS_CORETYPE` and the CPU has usable AVX-512 (F, CD, BW, DQ, VL; read from glibc's CPUID table,
 * else /proc/cpuinfo), it is set before the library loads ({@link openblasCoreTypeFor}); the fingerprint
 * records the core the library reports.
 *
 * Threads: `openblas_set_num_threads` sets one process-wide count; with a fixed count every GEMM splits its
 * work the same way, so reruns are bit-identical (src/runtime/native/determinism_test.ts).
 *
 * @module
 */

import { readCString, x86Features } from "./cmem.ts";

/** CBLAS enum values (cblas.h). */
export const CBLAS = { RowMajor: 101, NoTrans: 111, Trans: 112, Upper: 121, Lower: 122 } as const;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  cblas_dgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f64",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f64",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  cblas_sger: {
    parameters: ["i32", "i32", "i32", "f32", "buffer", "i32", "buffer", "i32", "buffer", "i32"],
    result: "void",
  },
  cblas_dsyrk: {
    parameters: ["i32", "i32", "i32", "i32", "i32", "f64", "buffer", "i32", "f64", "buffer", "i32"],
    result: "void",
  },
  // LAPACK (Fortran ABI: every argument by reference, then the hidden lengths of the character arguments).
  dsyevd_: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "usize",
      "usize",
    ],
    result: "void",
  },
  dpstrf_: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "usize",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  // Strings returned by address ("usize", not "pointer": see cmem.ts).
  openblas_get_config: { parameters: [], result: "usize" },
  openblas_get_corename: { parameters: [], result: "usize" },
} as const satisfies Deno.ForeignLibraryInterface;

/** What was loaded, for the environment fingerprint. */
export interface OpenBlasInfo {
  /** The library file loaded. */
  path: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64". */
  config: string;
  /** `openblas_get_corename()`: the kernel set in use. */
  coreName: string;
  /**
   * `inEffect`: OPENBLAS_CORETYPE when the library was loaded (null: OpenBLAS's own detection); `policy`:
   * the value antbench sets when the user has not ({@link openblasCoreTypeFor}). They differ only when the
   * user chose another core. (Recorded this way because a Web Worker sees the variable its process's main
   * thread set and cannot tell who set it.)
   */
  coreType: { inEffect: string | null; policy: string | null };
  /** Thread count now set. */
  threads: number;
}

/** A loaded OpenBLAS. */
export interface OpenBlas {
  readonly info: OpenBlasInfo;
  /** Row-major C = α·op(A)·op(B) + β·C (float32). */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** Row-major C = α·op(A)·op(B) + β·C (float64). */
  dgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    lda: number,
    b: Float64Array,
    ldb: number,
    beta: number,
    c: Float64Array,
    ldc: number,
  ): void;
  /** Row-major A[m×n] += 1·biasᵀ (a per-column bias on every row; BLAS sger with a vector of ones). */
  addRowBias(a: Float32Array, m: number, n: number, bias: Float32Array): void;
  /** The upper triangle of the row-major n×n C = α·AᵀA + β·C, for a row-major k×n A (leading dimension lda). */
  dsyrkUpperAtA(
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    lda: number,
    beta: number,
    c: Float64Array,
  ): void;
  /**
   * Eigenvalues (ascending) and, with `vectors`, eigenvectors of the symmetric n×n matrix `a` (row-major,
   * overwritten: on return row i holds eigenvector i when `vectors`). LAPACK dsyevd; throws on info ≠ 0.
   */
  dsyevd(a: Float64Array, n: number, vectors: boolean): Float64Array;
  /**
   * Pivoted Cholesky (LAPACK dpstrf, stopping at pivots ≤ tol) of the symmetric PSD n×n matrix `a`. Row-major
   * `a` is read as its column-major transpose (the same matrix); on return its row-major lower triangle holds
   * L with Pᵀ A P ≈ L Lᵀ over the first `rank` columns (LAPACK's upper U = Lᵀ), and piv[i] (0-based) is
   * the row of A that became row i. info = 1 means rank < n (not an error).
   */
  dpstrf(a: Float64Array, n: number, tol: number): { rank: number; piv: Int32Array; info: number };
  setThreads(n: number): void;
}

/** Library paths tried, in order: `ANTBENCH_OPENBLAS` when set, then Debian's pthread build for this arch. */
export function openblasCandidates(arch: string = Deno.build.arch, env?: string): string[] {
  const triple = arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  const debian = `/usr/lib/${triple}/openblas-pthread/libopenblas.so.0`;
  return env ? [env, debian] : [debian];
}

/** CPU flags from /proc/cpuinfo ("flags" on x86, "Features" on arm); empty when unreadable. */
export function cpuFlags(cpuinfo?: string): Set<string> {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/cpuinfo");
    } catch {
      return new Set();
    }
  }
  const m = text.match(/^(?:flags|Features)\s*:\s*(.+)$/m);
  return new Set(m ? m[1].trim().split(/\s+/) : []);
}

/**
 * The OPENBLAS_CORETYPE antbench sets when the user did not: "Cooperlake" for AVX-512 with BF16,
 * "SkylakeX" for AVX-512 (F, CD, BW, DQ, VL) without, else null (leave OpenBLAS's own detection, which knows
 * every AVX2-era CPU of its release). Both are the kernels OpenBLAS itself picks for those CPUs.
 */
export function openblasCoreTypeFor(flags: Set<string>): string | null {
  const avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].every((f) => flags.has(f));
  if (!avx512) return null;
  return flags.has("avx512_bf16") ? "Cooperlake" : "SkylakeX";
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

let loaded: OpenBlas | null | undefined;
let loadFailure = "";

/** Why the last {@link loadOpenBlas} returned null ("" when it did not). */
export function openblasLoadFailure(): string {
  return loadFailure;
}

/**
 * Load OpenBLAS once per process (later calls return the same binding, or null again). Returns null when
 * no candidate loads (missing file, no `--allow-ffi` for it, or FFI unavailable); {@link openblasLoadFailure}
 * says why.
 */
export function loadOpenBlas(): OpenBlas | null {
  if (loaded !== undefined) return loaded;
  const candidates = openblasCandidates(Deno.build.arch, envGet("ANTBENCH_OPENBLAS"));
  const policy = openblasCoreTypeFor(x86Features() ?? cpuFlags());
  let inEffect = envGet("OPENBLAS_CORETYPE") ?? null;
  if (inEffect === null && policy !== null) {
    try {
      Deno.env.set("OPENBLAS_CORETYPE", policy);
      inEffect = policy;
    } catch {
      // no --allow-env=OPENBLAS_CORETYPE: OpenBLAS detects the core itself (possibly a slow fallback).
    }
  }
  const coreType = { inEffect, policy };
  const reasons: string[] = [];
  for (const path of candidates) {
    let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      reasons.push(
        e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
          ? `${path}: not permitted (run with --allow-ffi=${path})`
          : `${path}: ${msg}`,
      );
      continue;
    }
    loaded = bind(lib, path, coreType);
    loadFailure = "";
    return loaded;
  }
  loadFailure = reasons.join("; ");
  loaded = null;
  return null;
}

function bind(
  lib: Deno.DynamicLibrary<typeof SYMBOLS>,
  path: string,
  coreType: OpenBlasInfo["coreType"],
): OpenBlas {
  const s = lib.symbols;
  const info: OpenBlasInfo = {
    path,
    config: readCString(s.openblas_get_config()).trim(),
    coreName: readCString(s.openblas_get_corename()).trim(),
    coreType,
    threads: s.openblas_get_num_threads(),
  };
  const t = (x: boolean) => (x ? CBLAS.Trans : CBLAS.NoTrans);
  const ch = (c: string) => new Uint8Array([c.charCodeAt(0)]);
  const i32 = (v: number) => new Int32Array([v]);
  let ones = new Float32Array(0);
  return {
    info,
    sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (m === 0 || n === 0) return;
      s.cblas_sgemm(CBLAS.RowMajor, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },
    dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (m === 0 || n === 0) return;
      s.cblas_dgemm(CBLAS.RowMajor, t(ta), t(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },
    addRowBias(a, m, n, bias) {
      if (m === 0 || n === 0) return;
      if (ones.length < m) ones = new Float32Array(Math.max(m, 2 * ones.length)).fill(1);
      s.cblas_sger(CBLAS.RowMajor, m, n, 1, ones, 1, bias, 1, a, n);
    },
    dsyrkUpperAtA(n, k, alpha, a, lda, beta, c) {
      s.cblas_dsyrk(CBLAS.RowMajor, CBLAS.Upper, CBLAS.Trans, n, k, alpha, a, lda, beta, c, n);
    },
    dsyevd(a, n, vectors) {
      const w = new Float64Array(n);
      const info = i32(0);
      // Workspace query, then the call. Row-major symmetric a is its own column-major transpose.
      const wq = new Float64Array(1), iwq = new Int32Array(1);
      const jobz = ch(vectors ? "V" : "N"), uplo = ch("L");
      s.dsyevd_(jobz, uplo, i32(n), a, i32(Math.max(1, n)), w, wq, i32(-1), iwq, i32(-1), info, 1n, 1n);
      if (info[0] !== 0) throw new Error(`LAPACK dsyevd workspace query failed (info ${info[0]})`);
      const lwork = Math.ceil(wq[0]), liwork = iwq[0];
      const work = new Float64Array(Math.max(1, lwork)), iwork = new Int32Array(Math.max(1, liwork));
      s.dsyevd_(
        jobz,
        uplo,
        i32(n),
        a,
        i32(Math.max(1, n)),
        w,
        work,
        i32(lwork),
        iwork,
        i32(liwork),
        info,
        1n,
        1n,
      );
      if (info[0] !== 0) throw new Error(`LAPACK dsyevd failed to converge (info ${info[0]})`);
      return w;
    },
    dpstrf(a, n, tol) {
      const piv = new Int32Array(n), rank = i32(0), info = i32(0);
      const work = new Float64Array(2 * Math.max(1, n));
      s.dpstrf_(ch("U"), i32(n), a, i32(Math.max(1, n)), piv, rank, new Float64Array([tol]), work, info, 1n);
      if (info[0] < 0) throw new Error(`LAPACK dpstrf: argument ${-info[0]} is invalid`);
      for (let i = 0; i < n; i++) piv[i] -= 1;
      return { rank: rank[0], piv, info: info[0] };
    },
    setThreads(n) {
      s.openblas_set_num_threads(n);
      info.threads = s.openblas_get_num_threads();
    },
  };
}
