/**
 * The shape every registry shares: a list of ids written once as an `as const` array (its element type is
 * the string-literal union that editors complete) and the map from id to entry, checked against that list
 * when the module loads.
 *
 * @module
 */

/**
 * A registered id or any other string: editors still complete the registered ids, and ids of entries a
 * caller registers itself (custom registries, suite files) still type-check; suites validate every id
 * against the registries before anything runs.
 */
export type OpenId<T extends string> = T | (string & Record<never, never>);

/**
 * The map id -> entry of `entries`, which must carry exactly `ids` in that order (a missing, extra or
 * misspelt id is a programming error: thrown when the registry module loads).
 */
export function registryMap<E extends { readonly id: string }>(
  kind: string,
  ids: readonly string[],
  entries: readonly E[],
): ReadonlyMap<string, E> {
  const got = entries.map((e) => e.id);
  if (got.length !== ids.length || got.some((id, i) => id !== ids[i])) {
    throw new Error(
      `${kind} registry: the entries' ids [${got.join(", ")}] differ from the ids [${ids.join(", ")}]`,
    );
  }
  return new Map(entries.map((e) => [e.id, e]));
}
