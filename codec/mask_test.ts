import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyMask, defaultMaskSource } from "./mask.ts";
import { assertBytes } from "../testing/bytes.ts";

/** The obvious bytewise masking, as the reference. */
function referenceMask(data: Uint8Array, key: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[(((offset + i) % 4) + 4) % 4]!;
  return out;
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

describe("applyMask", () => {
  it("masks 'Hello' with the RFC 6455 section 5.7 key", () => {
    const data = new TextEncoder().encode("Hello");
    applyMask(data, KEY);
    assert.deepEqual([...data], [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it("is its own inverse", () => {
    const original = pattern(1000, 7);
    const data = original.slice();
    applyMask(data, KEY);
    assert.notDeepEqual(data, original);
    applyMask(data, KEY);
    assert.deepEqual(data, original);
  });

  it("matches a bytewise reference at every alignment, key offset and length 0..70", () => {
    const keys = [KEY, new Uint8Array([1, 2, 3, 4]), new Uint8Array([0xff, 0, 0x80, 0x7f])];
    for (const key of keys) {
      for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
        for (const offset of [0, 1, 2, 3, 5, -1, -6]) {
          for (let length = 0; length <= 70; length++) {
            const backing = pattern(byteOffset + length + 8, length * 31 + byteOffset + 1);
            const before = backing.slice();
            const data = backing.subarray(byteOffset, byteOffset + length);
            const expected = referenceMask(data, key, offset);
            applyMask(data, key, offset);
            assert.deepEqual(
              data,
              expected,
              `byteOffset ${byteOffset} offset ${offset} length ${length}`,
            );
            // Bytes outside the view are untouched.
            assert.deepEqual(backing.subarray(0, byteOffset), before.subarray(0, byteOffset));
            assert.deepEqual(
              backing.subarray(byteOffset + length),
              before.subarray(byteOffset + length),
            );
          }
        }
      }
    }
  });

  it("matches the reference on 1 MiB at an odd byteOffset", () => {
    const backing = pattern(1_048_576 + 3, 99);
    const data = backing.subarray(3);
    const expected = referenceMask(data, KEY, 2);
    applyMask(data, KEY, 2);
    assertBytes(data, expected);
  });

  it("masks a payload piece by piece when given the running offset", () => {
    const whole = pattern(257, 5);
    const pieces = whole.slice();
    applyMask(whole, KEY);
    for (const [start, end] of [[0, 3], [3, 40], [40, 41], [41, 200], [200, 257]] as const) {
      applyMask(pieces.subarray(start, end), KEY, start);
    }
    assert.deepEqual(pieces, whole);
  });

  it("masks a view at byteOffset 6 of an ArrayBuffer", () => {
    const buffer = new ArrayBuffer(64);
    const data = new Uint8Array(buffer, 6, 50);
    data.fill(0xaa);
    applyMask(data, KEY);
    assert.deepEqual(data, referenceMask(new Uint8Array(50).fill(0xaa), KEY, 0));
  });

  it("throws RangeError for a key that is not 4 bytes", () => {
    assert.throws(() => applyMask(new Uint8Array(8), new Uint8Array(3)), {
      name: "RangeError",
      message: "Cannot apply mask as 'key' must be 4 bytes long: current length is 3",
    });
  });

  it("throws RangeError for a non-integer offset", () => {
    assert.throws(() => applyMask(new Uint8Array(8), KEY, 1.5), RangeError);
  });
});

describe("defaultMaskSource", () => {
  it("fills a 4-byte key with varying random bytes, across pool refills", () => {
    const seen = new Set<number>();
    const key = new Uint8Array(4);
    for (let i = 0; i < 3000; i++) {
      defaultMaskSource(key);
      seen.add(new DataView(key.buffer).getUint32(0));
    }
    // 3000 draws of 32 random bits: collisions are astronomically unlikely in bulk.
    assert.ok(seen.size > 2990, `only ${seen.size} distinct keys`);
  });

  it("fills keys of other lengths too", () => {
    const small = new Uint8Array(7);
    const large = new Uint8Array(100);
    defaultMaskSource(small);
    defaultMaskSource(large);
    assert.ok(large.some((byte) => byte !== 0));
  });
});
