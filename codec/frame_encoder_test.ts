import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as ws from "ws";
import { encodeFrame, encodeFrameHeader, FrameEncoder } from "./frame_encoder.ts";
import { Opcode } from "./constants.ts";
import type { MaskSource } from "./frame.ts";
import { skipOnBun } from "../testing/runtime.ts";
import { assertBytes, pattern } from "../testing/bytes.ts";

/** The part of ws's Sender used here (`Sender.frame` is a static, pure framing function). */
interface WsSender {
  frame(
    data: Uint8Array,
    options: {
      fin: boolean;
      opcode: number;
      mask: boolean;
      readOnly: boolean;
      rsv1: boolean;
      generateMask?: (key: Uint8Array) => void;
    },
  ): Uint8Array[];
}
const WsSender = (ws as unknown as { Sender: WsSender }).Sender;

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const fixedKey: MaskSource = (key) => key.set(KEY);
const hello = (): Uint8Array => new TextEncoder().encode("Hello");
const MASKED_HELLO = [0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A frame built byte by byte, straight from RFC 6455 section 5.2 (lengths below 2^32). */
function referenceFrame(opcode: number, payload: Uint8Array, key?: Uint8Array): Uint8Array {
  const length = payload.length;
  const maskBit = key === undefined ? 0 : 0x80;
  const header = [0x80 | opcode];
  if (length < 126) header.push(maskBit | length);
  else if (length < 0x10000) header.push(maskBit | 126, length >> 8, length & 0xff);
  else {header.push(
      maskBit | 127,
      0,
      0,
      0,
      0,
      length >>> 24,
      (length >> 16) & 0xff,
      (length >> 8) & 0xff,
      length & 0xff,
    );}
  if (key !== undefined) header.push(...key);
  const out = new Uint8Array(header.length + length);
  out.set(header);
  for (let i = 0; i < length; i++) out[header.length + i] = payload[i]! ^ (key?.[i & 3] ?? 0);
  return out;
}

describe("encodeFrame: RFC 6455 section 5.7 examples", () => {
  it("encodes a single-frame unmasked text message 'Hello'", () => {
    assert.deepEqual([...encodeFrame(Opcode.TEXT, hello())], [
      0x81,
      0x05,
      0x48,
      0x65,
      0x6c,
      0x6c,
      0x6f,
    ]);
  });

  it("encodes a single-frame masked text message 'Hello' with key 37 fa 21 3d", () => {
    assert.deepEqual([...encodeFrame(Opcode.TEXT, hello(), { mask: KEY })], [
      0x81,
      0x85,
      ...MASKED_HELLO,
    ]);
  });

  it("encodes a fragmented unmasked text message 'Hel' + 'lo'", () => {
    const encoder = new TextEncoder();
    assert.deepEqual(
      [...encodeFrame(Opcode.TEXT, encoder.encode("Hel"), { fin: false })],
      [0x01, 0x03, 0x48, 0x65, 0x6c],
    );
    assert.deepEqual([...encodeFrame(Opcode.CONTINUATION, encoder.encode("lo"))], [
      0x80,
      0x02,
      0x6c,
      0x6f,
    ]);
  });

  it("encodes an unmasked ping 'Hello' and a masked pong 'Hello'", () => {
    assert.deepEqual([...encodeFrame(Opcode.PING, hello())], [
      0x89,
      0x05,
      0x48,
      0x65,
      0x6c,
      0x6c,
      0x6f,
    ]);
    assert.deepEqual([...encodeFrame(Opcode.PONG, hello(), { mask: KEY })], [
      0x8a,
      0x85,
      ...MASKED_HELLO,
    ]);
  });

  it("encodes a 256-byte binary message with a 16-bit length", () => {
    const payload = pattern(256, 1);
    const bytes = encodeFrame(Opcode.BINARY, payload);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x82, 0x7e, 0x01, 0x00]);
    assertBytes(bytes.subarray(4), payload);
  });

  it("encodes a 64 KiB binary message with a 64-bit length", () => {
    const payload = pattern(65536, 2);
    const bytes = encodeFrame(Opcode.BINARY, payload);
    assert.deepEqual([...bytes.subarray(0, 10)], [0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
    assertBytes(bytes.subarray(10), payload);
  });
});

describe("encodeFrame", () => {
  it("uses the shortest length form at the 125/126/65535/65536 boundaries", () => {
    for (
      const [length, header] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10]] as const
    ) {
      assert.equal(encodeFrame(Opcode.BINARY, new Uint8Array(length)).length, header + length);
      assert.equal(
        encodeFrame(Opcode.BINARY, new Uint8Array(length), { mask: KEY }).length,
        header + 4 + length,
      );
    }
  });

  it("sets FIN and RSV1-3 as asked", () => {
    const bytes = encodeFrame(Opcode.TEXT, new Uint8Array(0), {
      fin: false,
      rsv1: true,
      rsv2: true,
      rsv3: true,
    });
    assert.deepEqual([...bytes], [0x71, 0x00]);
    assert.equal(encodeFrame(Opcode.BINARY, new Uint8Array(0), { rsv2: true })[0], 0xa2);
  });

  it("never changes the payload when masking", () => {
    const payload = pattern(300, 3);
    const copy = payload.slice();
    encodeFrame(Opcode.BINARY, payload, { mask: KEY });
    assert.deepEqual(payload, copy);
  });

  it("encodes reserved opcodes as given (for testing peers)", () => {
    assert.deepEqual([...encodeFrame(0x3, new Uint8Array([1]))], [0x83, 0x01, 0x01]);
  });

  it("returns small frames that never overlap, even when they share a pooled buffer", () => {
    const frames = Array.from(
      { length: 3000 },
      (_, i) => encodeFrame(Opcode.BINARY, pattern(i % 200, i)),
    );
    frames.forEach((bytes, i) => {
      const length = i % 200;
      assert.equal(bytes.length, (length < 126 ? 2 : 4) + length);
      assertBytes(bytes.subarray(bytes.length - length), pattern(length, i), `frame ${i}`);
    });
  });

  it("encodes every small length and the lengths around the pooled limit like a bytewise reference", () => {
    const lengths = [...Array(141).keys(), ...Array.from({ length: 24 }, (_, i) => 4076 + i)];
    const keys = [undefined, KEY, new Uint8Array(4)];
    for (const length of lengths) {
      for (let offset = 0; offset < 4; offset++) {
        const payload = pattern(length + offset, length).subarray(offset);
        const copy = payload.slice();
        for (const key of keys) {
          const expected = referenceFrame(Opcode.BINARY, copy, key);
          const label = `length ${length}, offset ${offset}, key ${key}`;
          assertBytes(encodeFrame(Opcode.BINARY, payload, { mask: key }), expected, label);
          if (key !== undefined) {
            const encoder = new FrameEncoder({ role: "client", maskSource: (k) => k.set(key) });
            assertBytes(encoder.encode(Opcode.BINARY, payload), expected, `encode, ${label}`);
          }
          assertBytes(payload, copy, `payload unchanged, ${label}`);
        }
      }
    }
  });

  it("keeps working after a caller transfers (detaches) the pooled buffer of a result", () => {
    const first = encodeFrame(Opcode.TEXT, hello());
    const buffer = first.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] });
    assert.equal(first.length, 0);
    assert.deepEqual([...encodeFrame(Opcode.PING, hello())], [
      0x89,
      0x05,
      0x48,
      0x65,
      0x6c,
      0x6c,
      0x6f,
    ]);
  });

  it("throws RangeError for an opcode outside 0-15", () => {
    for (const opcode of [16, -1, 1.5, NaN]) {
      assert.throws(() => encodeFrame(opcode, new Uint8Array(0)), RangeError);
    }
    assert.throws(() => encodeFrame(16, new Uint8Array(0)), {
      name: "RangeError",
      message: "Cannot encode frame as 'opcode' must be an integer 0-15: current value is 16",
    });
  });

  it("throws RangeError for a control frame payload over 125 bytes", () => {
    assert.doesNotThrow(() => encodeFrame(Opcode.PING, new Uint8Array(125)));
    assert.throws(() => encodeFrame(Opcode.PING, new Uint8Array(126)), RangeError);
    assert.throws(() => encodeFrame(0xb, new Uint8Array(126)), RangeError);
  });

  it("throws RangeError for a fragmented control frame", () => {
    assert.throws(
      () => encodeFrame(Opcode.CLOSE, new Uint8Array(0), { fin: false }),
      RangeError,
    );
  });

  it("throws RangeError for a masking key that is not 4 bytes, TypeError for a non-Uint8Array", () => {
    assert.throws(() => encodeFrame(1, hello(), { mask: new Uint8Array(3) }), RangeError);
    assert.throws(() => encodeFrame(1, hello(), { mask: new Uint8Array(5) }), RangeError);
    assert.throws(
      () => encodeFrame(1, hello(), { mask: [1, 2, 3, 4] as unknown as Uint8Array }),
      TypeError,
    );
    assert.throws(() => encodeFrame(1, "Hello" as unknown as Uint8Array), TypeError);
  });

  it("produces the same bytes as ws's Sender.frame for random frames", {
    skip: skipOnBun(
      "Bun replaces the npm package ws with its built-in ws, which has no Sender.frame",
    ),
  }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2, 8, 9, 10),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(65535, 65536, 70000)),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (opcode, finWanted, rsv1, masked, size, key) => {
          const control = opcode >= 8;
          const fin = control || finWanted;
          const length = control ? Math.min(size, 125) : size;
          const payload = pattern(length, size);
          const ours = encodeFrame(opcode, payload, {
            fin,
            rsv1,
            mask: masked ? key : undefined,
          });
          const theirs = concat(
            WsSender.frame(payload.slice(), {
              fin,
              opcode,
              mask: masked,
              readOnly: true,
              rsv1,
              generateMask: (target) => target.set(key),
            }),
          );
          assertBytes(ours, theirs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("encodeFrameHeader", () => {
  it("equals the first bytes of encodeFrame", () => {
    for (const length of [0, 5, 125, 126, 65535, 65536]) {
      const frame = encodeFrame(Opcode.BINARY, new Uint8Array(length), { mask: KEY });
      const header = encodeFrameHeader(Opcode.BINARY, length, { mask: KEY });
      assert.deepEqual(header, frame.subarray(0, header.length));
    }
  });

  it("encodes lengths above 2^32 in the 64-bit form without a payload", () => {
    const header = encodeFrameHeader(Opcode.BINARY, 2 ** 32 + 0x01020304, { fin: false });
    assert.deepEqual([...header], [0x02, 0x7f, 0, 0, 0, 1, 1, 2, 3, 4]);
    const max = encodeFrameHeader(Opcode.BINARY, Number.MAX_SAFE_INTEGER);
    assert.deepEqual([...max], [0x82, 0x7f, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it("throws RangeError for a negative, fractional or too large length", () => {
    for (const length of [-1, 0.5, 2 ** 53, Infinity]) {
      assert.throws(() => encodeFrameHeader(Opcode.BINARY, length), RangeError);
    }
    assert.throws(() => encodeFrameHeader(Opcode.PING, 126), RangeError);
  });
});

describe("FrameEncoder", () => {
  it("masks client frames with a fresh key from the mask source for each frame", () => {
    let calls = 0;
    const encoder = new FrameEncoder({
      role: "client",
      maskSource: (key) => {
        calls++;
        fixedKey(key);
      },
    });
    assert.deepEqual([...encoder.encode(Opcode.TEXT, hello())], [0x81, 0x85, ...MASKED_HELLO]);
    assert.deepEqual([...encoder.encode(Opcode.PONG, hello())], [0x8a, 0x85, ...MASKED_HELLO]);
    assert.equal(calls, 2);
  });

  it("never masks server frames and never calls the mask source", () => {
    const encoder = new FrameEncoder({
      role: "server",
      maskSource: () => assert.fail("mask source called in the server role"),
    });
    assert.deepEqual(encoder.encode(Opcode.TEXT, hello()), encodeFrame(Opcode.TEXT, hello()));
  });

  it("sets FIN and RSV1 from the per-frame options", () => {
    const encoder = new FrameEncoder({ role: "server" });
    assert.equal(encoder.encode(Opcode.TEXT, hello(), { fin: false, rsv1: true })[0], 0x41);
  });

  it("encodeParts returns the server payload itself, without copying", () => {
    const encoder = new FrameEncoder({ role: "server" });
    const payload = pattern(1000, 4);
    const [header, body] = encoder.encodeParts(Opcode.BINARY, payload);
    assert.equal(body, payload);
    assert.deepEqual([...header], [0x82, 0x7e, 0x03, 0xe8]);
  });

  it("encodeParts masks the client payload in place and matches encode", () => {
    const encoder = new FrameEncoder({ role: "client", maskSource: fixedKey });
    for (const length of [0, 1, 5, 125, 126, 65536]) {
      const payload = pattern(length, length);
      const expected = encoder.encode(Opcode.BINARY, payload);
      const [header, body] = encoder.encodeParts(Opcode.BINARY, payload);
      assert.equal(body, payload);
      assertBytes(concat([header, body]), expected);
    }
  });

  it("uses the random default mask source when none is given", () => {
    const encoder = new FrameEncoder({ role: "client" });
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const bytes = encoder.encode(Opcode.BINARY, new Uint8Array(8));
      assert.equal(bytes[1], 0x88);
      keys.add(bytes.subarray(2, 6).join(","));
      // A zero payload masked is the key repeated.
      assert.deepEqual(bytes.subarray(6, 10), bytes.subarray(2, 6));
    }
    assert.ok(keys.size > 15);
  });

  it("throws the encodeFrame errors for caller mistakes", () => {
    const encoder = new FrameEncoder({ role: "client" });
    assert.throws(() => encoder.encode(16, hello()), RangeError);
    assert.throws(() => encoder.encode(Opcode.PING, new Uint8Array(126)), RangeError);
    assert.throws(() => encoder.encodeParts(Opcode.PING, hello(), { fin: false }), RangeError);
  });

  it("throws TypeError for an unknown role or a mask source that is not a function", () => {
    assert.throws(
      () => new FrameEncoder({ role: "peer" as unknown as "client" }),
      TypeError,
    );
    assert.throws(
      () => new FrameEncoder({ role: "client", maskSource: 1 as unknown as MaskSource }),
      TypeError,
    );
  });
});
