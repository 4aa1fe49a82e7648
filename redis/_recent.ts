/**
 * The newest entries of the history log that a `RedisStore` delivered to its server, kept in
 * memory so that a replay (a client reconnecting after a short cut, the usual case) reads them
 * here instead of fetching and decoding every entry of every room from Redis.
 *
 * @module
 */

import type { LogEntry, LogRead } from "../events/store.ts";

/** A ring of the last entries delivered, contiguous (offsets with no hole) in one epoch. */
export class RecentEntries {
  readonly #capacity: number;
  readonly #maxLength: number;
  readonly #maxAge: number;
  #entries: LogEntry[] = [];
  #times: number[] = [];
  /** Index of the oldest entry in the ring arrays. */
  #start = 0;

  /**
   * @param capacity Entries kept (0: none).
   * @param maxLength The log's length bound: older entries are trimmed in Redis, read them there.
   * @param maxAge The log's age bound, in milliseconds (the same).
   */
  constructor(capacity: number, maxLength: number, maxAge: number) {
    this.#capacity = capacity;
    this.#maxLength = maxLength;
    this.#maxAge = maxAge;
  }

  /** Entries held. */
  get length(): number {
    return this.#entries.length - this.#start;
  }

  /** Remembers an entry just delivered; one that does not follow the last starts again. */
  push(entry: LogEntry, now: number): void {
    if (this.#capacity === 0) return;
    const last = this.#entries.at(-1);
    if (
      this.length > 0 && (last!.epoch !== entry.epoch || last!.offset + 1 !== entry.offset)
    ) this.clear();
    this.#entries.push(entry);
    this.#times.push(now);
    if (this.length > this.#capacity) this.#start++;
    // Compact now and then (amortized O(1) per entry).
    if (this.#start >= this.#capacity) {
      this.#entries = this.#entries.slice(this.#start);
      this.#times = this.#times.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Forgets every entry (a gap: what follows is not contiguous with them). */
  clear(): void {
    this.#entries = [];
    this.#times = [];
    this.#start = 0;
  }

  /**
   * Up to `limit` entries after `offset` of `epoch`, when this ring holds the first of them and
   * the log's bounds keep it (`end`: the last entry delivered); `undefined`: read Redis.
   */
  read(epoch: string, offset: number, limit: number, now: number): LogRead | undefined {
    if (this.length === 0) return undefined;
    const first = this.#entries[this.#start]!;
    const last = this.#entries.at(-1)!;
    if (first.epoch !== epoch || offset < first.offset - 1 || offset > last.offset) {
      return undefined;
    }
    const from = this.#start + (offset - first.offset + 1);
    if (from < this.#entries.length) {
      // Trimmed in Redis (by length or age): Redis answers "trimmed".
      if (last.offset - offset > this.#maxLength || this.#times[from]! < now - this.#maxAge) {
        return undefined;
      }
    }
    return { entries: this.#entries.slice(from, from + limit), end: last.offset };
  }
}
