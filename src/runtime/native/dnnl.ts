/**
 * oneDNN (libdnnl.so.2, the convolution library PyTorch uses on CPUs; Debian installs it with python3-torch)
 * through Deno FFI: forward, backward-data and backward-weights convolution primitives on NHWC / HWIO
 * Float32Arrays. oneDNN 2.x C API (struct descriptors); any other major version is not loaded.
 *
 * Why: on the U-Net's shapes oneDNN's JIT AVX-512 kernels on its blocked layouts (nChw16c, OIhw16i16o),
 * including the reorders to and from tfjs's NHWC, ran at about twice the speed of the OpenBLAS tap GEMMs
 * (src/runtime/native/gemm_conv.ts) in interleaved measurements (lab/native/bench_kernels.ts). Given plain
 * NHWC tensors it picks its own im2col+GEMM instead, which is slower, so every primitive is created with
 * `format_tag_any` and the user's NHWC / HWIO data are reordered in and out.
 *
 * One primitive set per geometry is created on first use (JIT code generation takes milliseconds) and kept
 * for the process; scratch memory is user-managed (one buffer per primitive), so concurrent Web Workers
 * never share library state. Threads: OpenMP (`omp_set_num_threads` in libgomp, per calling thread).
 *
 * @module
 */
import type { ConvGeometry } from "./gemm_conv.ts";
import { libcPath, readBytes, readCString } from "./cmem.ts";

// Handles and returned addresses are plain integers ("usize"), our arrays are "buffer"s: Deno's
// pointer-object API needs an unscoped --allow-ffi, this needs only the library paths (see cmem.ts).
const U = "usize", B = "buffer";
const SYMBOLS = {
  dnnl_version: { parameters: [], result: U },
  dnnl_engine_create: { parameters: [B, "i32", U], result: "i32" },
  dnnl_stream_create: { parameters: [B, U, "u32"], result: "i32" },
  dnnl_memory_desc_init_by_tag: { parameters: [B, "i32", B, "i32", "i32"], result: "i32" },
  dnnl_memory_desc_equal: { parameters: [U, B], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: [U], result: U },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [B, "i32", "i32", B, B, B, B, B, B, B, B],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [B, "i32", B, B, B, B, B, B, B],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [B, "i32", B, B, B, B, B, B, B, B],
    result: "i32",
  },
  dnnl_primitive_attr_create: { parameters: [B], result: "i32" },
  dnnl_primitive_attr_set_scratchpad_mode: { parameters: [U, "i32"], result: "i32" },
  dnnl_primitive_desc_create: { parameters: [B, B, U, U, U], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: [U, "i32", "i32"], result: U },
  dnnl_primitive_desc_query: { parameters: [U, "i32", "i32", B], result: "i32" },
  reorder_in: { name: "dnnl_reorder_primitive_desc_create", parameters: [B, B, U, U, U, U], result: "i32" },
  reorder_out: { name: "dnnl_reorder_primitive_desc_create", parameters: [B, U, U, B, U, U], result: "i32" },
  dnnl_primitive_create: { parameters: [B, U], result: "i32" },
  memory_create_user: { name: "dnnl_memory_create", parameters: [B, B, U, U], result: "i32" },
  memory_create_queried: { name: "dnnl_memory_create", parameters: [B, U, U, U], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: [U, B], result: "i32" },
  dnnl_primitive_execute: { parameters: [U, U, "i32", B], result: "i32" },
  dnnl_stream_wait: { parameters: [U], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

// Enum values of oneDNN 2.6 (dnnl_types.h).
const F32 = 3, TAG_ANY = 1, TAG_A = 2, TAG_NHWC = 20, TAG_HWIO = 30;
const FORWARD_TRAINING = 64, CONV_DIRECT = 1, SCRATCHPAD_USER = 1, QUERY_IMPL_INFO = 8;
const Q = { src: 129, diffSrc: 130, weights: 131, diffWeights: 132, dst: 133, diffDst: 134, scratchpad: 136 };
const ARG = {
  src: 1,
  dst: 17,
  weights: 33,
  bias: 41,
  diffSrc: 129,
  diffDst: 145,
  diffWeights: 161,
  scratchpad: 80,
};
/** Bytes reserved for dnnl_memory_desc_t (696 in 2.6) and dnnl_convolution_desc_t (5976): with room to spare. */
const MD_BYTES = 2048, OPDESC_BYTES = 16384;

/** What was loaded, for the environment fingerprint. */
export interface DnnlInfo {
  /** The library file loaded. */
  path: string;
  /** "major.minor.patch (hash)". */
  version: string;
  /** The OpenMP thread count set for the calling thread (oneDNN's threading runtime here is OpenMP). */
  threads: number;
}

/** A loaded oneDNN with a per-geometry primitive cache. */
export interface Dnnl {
  readonly info: DnnlInfo;
  convForward(
    g: ConvGeometry,
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
  ): void;
  convBackpropInput(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  convBackpropFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  /** oneDNN's implementation names of the primitives created so far (e.g. "jit:avx512_core"), by geometry. */
  implementations(): Record<string, string>;
  setThreads(n: number): void;
}

/** Library paths tried: `ANTBENCH_DNNL` when set, then Debian's libdnnl2 for this arch. */
export function dnnlCandidates(arch: string = Deno.build.arch, env?: string): string[] {
  const triple = arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  const debian = `/usr/lib/${triple}/libdnnl.so.2`;
  return env ? [env, debian] : [debian];
}

/** The libgomp oneDNN links against (for its thread count). */
export function gompPath(arch: string = Deno.build.arch): string {
  return `/usr/lib/${arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu"}/libgomp.so.1`;
}

let loaded: Dnnl | null | undefined;
let failure = "";

/** Why the last {@link loadDnnl} returned null ("" when it did not). */
export function dnnlLoadFailure(): string {
  return failure;
}

/** Load oneDNN once per process (worker); null with {@link dnnlLoadFailure} when it cannot be used. */
export function loadDnnl(): Dnnl | null {
  if (loaded !== undefined) return loaded;
  let env: string | undefined;
  try {
    env = Deno.env.get("ANTBENCH_DNNL");
  } catch { /* no permission: default path only */ }
  const reasons: string[] = [];
  for (const path of dnnlCandidates(Deno.build.arch, env)) {
    try {
      const lib = Deno.dlopen(path, SYMBOLS);
      // dnnl_version_t {int major, minor, patch; const char *hash; ...}
      const raw = readBytes(lib.symbols.dnnl_version(), 24);
      if (raw === null) throw new Error(`cannot read the version (libc at ${libcPath()} not loadable)`);
      const v = new DataView(raw.buffer);
      const major = v.getInt32(0, true), version = `${major}.${v.getInt32(4, true)}.${v.getInt32(8, true)}`;
      const hash = readCString(v.getBigUint64(16, true));
      if (major !== 2) {
        reasons.push(`${path}: oneDNN ${version}; only the 2.x C API is supported`);
        lib.close();
        continue;
      }
      loaded = bind(lib, path, `${version} (${hash})`);
      failure = "";
      return loaded;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      reasons.push(
        e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
          ? `${path}: not permitted (run with --allow-ffi=${path})`
          : `${path}: ${msg}`,
      );
    }
  }
  failure = reasons.join("; ");
  loaded = null;
  return null;
}

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

function check(status: number, what: string): void {
  if (status !== 0) throw new Error(`oneDNN ${what} failed (status ${status})`);
}

/** Call `fn` with an out-parameter slot and return the handle it wrote. */
function out(fn: (slot: BigUint64Array) => number, what: string): bigint {
  const slot = new BigUint64Array(1);
  check(fn(slot), what);
  return slot[0];
}

function dims(values: number[]): BigInt64Array {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => (d[i] = BigInt(v)));
  return d;
}

/** What a primitive argument is: its id, where its layout is queried, the user's plain layout, direction. */
interface ArgSpec {
  id: number;
  query: number;
  index: number;
  user: Uint8Array;
  input: boolean;
}

/** One argument of a primitive: the user's plain memory, and a blocked copy with its reorder when they differ. */
interface Arg {
  input: boolean;
  user: bigint;
  reorder: bigint | null;
  reorderArgs: Uint8Array;
}

interface Prim {
  prim: bigint;
  impl: string;
  args: Arg[];
  execArgs: Uint8Array;
  nargs: number;
  /** Buffers oneDNN holds raw addresses of; referenced here so they outlive the primitive. */
  keep: unknown[];
}

function bind(lib: Deno.DynamicLibrary<typeof SYMBOLS>, path: string, version: string): Dnnl {
  const s: Lib = lib.symbols;
  const engine = out((o) => s.dnnl_engine_create(o, 1, 0n), "engine_create");
  const stream = out((o) => s.dnnl_stream_create(o, engine, 1), "stream_create");
  const attr = out((o) => s.dnnl_primitive_attr_create(o), "attr_create");
  check(s.dnnl_primitive_attr_set_scratchpad_mode(attr, SCRATCHPAD_USER), "set_scratchpad_mode");
  let gomp: { omp_set_num_threads: (n: number) => void } | null = null;
  try {
    gomp = Deno.dlopen(gompPath(), { omp_set_num_threads: { parameters: ["i32"], result: "void" } }).symbols;
  } catch { /* no permission: OpenMP's default (OMP_NUM_THREADS or all cores) */ }
  const info: DnnlInfo = { path, version, threads: 0 };
  const cache = new Map<string, Prim>();

  const md = (d: number[], tag: number): Uint8Array => {
    const m = new Uint8Array(MD_BYTES);
    check(s.dnnl_memory_desc_init_by_tag(m, d.length, dims(d), F32, tag), "memory_desc_init");
    return m;
  };
  const execArgs = (pairs: [number, bigint][]): Uint8Array => {
    const a = new BigUint64Array(pairs.length * 2); // dnnl_exec_arg_t {int arg; dnnl_memory_t memory;}
    pairs.forEach(([id, m], i) => {
      a[2 * i] = BigInt(id);
      a[2 * i + 1] = m;
    });
    return new Uint8Array(a.buffer);
  };

  /** Create the primitive of `opDesc` with its arguments' memories, blocked copies and reorders. */
  const create = (opDesc: Uint8Array, hint: bigint, specs: ArgSpec[]): Prim => {
    const pd = out(
      (o) => s.dnnl_primitive_desc_create(o, opDesc, attr, engine, hint),
      "primitive_desc_create",
    );
    const implSlot = new BigUint64Array(1);
    s.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO, 0, implSlot);
    const impl = readCString(implSlot[0]) || "?";
    const prim = out((o) => s.dnnl_primitive_create(o, pd), "primitive_create");
    const keep: unknown[] = [opDesc];
    const pairs: [number, bigint][] = [];
    const args: Arg[] = specs.map((spec) => {
      keep.push(spec.user);
      const user = out((o) => s.memory_create_user(o, spec.user, engine, 0n), "memory_create");
      const want = s.dnnl_primitive_desc_query_md(pd, spec.query, spec.index);
      if (s.dnnl_memory_desc_equal(want, spec.user) !== 0) {
        pairs.push([spec.id, user]);
        return { input: spec.input, user, reorder: null, reorderArgs: new Uint8Array(0) };
      }
      const inner = out((o) => s.memory_create_queried(o, want, engine, 0n), "memory_create");
      const buf = new Float32Array(Math.ceil(Number(s.dnnl_memory_desc_get_size(want)) / 4) + 16);
      keep.push(buf);
      check(s.dnnl_memory_set_data_handle(inner, buf), "set_data_handle");
      const rpd = spec.input
        ? out((o) => s.reorder_in(o, spec.user, engine, want, engine, 0n), "reorder_pd")
        : out((o) => s.reorder_out(o, want, engine, spec.user, engine, 0n), "reorder_pd");
      const reorder = out((o) => s.dnnl_primitive_create(o, rpd), "reorder_create");
      pairs.push([spec.id, inner]);
      const io: [number, bigint][] = spec.input
        ? [[ARG.src, user], [ARG.dst, inner]]
        : [[ARG.src, inner], [ARG.dst, user]];
      return { input: spec.input, user, reorder, reorderArgs: execArgs(io) };
    });
    const spMd = s.dnnl_primitive_desc_query_md(pd, Q.scratchpad, 0);
    const spBytes = spMd === 0n ? 0 : Number(s.dnnl_memory_desc_get_size(spMd));
    if (spBytes > 0) {
      const sp = out((o) => s.memory_create_queried(o, spMd, engine, 0n), "memory_create");
      const buf = new Uint8Array(spBytes + 64);
      keep.push(buf);
      check(s.dnnl_memory_set_data_handle(sp, buf), "set_data_handle");
      pairs.push([ARG.scratchpad, sp]);
    }
    return { prim, impl, args, execArgs: execArgs(pairs), nargs: pairs.length, keep };
  };

  const run = (p: Prim, data: Float32Array[]) => {
    p.args.forEach((a, i) => check(s.dnnl_memory_set_data_handle(a.user, data[i]), "set_data_handle"));
    for (const a of p.args) {
      if (a.input && a.reorder) {
        check(s.dnnl_primitive_execute(a.reorder, stream, 2, a.reorderArgs), "reorder");
      }
    }
    check(s.dnnl_primitive_execute(p.prim, stream, p.nargs, p.execArgs), "execute");
    for (const a of p.args) {
      if (!a.input && a.reorder) {
        check(s.dnnl_primitive_execute(a.reorder, stream, 2, a.reorderArgs), "reorder");
      }
    }
    check(s.dnnl_stream_wait(stream), "stream_wait");
  };

  const get = (kind: "fwd" | "bwdData" | "bwdWeights", g: ConvGeometry, bias: boolean): Prim => {
    const key = `${kind}${bias ? "+bias" : ""} ${JSON.stringify(g)}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const src = md([g.n, g.c, g.h, g.w], TAG_NHWC), wei = md([g.co, g.c, g.kh, g.kw], TAG_HWIO);
    const dst = md([g.n, g.co, g.oh, g.ow], TAG_NHWC), b = md([g.co], TAG_A);
    const anySrc = md([g.n, g.c, g.h, g.w], TAG_ANY), anyWei = md([g.co, g.c, g.kh, g.kw], TAG_ANY);
    const anyDst = md([g.n, g.co, g.oh, g.ow], TAG_ANY);
    const st = dims([g.sh, g.sw]), dl = dims([g.dh - 1, g.dw - 1]); // oneDNN counts dilation from 0
    const pl = dims([g.top, g.left]), pr = dims([g.bottom, g.right]);
    const fd = new Uint8Array(OPDESC_BYTES);
    check(
      s.dnnl_dilated_convolution_forward_desc_init(
        fd,
        FORWARD_TRAINING,
        CONV_DIRECT,
        anySrc,
        anyWei,
        bias ? b : null,
        anyDst,
        st,
        dl,
        pl,
        pr,
      ),
      "convolution_forward_desc_init",
    );
    let made: Prim;
    if (kind === "fwd") {
      made = create(fd, 0n, [
        { id: ARG.src, query: Q.src, index: 0, user: src, input: true },
        { id: ARG.weights, query: Q.weights, index: 0, user: wei, input: true },
        ...(bias ? [{ id: ARG.bias, query: Q.weights, index: 1, user: b, input: true }] : []),
        { id: ARG.dst, query: Q.dst, index: 0, user: dst, input: false },
      ]);
    } else {
      // The backward primitives need the forward primitive descriptor as a hint (not the primitive).
      const hint = out((o) => s.dnnl_primitive_desc_create(o, fd, attr, engine, 0n), "primitive_desc_create");
      const od = new Uint8Array(OPDESC_BYTES);
      if (kind === "bwdData") {
        check(
          s.dnnl_dilated_convolution_backward_data_desc_init(
            od,
            CONV_DIRECT,
            anySrc,
            anyWei,
            anyDst,
            st,
            dl,
            pl,
            pr,
          ),
          "convolution_backward_data_desc_init",
        );
        made = create(od, hint, [
          { id: ARG.diffDst, query: Q.diffDst, index: 0, user: dst, input: true },
          { id: ARG.weights, query: Q.weights, index: 0, user: wei, input: true },
          { id: ARG.diffSrc, query: Q.diffSrc, index: 0, user: src, input: false },
        ]);
      } else {
        check(
          s.dnnl_dilated_convolution_backward_weights_desc_init(
            od,
            CONV_DIRECT,
            anySrc,
            anyWei,
            null,
            anyDst,
            st,
            dl,
            pl,
            pr,
          ),
          "convolution_backward_weights_desc_init",
        );
        made = create(od, hint, [
          { id: ARG.src, query: Q.src, index: 0, user: src, input: true },
          { id: ARG.diffDst, query: Q.diffDst, index: 0, user: dst, input: true },
          { id: ARG.diffWeights, query: Q.diffWeights, index: 0, user: wei, input: false },
        ]);
      }
    }
    made.keep.push(fd, anySrc, anyWei, anyDst);
    cache.set(key, made);
    return made;
  };

  return {
    info,
    convForward(g, x, w, bias, y) {
      run(get("fwd", g, bias !== null), bias ? [x, w, bias, y] : [x, w, y]);
    },
    convBackpropInput(g, dy, w, dx) {
      run(get("bwdData", g, false), [dy, w, dx]);
    },
    convBackpropFilter(g, x, dy, dw) {
      run(get("bwdWeights", g, false), [x, dy, dw]);
    },
    implementations() {
      const impls: Record<string, string> = {};
      for (const [k, p] of cache) impls[k] = p.impl;
      return impls;
    },
    setThreads(n) {
      gomp?.omp_set_num_threads(n);
      info.threads = n;
    },
  };
}
