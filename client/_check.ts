// This module is browser compatible.
/**
 * The one formatter behind the client's option errors, so each check costs a few bytes:
 * `Cannot <action> as '<name>' must be <rule>: current value is <value>`.
 *
 * @module
 */

/** The largest delay `setTimeout` honours, in milliseconds. */
export const MAX_TIMER_DELAY = 2_147_483_647;

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
