/**
 * The work loop shared by the runner (runs) and the affinity phase (matrices): `jobs` workers take items
 * in order; an item another process holds (its claim is taken: src/suite/lock.ts) is set aside and looked
 * at again, every `pollMs`, once the queue is empty: finished elsewhere, it is counted as such; still
 * unfinished (its holder died or let go), it goes back into the queue.
 *
 * @module
 */

/** What {@link drainClaimQueue} does with each item. */
export interface ClaimQueueOptions<T> {
  /** Workers in parallel (at least 1). */
  jobs: number;
  /** Wait between looks at the items set aside (ms). */
  pollMs: number;
  /** Try an item: "done" (finished or failed here, or found done) or "busy" (claimed elsewhere). */
  attempt(item: T): Promise<"done" | "busy">;
  /** Whether an item set aside has been finished by another process. */
  doneElsewhere(item: T): Promise<boolean>;
  /** Account an item another process finished. */
  onDoneElsewhere(item: T): void;
}

/** Work through `items` (taken in this order) until each is done here or elsewhere. */
export async function drainClaimQueue<T>(items: readonly T[], opts: ClaimQueueOptions<T>): Promise<void> {
  const queue = [...items];
  const deferred: T[] = [];
  const worker = async () => {
    while (true) {
      const item = queue.shift();
      if (item !== undefined) {
        if ((await opts.attempt(item)) === "busy") deferred.push(item);
        continue;
      }
      if (deferred.length === 0) return;
      await new Promise((r) => setTimeout(r, opts.pollMs));
      for (const d of deferred.splice(0)) {
        if (await opts.doneElsewhere(d)) opts.onDoneElsewhere(d);
        else queue.push(d);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.jobs), items.length) }, worker));
}
