import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { sha1 } from "./_sha1.ts";

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

describe("sha1 (the Sec-WebSocket-Accept digest)", () => {
  it("gives the FIPS 180 test vectors", () => {
    const text = (s: string) => new TextEncoder().encode(s);
    assert.equal(hex(sha1(text(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert.equal(hex(sha1(text("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert.equal(
      hex(sha1(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
  });

  it("matches node:crypto for every length from 0 to 300 bytes and random inputs up to 4 KiB", () => {
    for (let length = 0; length <= 300; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      assert.equal(hex(sha1(data)), createHash("sha1").update(data).digest("hex"), `${length} B`);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (data) => {
        assert.equal(hex(sha1(data)), createHash("sha1").update(data).digest("hex"));
      }),
      { numRuns: 200 },
    );
  });
});
