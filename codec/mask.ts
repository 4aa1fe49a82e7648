// This module is browser compatible.
/**
 * Masking of frame payloads (RFC 6455 section 5.3): XOR with a 4-byte key, in place, four bytes
 * at a time where the data is 32-bit aligned, or sixteen with WebAssembly SIMD for large payloads.
 *
 * @module
 */

import type { MaskSource } from "./frame.ts";
import { maskCopy } from "./_mask_simd.ts";

/**
 * A 4-byte scratch seen both as bytes and as one 32-bit word: writing the key bytes and reading
 * the word gives the word in the platform's byte order, right on little- and big-endian alike.
 */
const keyWord: Uint32Array = new Uint32Array(1);
const keyBytes: Uint8Array = new Uint8Array(keyWord.buffer);

/** Below this length the word loop does not pay for its Uint32Array view: bytewise only. */
const WORD_THRESHOLD = 48;
/**
 * From this length on, payloads are (un)masked with WebAssembly SIMD where it runs (see
 * `_mask_simd.ts`), in bytes.
 */
export const SIMD_THRESHOLD = 2048;

/**
 * XORs `data` in place with the 4-byte masking `key`. Masking and unmasking are the same
 * operation. `offset` is the position in the key cycle of `data[0]`, so a payload can be
 * (un)masked piece by piece: pass the number of payload bytes that came before the piece.
 *
 * @param data The bytes to (un)mask, changed in place. Any `byteOffset` is accepted.
 * @param key The 4-byte masking key.
 * @param offset The key position of `data[0]` (any integer, taken modulo 4); default 0.
 * @throws {RangeError} If `key` is not 4 bytes long or `offset` is not an integer.
 *
 * @example Mask and unmask "Hello" with the key of RFC 6455 section 5.7
 * ```ts
 * import { applyMask } from "@wirely/wirely/codec";
 * const data = new TextEncoder().encode("Hello");
 * const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
 * applyMask(data, key);
 * console.log(data); // Uint8Array(5) [ 127, 159, 77, 81, 88 ]
 * applyMask(data, key);
 * console.log(new TextDecoder().decode(data)); // "Hello"
 * ```
 */
export function applyMask(data: Uint8Array, key: Uint8Array, offset: number = 0): void {
  if (key.length !== 4) {
    throw new RangeError(
      `Cannot apply mask as 'key' must be 4 bytes long: current length is ${key.length}`,
    );
  }
  if (!Number.isInteger(offset)) {
    throw new RangeError(
      `Cannot apply mask as 'offset' must be an integer: current value is ${offset}`,
    );
  }
  const length = data.length;
  const phase = offset & 3; // also right for negative offsets
  if (length >= SIMD_THRESHOLD && maskCopy(data, data, 0, key, phase)) return;
  if (length < WORD_THRESHOLD) {
    // Bytewise, unrolled by 4 with the key bytes in locals.
    const k0 = key[phase]!;
    const k1 = key[(phase + 1) & 3]!;
    const k2 = key[(phase + 2) & 3]!;
    const k3 = key[(phase + 3) & 3]!;
    let i = 0;
    for (const end = length - 3; i < end; i += 4) {
      data[i] = data[i]! ^ k0;
      data[i + 1] = data[i + 1]! ^ k1;
      data[i + 2] = data[i + 2]! ^ k2;
      data[i + 3] = data[i + 3]! ^ k3;
    }
    if (i < length) data[i] = data[i]! ^ k0;
    if (i + 1 < length) data[i + 1] = data[i + 1]! ^ k1;
    if (i + 2 < length) data[i + 2] = data[i + 2]! ^ k2;
    return;
  }
  // Bytewise up to the first 4-byte boundary of the underlying buffer.
  const head = (4 - (data.byteOffset & 3)) & 3;
  for (let i = 0; i < head; i++) data[i] = data[i]! ^ key[(phase + i) & 3]!;
  keyBytes[0] = key[(phase + head) & 3]!;
  keyBytes[1] = key[(phase + head + 1) & 3]!;
  keyBytes[2] = key[(phase + head + 2) & 3]!;
  keyBytes[3] = key[(phase + head + 3) & 3]!;
  const word = keyWord[0]!;
  const words = (length - head) >>> 2;
  const view = new Uint32Array(data.buffer, data.byteOffset + head, words);
  let w = 0;
  for (const end = words - 3; w < end; w += 4) {
    view[w] = view[w]! ^ word;
    view[w + 1] = view[w + 1]! ^ word;
    view[w + 2] = view[w + 2]! ^ word;
    view[w + 3] = view[w + 3]! ^ word;
  }
  for (; w < words; w++) view[w] = view[w]! ^ word;
  // The last 0-3 bytes.
  for (let i = head + (words << 2); i < length; i++) data[i] = data[i]! ^ key[(phase + i) & 3]!;
}

/**
 * Copies `source` into `target` at `targetOffset`, (un)masked with `key` from key position
 * `offset`; `source` is not changed. One pass with WebAssembly SIMD where it runs, else a copy and
 * {@linkcode applyMask} on the copy.
 *
 * @param source The bytes to copy.
 * @param target Where they go, from `targetOffset` on (must have room for them).
 * @param targetOffset Position in `target`.
 * @param key The 4-byte masking key.
 * @param offset The key position of `source[0]`.
 */
export function maskInto(
  source: Uint8Array,
  target: Uint8Array,
  targetOffset: number,
  key: Uint8Array,
  offset: number,
): void {
  const length = source.length;
  if (length >= SIMD_THRESHOLD && maskCopy(source, target, targetOffset, key, offset & 3)) return;
  target.set(source, targetOffset);
  if (length > 0) applyMask(target.subarray(targetOffset, targetOffset + length), key, offset);
}

/** How many random bytes one `crypto.getRandomValues` call fetches for masking keys. */
const POOL_SIZE = 4096;
let pool: Uint8Array<ArrayBuffer> | undefined;
let poolPosition = POOL_SIZE;

/**
 * The default {@linkcode MaskSource}: fills the key from `crypto.getRandomValues`. To keep the
 * cost per frame low, random bytes are fetched 4096 at a time and handed out 4 at a time; every
 * byte is used once.
 *
 * @example Make a masking key
 * ```ts
 * import { defaultMaskSource } from "@wirely/wirely/codec";
 * const key = new Uint8Array(4);
 * defaultMaskSource(key);
 * console.log(key.length); // 4
 * ```
 */
export const defaultMaskSource: MaskSource = (key: Uint8Array): void => {
  if (pool !== undefined && key.length === 4 && poolPosition <= POOL_SIZE - 4) {
    const at = poolPosition;
    key[0] = pool[at]!;
    key[1] = pool[at + 1]!;
    key[2] = pool[at + 2]!;
    key[3] = pool[at + 3]!;
    poolPosition = at + 4;
    return;
  }
  for (let i = 0; i < key.length; i++) {
    if (pool === undefined || poolPosition === POOL_SIZE) {
      pool ??= new Uint8Array(POOL_SIZE);
      crypto.getRandomValues(pool);
      poolPosition = 0;
    }
    key[i] = pool[poolPosition++]!;
  }
};
