/**
 * Test support: which runtime runs the tests, for `node:test`'s `skip` option. The one place
 * where a test says it cannot run on Bun, and why (`scripts/test_bun.ts` prints every reason).
 * Not part of the package.
 *
 * @module
 */

/** Whether the tests run in Bun (`bun test`). */
export const inBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * For `node:test`'s `skip` option: `reason` (prefixed with `Bun: `) when the tests run in Bun,
 * else `false`. Say what Bun lacks, for example
 * `skipOnBun("Bun replaces the npm package ws with its built-in ws, which has no Sender.frame")`.
 */
export function skipOnBun(reason: string): string | false {
  return inBun ? `Bun: ${reason}` : false;
}

/**
 * The inverse of {@linkcode skipOnBun}, for `node:test`'s `skip` option: `reason` when the
 * tests do NOT run in Bun (what the test needs from Bun), else `false`.
 */
export function onlyOnBun(reason: string): string | false {
  return inBun ? false : reason;
}
