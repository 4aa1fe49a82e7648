// This module is browser compatible.
/**
 * The one checker behind every option of the client, so each check costs a few bytes: it
 * throws `Invalid '<name>': <value>` (the rule is in the option's documentation).
 *
 * @module
 */

/** The largest delay `setTimeout` honours and the default closing-handshake deadline, in milliseconds (one constant each for every layer). */
export { DEFAULT_CLOSE_TIMEOUT, MAX_TIMER_DELAY } from "../codec/_limits.ts";

/**
 * Throws a `RangeError` (or `type`) naming the option and its value unless `ok`.
 *
 * @param ok Whether the value follows its rule.
 * @param name The option's name.
 * @param value The value shown in the message (a type name for a wrong type).
 * @param type The error class. @default {RangeError}
 */
export function check(
  ok: unknown,
  name: string,
  value: unknown,
  type: ErrorConstructor = RangeError,
): void {
  if (!ok) throw new type(`Invalid '${name}': ${value}`);
}

/** Whether `value` is a delay a timer can wait: 0 (or 1 with `min`) to `MAX_TIMER_DELAY`. */
export function isDelay(value: number, min = 0): boolean {
  return value >= min && value <= 2_147_483_647;
}
