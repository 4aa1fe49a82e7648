/**
 * Test support: deterministic test bytes and a byte comparison that fails fast. Shared by the
 * codec tests; not part of the package.
 *
 * @module
 */
import assert from "node:assert/strict";

/** `length` bytes of a fixed pattern (`(i * 131 + seed) & 0xff`), different for each seed. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
}

/** Byte-by-byte comparison that fails fast (node's diff of two large arrays takes minutes). */
export function assertBytes(
  actual: Uint8Array | undefined,
  expected: Uint8Array,
  message = "",
): void {
  assert.ok(actual !== undefined, `${message}: missing`);
  assert.equal(actual.length, expected.length, `${message}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(`${message}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
