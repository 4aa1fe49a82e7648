import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame } from "../codec/frame_encoder.ts";
import { CloseSplitter } from "./close_splitter.ts";

const MASK = new Uint8Array([1, 2, 3, 4]);

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe("CloseSplitter", () => {
  const text = encodeFrame(0x1, new Uint8Array(300).fill(0x61), { mask: MASK });
  const close = encodeFrame(0x8, new Uint8Array([0x03, 0xe8]), { mask: MASK });
  const big = encodeFrame(0x2, new Uint8Array(70_000).fill(0x08), { mask: MASK });
  const stream = join([text, close]);

  it("splits a chunk just before a close frame", () => {
    const pieces = new CloseSplitter().split(stream);
    assert.deepEqual(pieces.map((p) => p.length), [text.length, close.length]);
  });

  it("never splits inside a payload that contains close-like bytes (64-bit length too)", () => {
    const pieces = new CloseSplitter().split(join([big, close]));
    assert.deepEqual(pieces.map((p) => p.length), [big.length, close.length]);
  });

  it("gives the same bytes back whatever the chunking", () => {
    const all = join([text, big, close]);
    for (const size of [1, 2, 3, 7, 1000]) {
      const splitter = new CloseSplitter();
      const out: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += size) {
        out.push(...splitter.split(all.subarray(i, i + size)));
      }
      assert.deepEqual(join(out), all);
      const closeStart = text.length + big.length;
      let offset = 0;
      const starts = out.map((piece) => {
        const at = offset;
        offset += piece.length;
        return at;
      });
      assert.ok(starts.includes(closeStart), `chunk size ${size}: no piece starts at the close`);
    }
  });
});
