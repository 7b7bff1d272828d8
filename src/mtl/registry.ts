/**
 * Registry of multi-task methods (ANT §4.2 combines per-cluster losses with an MTL method), keyed by stable id.
 *
 * @module
 */
import type { MtlMethodFactory } from "./method.ts";
import { vanillaFactory } from "./vanilla.ts";
import { uwFactory } from "./uw.ts";
import { pcgradFactory } from "./pcgrad.ts";
import { nashMtlFactory } from "./nashmtl.ts";
import { minSnrFactory, p2Factory } from "./snr_weighting.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { registryMap } from "../runtime/registry.ts";

/** Ids of the registered methods, in registry order (one line per method: add its id here too). */
export const METHOD_IDS = ["vanilla", "uw", "pcgrad", "nashmtl", "minsnr", "p2"] as const;

/** A registered method id. */
export type MethodId = typeof METHOD_IDS[number];

/** Every registered method factory by id. */
export const METHODS: ReadonlyMap<string, MtlMethodFactory> = registryMap(
  "method",
  METHOD_IDS,
  [
    vanillaFactory,
    uwFactory,
    pcgradFactory,
    nashMtlFactory,
    minSnrFactory,
    p2Factory,
  ] as unknown as MtlMethodFactory[],
);

/** The factory for `id`, or a UsageError listing the allowed ids. */
export function getMethodFactory(id: string, field = "method"): MtlMethodFactory {
  const f = METHODS.get(id);
  if (!f) throw new UsageError(badValue(field, id, [...METHODS.keys()].join(", ")));
  return f;
}

/**
 * Merge user options over the method's defaults and validate them. Unknown method ids are reported as a
 * problem (not thrown), so a suite validator can collect every problem at once.
 */
export function resolveMethodOptions(
  id: string,
  options: Record<string, unknown> = {},
  field = "method",
): { options: Record<string, unknown>; problems: string[] } {
  const f = METHODS.get(id);
  if (!f) return { options: { ...options }, problems: [badValue(field, id, [...METHODS.keys()].join(", "))] };
  const merged = { ...(f.defaults as Record<string, unknown>), ...options };
  return { options: merged, problems: f.validate(merged) };
}
