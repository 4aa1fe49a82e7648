// This module is browser compatible.
/**
 * The one formatter behind the client's option errors, so each check costs a few bytes:
 * `Cannot <action> as '<name>' must be <rule>: current value is <value>`.
 *
 * @module
 */

/** The largest delay `setTimeout` honours and the default closing-handshake deadline, in milliseconds (one constant each for every layer). */
export { DEFAULT_CLOSE_TIMEOUT, MAX_TIMER_DELAY } from "../codec/_limits.ts";

/**
 * Builds the error for an option that breaks its rule (a `RangeError` unless `type` says
 * otherwise); the caller throws it.
 */
export function invalid(
  action: string,
  name: string,
  rule: string,
  value: unknown,
  type: ErrorConstructor = RangeError,
): Error {
  return new type(`Cannot ${action} as '${name}' must be ${rule}: current value is ${value}`);
}
