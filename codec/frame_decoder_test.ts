import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame } from "./frame_encoder.ts";
import { ProtocolError } from "./errors.ts";
import { Opcode } from "./constants.ts";
import type { Frame, Role } from "./frame.ts";
import { assertBytes, pattern } from "../testing/bytes.ts";

const KEY = [0x37, 0xfa, 0x21, 0x3d];
const MASKED_HELLO = [...KEY, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
const HELLO = [0x48, 0x65, 0x6c, 0x6c, 0x6f];

function frame(opcode: number, payload: Uint8Array | number[], fin = true, rsv = 0): Frame {
  return {
    fin,
    rsv1: (rsv & 4) !== 0,
    rsv2: (rsv & 2) !== 0,
    rsv3: (rsv & 1) !== 0,
    opcode,
    payload: payload instanceof Uint8Array ? payload : new Uint8Array(payload),
  };
}

/** Compares frames field by field, payloads with {@linkcode assertBytes}. */
function assertFrames(actual: readonly Frame[], expected: readonly Frame[], message = ""): void {
  assert.equal(actual.length, expected.length, `${message}: frame count`);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    assert.deepEqual(
      { ...a, payload: a.payload.length },
      { ...e, payload: e.payload.length },
      `${message}: frame ${i}`,
    );
    assertBytes(a.payload, e.payload, `${message}: frame ${i} payload`);
  });
}

/** Feeds `chunks` (copied: the decoder unmasks in place) and returns the frames. */
function decode(decoder: FrameDecoder, chunks: readonly Uint8Array[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk.slice(), (f) => frames.push(f));
  return frames;
}

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function expectProtocolError(code: string, closeCode: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.closeCode, closeCode);
    return true;
  };
}

interface Vector {
  name: string;
  role: Role;
  bytes: Uint8Array;
  frames: Frame[];
}

const VECTORS: Vector[] = [
  {
    name: "a single-frame unmasked text 'Hello'",
    role: "client",
    bytes: new Uint8Array([0x81, 0x05, ...HELLO]),
    frames: [frame(Opcode.TEXT, HELLO)],
  },
  {
    name: "a single-frame masked text 'Hello'",
    role: "server",
    bytes: new Uint8Array([0x81, 0x85, ...MASKED_HELLO]),
    frames: [frame(Opcode.TEXT, HELLO)],
  },
  {
    name: "a fragmented unmasked text 'Hel' + 'lo'",
    role: "client",
    bytes: new Uint8Array([0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]),
    frames: [
      frame(Opcode.TEXT, [0x48, 0x65, 0x6c], false),
      frame(Opcode.CONTINUATION, [
        0x6c,
        0x6f,
      ]),
    ],
  },
  {
    name: "an unmasked ping 'Hello'",
    role: "client",
    bytes: new Uint8Array([0x89, 0x05, ...HELLO]),
    frames: [frame(Opcode.PING, HELLO)],
  },
  {
    name: "a masked pong 'Hello'",
    role: "server",
    bytes: new Uint8Array([0x8a, 0x85, ...MASKED_HELLO]),
    frames: [frame(Opcode.PONG, HELLO)],
  },
  {
    name: "a 256-byte binary with a 16-bit length",
    role: "client",
    bytes: new Uint8Array([0x82, 0x7e, 0x01, 0x00, ...pattern(256, 1)]),
    frames: [frame(Opcode.BINARY, pattern(256, 1))],
  },
  {
    name: "a 64 KiB binary with a 64-bit length",
    role: "client",
    bytes: new Uint8Array([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0, ...pattern(65536, 2)]),
    frames: [frame(Opcode.BINARY, pattern(65536, 2))],
  },
];

describe("FrameDecoder: RFC 6455 section 5.7 examples", () => {
  for (const vector of VECTORS) {
    it(`decodes ${vector.name} fed whole`, () => {
      const frames = decode(new FrameDecoder({ role: vector.role }), [vector.bytes]);
      assertFrames(frames, vector.frames);
    });

    it(`decodes ${vector.name} split at every position into two chunks`, () => {
      // The 64 KiB vector is split at every header position and at a stride through the payload.
      const step = vector.bytes.length > 1000 ? 997 : 1;
      for (let cut = 0; cut <= vector.bytes.length; cut += cut < 16 ? 1 : step) {
        const decoder = new FrameDecoder({ role: vector.role });
        const frames = decode(decoder, [vector.bytes.subarray(0, cut), vector.bytes.subarray(cut)]);
        assertFrames(frames, vector.frames, `cut at ${cut}`);
        assert.equal(decoder.bufferedAmount, 0);
      }
    });

    it(`decodes ${vector.name} fed one byte at a time`, () => {
      const decoder = new FrameDecoder({ role: vector.role });
      const frames: Frame[] = [];
      for (const byte of vector.bytes) decoder.push(new Uint8Array([byte]), (f) => frames.push(f));
      assertFrames(frames, vector.frames);
    });
  }

  it("decodes all the client-bound examples back to back in one chunk", () => {
    const unmasked = VECTORS.filter((v) => v.role === "client");
    const bytes = new Uint8Array(unmasked.flatMap((v) => [...v.bytes]));
    const frames = decode(new FrameDecoder({ role: "client" }), [bytes]);
    assertFrames(frames, unmasked.flatMap((v) => v.frames));
  });

  it("stops decoding the chunk when onFrame returns false, and drops the bytes after that frame", () => {
    const unmasked = VECTORS.filter((v) => v.role === "client");
    const bytes = new Uint8Array(unmasked.flatMap((v) => [...v.bytes]));
    const decoder = new FrameDecoder({ role: "client" });
    const frames: Frame[] = [];
    decoder.push(bytes, (f) => frames.push(f) < 2);
    assertFrames(frames, unmasked.flatMap((v) => v.frames).slice(0, 2));
    assert.equal(decoder.bufferedAmount, 0);
  });
});

describe("FrameDecoder rejections", () => {
  const server = (options: { maxPayloadSize?: number; allowedRsv?: number } = {}) =>
    new FrameDecoder({ role: "server", ...options });
  const client = (options: { maxPayloadSize?: number; allowedRsv?: number } = {}) =>
    new FrameDecoder({ role: "client", ...options });
  const push = (decoder: FrameDecoder, bytes: number[]) => () =>
    decoder.push(new Uint8Array(bytes), () => {});

  it("decoder rejects RSV1, RSV2 or RSV3 with RESERVED_BITS 1002 when no extension allows it", () => {
    for (const bit of [0x40, 0x20, 0x10]) {
      assert.throws(push(client(), [0x81 | bit, 0x00]), expectProtocolError("RESERVED_BITS", 1002));
    }
  });

  it("decoder accepts RSV1 with allowedRsv 4 but rejects RSV2 with RESERVED_BITS 1002", () => {
    const frames = decode(client({ allowedRsv: 4 }), [new Uint8Array([0xc1, 0x00])]);
    assert.equal(frames[0]?.rsv1, true);
    assert.throws(
      push(client({ allowedRsv: 4 }), [0xa1, 0x00]),
      expectProtocolError("RESERVED_BITS", 1002),
    );
  });

  it("decoder rejects opcodes 3-7 and 0xB-0xF with RESERVED_OPCODE 1002", () => {
    for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      assert.throws(
        push(client(), [0x80 | opcode, 0x00]),
        expectProtocolError("RESERVED_OPCODE", 1002),
      );
    }
  });

  it("decoder rejects a 126-byte ping with CONTROL_FRAME_TOO_LONG 1002 from its first two bytes", () => {
    assert.throws(
      push(client(), [0x89, 0x7e]),
      expectProtocolError("CONTROL_FRAME_TOO_LONG", 1002),
    );
    assert.throws(
      push(client(), [0x88, 0x7f]),
      expectProtocolError("CONTROL_FRAME_TOO_LONG", 1002),
    );
    assert.throws(
      push(server(), [0x8a, 0xfe]),
      expectProtocolError("CONTROL_FRAME_TOO_LONG", 1002),
    );
  });

  it("decoder rejects a fragmented close, ping or pong with FRAGMENTED_CONTROL_FRAME 1002", () => {
    for (const opcode of [0x8, 0x9, 0xa]) {
      assert.throws(
        push(client(), [opcode, 0x00]),
        expectProtocolError("FRAGMENTED_CONTROL_FRAME", 1002),
      );
    }
  });

  it("decoder rejects a 64-bit length with the top bit set with LENGTH_OUT_OF_RANGE 1002", () => {
    assert.throws(
      push(client({ maxPayloadSize: Infinity }), [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1]),
      expectProtocolError("LENGTH_OUT_OF_RANGE", 1002),
    );
  });

  it("server decoder rejects an unmasked frame with UNMASKED_FRAME 1002", () => {
    assert.throws(
      push(server(), [0x81, 0x05, ...HELLO]),
      expectProtocolError("UNMASKED_FRAME", 1002),
    );
  });

  it("client decoder rejects a masked frame with MASKED_FRAME 1002", () => {
    assert.throws(
      push(client(), [0x81, 0x85, ...MASKED_HELLO]),
      expectProtocolError("MASKED_FRAME", 1002),
    );
  });

  it("decoder rejects a data frame over maxPayloadSize with FRAME_TOO_BIG 1009 (7-, 16-, 64-bit length)", () => {
    assert.throws(
      push(client({ maxPayloadSize: 4 }), [0x82, 0x05]),
      expectProtocolError("FRAME_TOO_BIG", 1009),
    );
    assert.throws(
      push(client({ maxPayloadSize: 1000 }), [0x82, 0x7e, 0x03, 0xe9]),
      expectProtocolError("FRAME_TOO_BIG", 1009),
    );
    assert.throws(
      push(server({ maxPayloadSize: 65536 }), [0x02, 0xff, 0, 0, 0, 0, 0, 1, 0, 1]),
      expectProtocolError("FRAME_TOO_BIG", 1009),
    );
    // Exactly the limit is fine.
    assert.equal(
      decode(client({ maxPayloadSize: 5 }), [new Uint8Array([0x82, 0x05, ...HELLO])]).length,
      1,
    );
  });

  it("decoder rejects a 2^62-byte length at the header with FRAME_TOO_BIG 1009, before buffering", () => {
    for (const maxPayloadSize of [1_048_576, Infinity]) {
      const decoder = client({ maxPayloadSize });
      const header = [0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0];
      // Fed one byte at a time, nothing but the partial length is ever held.
      for (const byte of header.slice(0, -1)) {
        decoder.push(new Uint8Array([byte]), () => assert.fail("no frame expected"));
        assert.ok(decoder.bufferedAmount <= 8, `buffered ${decoder.bufferedAmount}`);
      }
      // The last header byte alone triggers the error: no payload byte was needed.
      assert.throws(push(decoder, [0]), expectProtocolError("FRAME_TOO_BIG", 1009));
      assert.equal(decoder.bufferedAmount, 0);
    }
  });

  it("decoder rejects a too-big frame even when its payload bytes come in the same chunk", () => {
    const decoder = client({ maxPayloadSize: 100 });
    const bytes = new Uint8Array(4 + 200);
    bytes.set([0x82, 0x7e, 0x00, 0xc8]);
    assert.throws(() => decoder.push(bytes, () => {}), expectProtocolError("FRAME_TOO_BIG", 1009));
    assert.equal(decoder.bufferedAmount, 0);
  });

  it("decoder checks the header rules before it returns the frames that came earlier in the chunk", () => {
    const frames: Frame[] = [];
    const decoder = client();
    assert.throws(
      () => decoder.push(new Uint8Array([0x81, 0x01, 0x41, 0x83, 0x00]), (f) => frames.push(f)),
      expectProtocolError("RESERVED_OPCODE", 1002),
    );
    assert.equal(frames.length, 1);
  });

  it("a rejected decoder throws the same error on every later push", () => {
    const decoder = client();
    let first: unknown;
    try {
      decoder.push(new Uint8Array([0x83, 0x00]), () => {});
    } catch (error) {
      first = error;
    }
    assert.ok(first instanceof ProtocolError);
    assert.throws(push(decoder, [0x81, 0x00]), (error) => error === first);
    assert.throws(push(decoder, []), (error) => error === first);
  });

  it("an error thrown by onFrame makes the decoder unusable with that error", () => {
    const decoder = client();
    const boom = new Error("boom");
    assert.throws(() =>
      decoder.push(new Uint8Array([0x81, 0x00]), () => {
        throw boom;
      }), (error) => error === boom);
    assert.throws(push(decoder, [0x81, 0x00]), (error) => error === boom);
  });

  it("push from inside onFrame throws InvalidStateError", () => {
    const decoder = client();
    assert.throws(
      () => decoder.push(new Uint8Array([0x81, 0x00]), () => push(decoder, [0x81, 0x00])()),
      { name: "InvalidStateError" },
    );
  });

  it("push throws TypeError for a chunk that is not a Uint8Array and stays usable", () => {
    const decoder = client();
    assert.throws(
      () => decoder.push(new ArrayBuffer(2) as unknown as Uint8Array, () => {}),
      TypeError,
    );
    assert.equal(decode(decoder, [new Uint8Array([0x81, 0x00])]).length, 1);
  });

  it("names the frame in RESERVED_BITS messages, reserved opcodes too", () => {
    assert.throws(push(client(), [0xc2, 0x00]), {
      message: "binary frame has RSV1 set, which no negotiated extension allows",
    });
    assert.throws(push(client(), [0xb3, 0x00]), {
      message: "frame with opcode 3 has RSV2, RSV3 set, which no negotiated extension allows",
    });
  });

  it("constructor and setter throw TypeError/RangeError for bad options", () => {
    assert.throws(() => new FrameDecoder({ role: "peer" as Role }), TypeError);
    for (const allowedRsv of [-1, 8, 1.5]) {
      assert.throws(() => new FrameDecoder({ role: "client", allowedRsv }), RangeError);
    }
    for (const maxPayloadSize of [-1, 1.5, NaN, -Infinity]) {
      assert.throws(() => new FrameDecoder({ role: "client", maxPayloadSize }), RangeError);
      assert.throws(() => {
        client().maxPayloadSize = maxPayloadSize;
      }, RangeError);
    }
  });
});

describe("FrameDecoder behaviour", () => {
  it("returns a payload that lies in one chunk as a view into it, unmasked in place (zero copy)", () => {
    const chunk = new Uint8Array([0x81, 0x85, ...MASKED_HELLO]);
    const frames: Frame[] = [];
    new FrameDecoder({ role: "server" }).push(chunk, (f) => frames.push(f));
    assert.equal(frames[0]?.payload.buffer, chunk.buffer);
    assert.equal(frames[0]?.payload.byteOffset, 6);
    assert.deepEqual([...chunk.subarray(6)], HELLO);
  });

  it("copies a payload that spans chunks into a buffer of exactly its length", () => {
    const bytes = encodeFrame(Opcode.BINARY, pattern(100_000, 3), { mask: new Uint8Array(KEY) });
    const decoder = new FrameDecoder({ role: "server" });
    const frames: Frame[] = [];
    decoder.push(bytes.subarray(0, 50), (f) => frames.push(f));
    assert.equal(decoder.bufferedAmount, 36);
    decoder.push(bytes.subarray(50, 70_000), (f) => frames.push(f));
    assert.equal(decoder.bufferedAmount, 70_000 - 14);
    decoder.push(bytes.subarray(70_000), (f) => frames.push(f));
    assert.equal(decoder.bufferedAmount, 0);
    assert.equal(frames[0]?.payload.buffer.byteLength, 100_000);
    assertBytes(frames[0]?.payload, pattern(100_000, 3));
  });

  it("bufferedAmount counts a partial header", () => {
    const decoder = new FrameDecoder({ role: "client" });
    decoder.push(new Uint8Array([0x82, 0x7f, 0, 0]), () => {});
    assert.equal(decoder.bufferedAmount, 2);
  });

  it("returns zero-length frames, also at the very end of a chunk, and accepts empty chunks", () => {
    const decoder = new FrameDecoder({ role: "server" });
    const frames = decode(decoder, [
      new Uint8Array(0),
      new Uint8Array([0x89, 0x80, 1, 2, 3, 4, 0x82, 0x80, 1, 2]),
      new Uint8Array(0),
      new Uint8Array([3, 4]),
    ]);
    assertFrames(frames, [frame(Opcode.PING, []), frame(Opcode.BINARY, [])]);
  });

  it("does not limit control frames by maxPayloadSize (they are bounded to 125 bytes)", () => {
    const decoder = new FrameDecoder({ role: "client", maxPayloadSize: 0 });
    const frames = decode(decoder, [encodeFrame(Opcode.PING, pattern(125, 0))]);
    assert.equal(frames[0]?.payload.length, 125);
  });

  it("applies a maxPayloadSize lowered inside onFrame to the very next header of the same chunk", () => {
    const decoder = new FrameDecoder({ role: "client" });
    const chunk = new Uint8Array([0x02, 0x02, 1, 2, 0x80, 0x02, 3, 4]);
    let seen = 0;
    assert.throws(() =>
      decoder.push(chunk, () => {
        seen++;
        decoder.maxPayloadSize = 1;
      }), expectProtocolError("FRAME_TOO_BIG", 1009));
    assert.equal(seen, 1);
  });

  it("applies a maxPayloadSize raised inside onFrame to the very next header of the same chunk", () => {
    const decoder = new FrameDecoder({ role: "client", maxPayloadSize: 2 });
    const chunk = new Uint8Array([0x02, 0x02, 1, 2, 0x80, 0x03, 3, 4, 5]);
    const frames: Frame[] = [];
    decoder.push(chunk, (f) => {
      frames.push(f);
      decoder.maxPayloadSize = 3;
    });
    assert.equal(frames.length, 2);
  });

  it("accepts a length in a longer form than needed (RFC 6455 binds senders only)", () => {
    const frames = decode(new FrameDecoder({ role: "client" }), [
      new Uint8Array([0x82, 0x7e, 0x00, 0x02, 7, 8, 0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 1, 9]),
    ]);
    assertFrames(frames, [frame(Opcode.BINARY, [7, 8]), frame(Opcode.BINARY, [9])]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

interface FrameSpec {
  opcode: number;
  fin: boolean;
  rsv: number;
  size: number;
  seed: number;
  key: Uint8Array;
}

const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 130 }) },
  { weight: 3, arbitrary: fc.constantFrom(0, 125, 126, 127, 65535, 65536, 65537) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);

const frameSpecArb: fc.Arbitrary<FrameSpec> = fc.record({
  opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
  fin: fc.boolean(),
  rsv: fc.integer({ min: 0, max: 7 }),
  size: sizeArb,
  seed: fc.integer({ min: 0, max: 255 }),
  key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});

/** The frame a spec stands for, made valid for this role and these allowed RSV bits. */
function toFrame(spec: FrameSpec, allowedRsv: number): Frame {
  const control = spec.opcode >= 8;
  const size = control ? spec.size % 126 : spec.size;
  return frame(spec.opcode, pattern(size, spec.seed), control || spec.fin, spec.rsv & allowedRsv);
}

function encodeFor(role: Role, f: Frame, key: Uint8Array): Uint8Array {
  return encodeFrame(f.opcode, f.payload, {
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    mask: role === "server" ? key : undefined,
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe("FrameDecoder properties", () => {
  it("decode(encode(frames)) gives the frames back under random chunkings", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Role>("client", "server"),
        fc.integer({ min: 0, max: 7 }),
        fc.array(frameSpecArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (role, allowedRsv, specs, cuts) => {
          const frames = specs.map((spec) => toFrame(spec, allowedRsv));
          const bytes = concat(frames.map((f, i) => encodeFor(role, f, specs[i]!.key)));
          const decoder = new FrameDecoder({ role, allowedRsv });
          const decoded = decode(decoder, splitAt(bytes, cuts));
          assertFrames(decoded, frames);
          assert.equal(decoder.bufferedAmount, 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("decode(encode(frames)) gives small frames back when fed in chunks of 1-7 bytes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Role>("client", "server"),
        fc.array(
          frameSpecArb.map((spec) => ({ ...spec, size: spec.size % 300 })),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 7 }),
        (role, specs, step) => {
          const frames = specs.map((spec) => toFrame(spec, 7));
          const bytes = concat(frames.map((f, i) => encodeFor(role, f, specs[i]!.key)));
          const chunks: Uint8Array[] = [];
          for (let at = 0; at < bytes.length; at += step) {
            chunks.push(bytes.subarray(at, at + step));
          }
          const decoded = decode(new FrameDecoder({ role, allowedRsv: 7 }), chunks);
          assertFrames(decoded, frames);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("random or corrupted bytes either decode or throw ProtocolError only, within the buffer bound", () => {
    const validStream = fc.tuple(
      fc.constantFrom<Role>("client", "server"),
      fc.array(frameSpecArb.map((spec) => ({ ...spec, size: spec.size % 400 })), {
        minLength: 1,
        maxLength: 4,
      }),
    ).map(([role, specs]) =>
      concat(specs.map((spec) => encodeFor(role, toFrame(spec, 7), spec.key)))
    );
    const corrupted = fc.tuple(
      validStream,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    ).map(([bytes, edits]) => {
      for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes;
    });
    fc.assert(
      fc.property(
        fc.constantFrom<Role>("client", "server"),
        fc.integer({ min: 0, max: 7 }),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(1_048_576), fc.constant(Infinity)),
        fc.oneof(fc.uint8Array({ maxLength: 600 }), validStream, corrupted),
        fc.array(fc.nat(), { maxLength: 12 }),
        (role, allowedRsv, maxPayloadSize, bytes, cuts) => {
          const decoder = new FrameDecoder({ role, allowedRsv, maxPayloadSize });
          // Control frames are bounded by 125 bytes whatever maxPayloadSize says.
          const bound = Math.max(maxPayloadSize, 125) + 14;
          for (const chunk of splitAt(bytes, cuts)) {
            try {
              decoder.push(chunk, (f) => {
                if (f.opcode < 8) assert.ok(f.payload.length <= maxPayloadSize);
                else assert.ok(f.payload.length <= 125);
              });
            } catch (error) {
              assert.ok(error instanceof ProtocolError, `unexpected ${error}`);
              assert.ok(error.closeCode === 1002 || error.closeCode === 1009);
              return;
            }
            assert.ok(decoder.bufferedAmount <= bound, `buffered ${decoder.bufferedAmount}`);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
