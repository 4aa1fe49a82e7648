// FrameDecoder: payloads that span chunks. The payload's buffer of its full length is made
// (through `allocate`) once a quarter of it has arrived; the pieces before are held as they came.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame } from "./frame_encoder.ts";
import { Connection } from "./connection.ts";
import { Opcode } from "./constants.ts";
import type { Frame, Role } from "./frame.ts";
import { assertBytes, pattern } from "../testing/bytes.ts";

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** An allocator that records the sizes asked for and the buffers it gave. */
function spyAllocator(extra = 0): {
  allocate: (size: number) => Uint8Array;
  sizes: number[];
  given: Uint8Array[];
} {
  const sizes: number[] = [];
  const given: Uint8Array[] = [];
  return {
    sizes,
    given,
    allocate: (size) => {
      sizes.push(size);
      const buffer = new Uint8Array(size + extra).fill(0xee);
      given.push(buffer);
      return buffer;
    },
  };
}

function encodeFor(role: Role, opcode: number, payload: Uint8Array): Uint8Array {
  return encodeFrame(opcode, payload, role === "server" ? { mask: KEY } : {});
}

describe("FrameDecoder gathering a payload that spans chunks", () => {
  for (const role of ["server", "client"] as const) {
    for (const opcode of [Opcode.BINARY, Opcode.TEXT]) {
      it(`${role} role, opcode ${opcode}: allocates once, exactly when a quarter has arrived`, () => {
        const size = 100_000;
        const payload = opcode === Opcode.TEXT
          ? new TextEncoder().encode("a".repeat(size))
          : pattern(size, 5);
        const bytes = encodeFor(role, opcode, payload);
        const header = bytes.length - size;
        const spy = spyAllocator();
        const decoder = new FrameDecoder({ role, allocate: spy.allocate });
        const frames: Frame[] = [];
        const push = (from: number, to: number) =>
          decoder.push(bytes.slice(from, to), (f) => frames.push(f));
        // Pieces of 10,000 (kept as views) and 100 bytes (staged) up to one byte short of 25,000.
        push(0, header + 10_000);
        push(header + 10_000, header + 10_100);
        push(header + 10_100, header + 24_999);
        assert.deepEqual(spy.sizes, []);
        assert.equal(decoder.bufferedAmount, 24_999);
        push(header + 24_999, header + 25_000);
        assert.deepEqual(spy.sizes, [size]);
        push(header + 25_000, header + 99_999);
        assert.equal(frames.length, 0);
        push(header + 99_999, bytes.length);
        assert.deepEqual(spy.sizes, [size]);
        assert.equal(frames.length, 1);
        assert.equal(frames[0]!.payload, spy.given[0]);
        assertBytes(frames[0]!.payload, payload);
        assert.equal(decoder.bufferedAmount, 0);
      });
    }
  }

  it("a frame announced at the limit and sent in part makes the decoder allocate nothing", () => {
    const spy = spyAllocator();
    const decoder = new FrameDecoder({ role: "server", allocate: spy.allocate });
    const bytes = encodeFor("server", Opcode.BINARY, pattern(1_048_576, 2));
    // A quarter less one byte, in pieces of 9,000 and 7 bytes.
    const end = bytes.length - 1_048_576 + 262_143;
    for (let at = 0, step = 9_000; at < end; step = step === 9_000 ? 7 : 9_000) {
      decoder.push(bytes.slice(at, Math.min(at + step, end)), () => assert.fail("no frame"));
      at = Math.min(at + step, end);
    }
    assert.deepEqual(spy.sizes, []);
    assert.equal(decoder.bufferedAmount, 262_143);
  });

  it("a frame over maxPayloadSize is refused at its header: nothing is allocated", () => {
    const spy = spyAllocator();
    const decoder = new FrameDecoder({
      role: "server",
      maxPayloadSize: 70_000,
      allocate: spy.allocate,
    });
    const bytes = encodeFor("server", Opcode.BINARY, pattern(70_001, 1));
    assert.throws(() => decoder.push(bytes.slice(0, 20_000), () => {}), {
      name: "ProtocolError",
      code: "FRAME_TOO_BIG",
    });
    assert.deepEqual(spy.sizes, []);
  });

  it("reports text pieces to onPayload unmasked as they arrive, binary pieces not at all", () => {
    for (const opcode of [Opcode.TEXT, Opcode.BINARY]) {
      const text = "hello wirely ".repeat(2_000);
      const payload = new TextEncoder().encode(text);
      const bytes = encodeFor("server", opcode, payload);
      const decoder = new FrameDecoder({ role: "server" });
      const parts: string[] = [];
      const frames: Frame[] = [];
      for (let at = 0; at < bytes.length; at += 3_000) {
        decoder.push(
          bytes.slice(at, at + 3_000),
          (f) => frames.push(f),
          (op, piece) => parts.push(`${op}:${new TextDecoder().decode(piece)}`),
        );
      }
      assertBytes(frames[0]?.payload, payload, `opcode ${opcode}`);
      if (opcode === Opcode.BINARY) assert.deepEqual(parts, []);
      else {
        assert.ok(parts.length > 5);
        const joined = parts.map((p) => p.slice(2)).join("");
        assert.ok(parts.every((p) => p.startsWith("1:")));
        assert.ok(text.startsWith(joined) && joined.length > text.length / 2);
      }
    }
  });

  it("uses the first `size` bytes of a longer buffer; refuses a shorter one with a TypeError", () => {
    const payload = pattern(50_000, 8);
    const bytes = encodeFor("server", Opcode.BINARY, payload);
    const longer = spyAllocator(10);
    const frames: Frame[] = [];
    const decoder = new FrameDecoder({ role: "server", allocate: longer.allocate });
    decoder.push(bytes.slice(0, 30_000), (f) => frames.push(f));
    decoder.push(bytes.slice(30_000), (f) => frames.push(f));
    assert.equal(frames[0]!.payload.length, 50_000);
    assert.equal(frames[0]!.payload.buffer, longer.given[0]!.buffer);
    assertBytes(frames[0]!.payload, payload);

    const shorter = new FrameDecoder({
      role: "server",
      allocate: (size) => new Uint8Array(size - 1),
    });
    const error = /'allocate' must return a Uint8Array of at least 50000 bytes/;
    assert.throws(() => shorter.push(bytes.slice(0, 30_000), () => {}), error);
    assert.throws(() => shorter.push(bytes.slice(30_000), () => {}), error);
  });

  it("refuses an allocate that is not a function (decoder and connection)", () => {
    const allocate = 5 as unknown as (size: number) => Uint8Array;
    assert.throws(() => new FrameDecoder({ role: "server", allocate }), TypeError);
    assert.throws(() => new Connection({ role: "server", allocate }), TypeError);
  });

  it("a Connection passes its allocate to the decoder", () => {
    const spy = spyAllocator();
    const connection = new Connection({ role: "server", allocate: spy.allocate });
    const payload = pattern(40_000, 4);
    const bytes = encodeFor("server", Opcode.BINARY, payload);
    connection.receive(bytes.slice(0, 5_000));
    connection.receive(bytes.slice(5_000));
    const events = connection.takeEvents();
    assert.deepEqual(spy.sizes, [40_000]);
    assert.equal(events[0]?.type, "binary");
    assertBytes(events[0]?.type === "binary" ? events[0].data : undefined, payload);
  });

  it("decodes frames of any size cut anywhere, allocating once per frame that spans chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Role>("client", "server"),
        fc.array(
          fc.record({
            opcode: fc.constantFrom(Opcode.BINARY, Opcode.TEXT, Opcode.CONTINUATION),
            size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 140_000 })),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.nat(), { maxLength: 20 }),
        (role, specs, cuts) => {
          const payloads = specs.map((spec, i) =>
            spec.opcode === Opcode.BINARY
              ? pattern(spec.size, i)
              : new TextEncoder().encode("x".repeat(spec.size))
          );
          const parts = specs.map((spec, i) => encodeFor(role, spec.opcode, payloads[i]!));
          const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const spy = spyAllocator();
          const decoder = new FrameDecoder({ role, allocate: spy.allocate });
          const frames: Frame[] = [];
          let from = 0;
          for (const point of [...points, all.length]) {
            decoder.push(all.slice(from, point), (f) => frames.push(f));
            from = point;
          }
          assert.equal(frames.length, specs.length);
          frames.forEach((f, i) => {
            assert.equal(f.opcode, specs[i]!.opcode);
            assertBytes(f.payload, payloads[i]!, `frame ${i}`);
          });
          assert.ok(spy.sizes.length <= specs.length);
          for (const size of spy.sizes) assert.ok(specs.some((s) => s.size === size));
          assert.equal(decoder.bufferedAmount, 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
