// This module is browser compatible.
/**
 * Byte helpers shared inside wirely (not part of the public API).
 *
 * @module
 */

/**
 * Copies `parts` in order into one new buffer.
 *
 * @param parts The pieces.
 * @param size Their total length in bytes, when the caller already knows it.
 * @returns A new buffer of `size` bytes.
 */
export function concatBytes(parts: readonly Uint8Array[], size?: number): Uint8Array {
  let total = size;
  if (total === undefined) {
    total = 0;
    for (const part of parts) total += part.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
