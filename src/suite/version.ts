/**
 * The antbench version, read from deno.json. It is part of every run's content id, so results produced by
 * a different version are never mistaken for finished runs of this one.
 *
 * @module
 */
import denoConfig from "../../deno.json" with { type: "json" };

/** antbench version string (deno.json "version"). */
export const ANTBENCH_VERSION: string = denoConfig.version;
