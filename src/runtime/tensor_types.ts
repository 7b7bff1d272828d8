/**
 * The tfjs-core tensor types that antbench's extension points (models, MTL methods, checkpoints) take and
 * return, under antbench's own documented names, so that the public API (mod.ts) documents them; they are
 * tfjs-core's types, unchanged.
 *
 * @module
 */
import type * as tfc from "@tensorflow/tfjs-core";

/** A tfjs-core tensor of any rank. */
export type Tensor = tfc.Tensor;
/** A rank-1 tfjs-core tensor. */
export type Tensor1D = tfc.Tensor1D;
/** A rank-4 tfjs-core tensor (NHWC images). */
export type Tensor4D = tfc.Tensor4D;
/** A rank-0 tfjs-core tensor. */
export type Scalar = tfc.Scalar;
/** A trainable tfjs-core variable. */
export type Variable = tfc.Variable;
