// Masking of large payloads with WebAssembly SIMD (`_mask_simd.ts`) and `maskInto`, checked
// against a bytewise reference around the SIMD threshold, the 64 KiB block and every phase.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyMask, maskInto, SIMD_THRESHOLD } from "./mask.ts";
import { maskCopy } from "./_mask_simd.ts";
import { assertBytes, pattern } from "../testing/bytes.ts";

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** The obvious bytewise masking, as the reference. */
function referenceMask(data: Uint8Array, key: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[(((offset + i) % 4) + 4) % 4]!;
  return out;
}

const LENGTHS = [
  SIMD_THRESHOLD - 1,
  SIMD_THRESHOLD,
  SIMD_THRESHOLD + 1,
  4_099,
  65_535,
  65_536,
  65_537,
  65_536 * 2 + 63,
  200_003,
];

describe("masking with WebAssembly SIMD", () => {
  it("runs in this runtime (Deno, Node and Bun all have WebAssembly SIMD)", () => {
    const data = pattern(64, 1);
    assert.equal(maskCopy(data, data, 0, KEY, 0), true);
    assertBytes(data, referenceMask(pattern(64, 1), KEY, 0));
  });

  it("applyMask matches the reference around the threshold and the 64 KiB block, at every alignment and key offset", () => {
    for (const length of LENGTHS) {
      for (const byteOffset of [0, 1, 3]) {
        for (const offset of [0, 1, 2, 3, -1, 6]) {
          const backing = pattern(byteOffset + length + 5, length + byteOffset + offset);
          const before = backing.slice();
          const data = backing.subarray(byteOffset, byteOffset + length);
          const expected = referenceMask(data, KEY, offset);
          applyMask(data, KEY, offset);
          const label = `length ${length} byteOffset ${byteOffset} offset ${offset}`;
          assertBytes(data, expected, label);
          assertBytes(backing.subarray(0, byteOffset), before.subarray(0, byteOffset), label);
          assertBytes(
            backing.subarray(byteOffset + length),
            before.subarray(byteOffset + length),
            label,
          );
        }
      }
    }
  });

  it("maskInto copies masked bytes to the target offset, leaving the source and the rest of the target unchanged", () => {
    for (const length of [0, 1, 5, 100, ...LENGTHS]) {
      for (const offset of [0, 1, 2, 3, 7]) {
        const source = pattern(length, offset + 3);
        const original = source.slice();
        const target = pattern(length + 10, 77);
        const targetBefore = target.slice();
        maskInto(source, target, 4, KEY, offset);
        const label = `length ${length} offset ${offset}`;
        assertBytes(source, original, `${label}: source`);
        assertBytes(target.subarray(4, 4 + length), referenceMask(original, KEY, offset), label);
        assertBytes(target.subarray(0, 4), targetBefore.subarray(0, 4), `${label}: before`);
        assertBytes(
          target.subarray(4 + length),
          targetBefore.subarray(4 + length),
          `${label}: after`,
        );
      }
    }
  });

  it("maskInto with the same bytes as source and target masks in place", () => {
    const data = pattern(70_001, 9);
    const expected = referenceMask(data, KEY, 1);
    maskInto(data, data, 0, KEY, 1);
    assertBytes(data, expected);
  });
});
