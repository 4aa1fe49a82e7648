// This module is browser compatible.
/**
 * The time source of the client: wall-clock time and one-shot timers. Tests inject a fake one
 * to check backoff and heartbeat deadlines without waiting.
 *
 * @module
 */

/**
 * Wall-clock time and one-shot timers, as the client uses them.
 *
 * @example A clock that logs every timer
 * ```ts
 * import { type Clock, systemClock } from "@wirely/wirely/client";
 * const logging: Clock = {
 *   now: () => systemClock.now(),
 *   schedule(callback, delay) {
 *     console.log(`timer in ${delay} ms`);
 *     return systemClock.schedule(callback, delay);
 *   },
 * };
 * const cancel = logging.schedule(() => console.log("never"), 1_000); // timer in 1000 ms
 * cancel();
 * ```
 */
export interface Clock {
  /** Current wall-clock time in milliseconds since the epoch (like `Date.now()`). */
  now(): number;
  /**
   * Runs `callback` once after `delay` milliseconds.
   * @returns A function that cancels the timer (harmless after it fired).
   */
  schedule(callback: () => void, delay: number): () => void;
}

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock } from "@wirely/wirely/client";
 * const start = systemClock.now();
 * systemClock.schedule(() => console.log(systemClock.now() - start >= 10), 10); // true
 * ```
 */
export const systemClock: Clock = {
  now: (): number => Date.now(),
  schedule(callback: () => void, delay: number): () => void {
    const id = setTimeout(callback, delay);
    return () => clearTimeout(id);
  },
};
