/**
 * A bounded log of per-step diagnostics (UW's s_i, Nash-MTL's α): keeps every entry until `cap`, then
 * drops every second entry and records only every 2nd (4th, ...) later one, so a long run keeps an evenly
 * thinned trajectory of at most `cap` points, always including the first.
 *
 * @module
 */

/** Evenly thinned history of at most `cap` entries. */
export class ThinnedHistory<T> {
  readonly #entries: T[] = [];
  #stride = 1;
  #seen = 0;

  constructor(readonly cap = 256) {
    if (!(cap >= 2)) throw new RangeError(`history cap must be >= 2, got ${cap}`);
  }

  /** Offer one entry (the n-th offered entry is kept when n is a multiple of the current stride). */
  push(entry: T): void {
    if (this.#seen++ % this.#stride !== 0) return;
    this.#entries.push(entry);
    if (this.#entries.length >= this.cap) {
      for (let i = this.#entries.length - 1; i >= 0; i--) if (i % 2 === 1) this.#entries.splice(i, 1);
      this.#stride *= 2;
    }
  }

  /** The kept entries, oldest first. */
  get entries(): readonly T[] {
    return this.#entries;
  }
}
