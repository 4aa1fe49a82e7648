// This module is browser compatible.
/**
 * Exponential backoff with full jitter for reconnection delays.
 *
 * Retry number `n` (the first retry is `n = 0`) waits
 * `random() * min(maxDelay, baseDelay * factor ** n)` milliseconds: the jitter applies to every
 * retry, the first one included, so clients cut off together do not come back together. The
 * retry counter goes back to zero only after a connection stayed open for `minUptime`.
 *
 * @module
 */

import { check, isDelay } from "./_check.ts";

/**
 * Options of {@linkcode Backoff}. Times are in milliseconds.
 *
 * @example Fast retries, given up after two
 * ```ts
 * import { Backoff, type BackoffOptions } from "@wirely/wirely/client";
 * const options: BackoffOptions = { baseDelay: 500, factor: 3, maxRetries: 2, random: () => 0.5 };
 * const backoff = new Backoff(options);
 * console.log(backoff.next(), backoff.next(), backoff.next()); // 250 750 undefined
 * ```
 */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in milliseconds. @default {1_000} */
  baseDelay?: number;
  /** Growth of the ceiling from one retry to the next (1 keeps it constant). @default {2} */
  factor?: number;
  /** Largest delay ceiling, in milliseconds (at most 2_147_483_647). @default {30_000} */
  maxDelay?: number;
  /** Retries before giving up; `0` never retries. @default {Infinity} */
  maxRetries?: number;
  /** Milliseconds a connection must stay open for the retry counter to reset. @default {5_000} */
  minUptime?: number;
  /** Source of uniform numbers in [0, 1); inject a seeded one in tests. @default {Math.random} */
  random?: () => number;
}

/**
 * The ceiling of retry number `attempt` (0 for the first retry):
 * `min(maxDelay, baseDelay * factor ** attempt)`.
 *
 * @param attempt Retries already made since the last reset.
 * @param options `baseDelay`, `factor`, `maxDelay` (already validated).
 * @returns The ceiling in milliseconds.
 *
 * @example
 * ```ts
 * import { backoffCeiling } from "@wirely/wirely/client";
 * const options = { baseDelay: 1_000, factor: 2, maxDelay: 30_000 };
 * console.log(backoffCeiling(0, options), backoffCeiling(3, options), backoffCeiling(9, options));
 * // 1000 8000 30000
 * ```
 */
export function backoffCeiling(
  attempt: number,
  options: { baseDelay: number; factor: number; maxDelay: number },
): number {
  return Math.min(options.maxDelay, options.baseDelay * options.factor ** attempt);
}

/**
 * Counts retries and computes their delays.
 *
 * @example Exact delays with a fixed random source
 * ```ts
 * import { Backoff } from "@wirely/wirely/client";
 * const backoff = new Backoff({ baseDelay: 100, maxRetries: 3, random: () => 0.5 });
 * console.log(backoff.next(), backoff.next(), backoff.next(), backoff.next());
 * // 50 100 200 undefined
 * ```
 */
export class Backoff {
  /** Delay ceiling of the first retry, in milliseconds. */
  declare readonly baseDelay: number;
  /** Growth of the ceiling per retry. */
  declare readonly factor: number;
  /** Largest delay ceiling, in milliseconds. */
  declare readonly maxDelay: number;
  /** Retries before giving up. */
  declare readonly maxRetries: number;
  /** Milliseconds of uptime that reset the retry counter. */
  declare readonly minUptime: number;
  readonly #random: () => number;
  #attempt = 0;

  /**
   * Applies the defaults and checks every option.
   *
   * @param options Delays, limits and the random source.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(options: BackoffOptions = {}) {
    const {
      baseDelay = 1_000,
      factor = 2,
      maxDelay = 30_000,
      maxRetries = Infinity,
      minUptime = 5_000,
      random = Math.random,
    } = options;
    check(isDelay(baseDelay), "baseDelay", baseDelay);
    check(factor >= 1 && factor < Infinity, "factor", factor);
    check(isDelay(maxDelay), "maxDelay", maxDelay);
    check(
      maxRetries === Infinity || Number.isInteger(maxRetries) && maxRetries >= 0,
      "maxRetries",
      maxRetries,
    );
    check(minUptime >= 0 && minUptime < Infinity, "minUptime", minUptime);
    check(typeof random === "function", "random", typeof random, TypeError);
    // `declare` fields emit no class field: one assignment sets them all.
    Object.assign(this, { baseDelay, factor, maxDelay, maxRetries, minUptime });
    this.#random = random;
  }

  /** Retries counted since the last reset (1 after the first {@linkcode Backoff.next}). */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * Counts one more retry and returns how long to wait before it.
   *
   * @returns The delay in milliseconds, or `undefined` when `maxRetries` retries were made.
   */
  next(): number | undefined {
    if (this.#attempt >= this.maxRetries) return undefined;
    const ceiling = backoffCeiling(this.#attempt, this);
    this.#attempt += 1;
    const random = this.#random();
    check(random >= 0 && random < 1, "random()", random);
    return random * ceiling;
  }

  /**
   * Tells how long the last connection stayed open; resets the retry counter when that was
   * at least `minUptime`.
   *
   * @param uptime Milliseconds between open and close.
   */
  connectionEnded(uptime: number): void {
    if (uptime >= this.minUptime) this.#attempt = 0;
  }

  /** Sets the retry counter back to zero. */
  reset(): void {
    this.#attempt = 0;
  }
}
