// FrameDecoder and Connection with `copyInput`: the caller reuses each chunk's memory once push()
// or receive() returns (Node's server reads every socket into one shared buffer). Every chunk is
// overwritten right after it was pushed; every payload must still be what was sent.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame } from "./frame_encoder.ts";
import { Connection, type ConnectionEvent } from "./connection.ts";
import { Opcode } from "./constants.ts";
import type { Frame, Role } from "./frame.ts";
import { assertBytes, pattern } from "../testing/bytes.ts";
import { concatBytes } from "./_bytes.ts";

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

interface Sent {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
}

/** The frames encoded for a decoder of `role` (masked towards a server), back to back. */
function encodeAll(role: Role, frames: readonly Sent[]): Uint8Array {
  const parts = frames.map((f) =>
    encodeFrame(f.opcode, f.payload, { fin: f.fin, ...(role === "server" ? { mask: KEY } : {}) })
  );
  return concatBytes(parts);
}

/**
 * Pushes `bytes` in pieces ending at `cuts` through ONE reused buffer, as Node's shared read
 * does: each piece is copied into it, pushed, then the buffer is filled with 0xEE.
 */
function pushThroughOneBuffer(decoder: FrameDecoder, bytes: Uint8Array, cuts: number[]): Frame[] {
  const frames: Frame[] = [];
  const shared = new Uint8Array(bytes.length);
  let from = 0;
  for (
    const to of [
      ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b),
      bytes.length,
    ]
  ) {
    if (to <= from) continue;
    const chunk = shared.subarray(0, to - from);
    chunk.set(bytes.subarray(from, to));
    decoder.push(chunk, (frame) => frames.push(frame));
    shared.fill(0xee);
    from = to;
  }
  return frames;
}

/** Frames of the sizes that take every path: in one chunk, spanning, staged, gathered. */
const SIZES = [0, 1, 64, 65, 125, 126, 4_096, 4_097, 8_191, 8_192, 65_535, 65_536, 150_000];

describe("FrameDecoder with copyInput keeps nothing of a chunk", () => {
  for (const role of ["server", "client"] as const) {
    it(`${role} role: every size, in one chunk and cut at every 1,000th byte`, () => {
      const sent: Sent[] = SIZES.flatMap((size, i) => [
        { opcode: Opcode.BINARY, fin: true, payload: pattern(size, i + 1) },
        {
          opcode: Opcode.TEXT,
          fin: true,
          payload: new TextEncoder().encode("é".repeat(size >> 1)),
        },
      ]);
      sent.push({ opcode: Opcode.PING, fin: true, payload: pattern(125, 9) });
      const bytes = encodeAll(role, sent);
      for (const step of [bytes.length, 1_000, 4_099, 65_536]) {
        const cuts: number[] = [];
        for (let at = step; at < bytes.length; at += step) cuts.push(at);
        const decoder = new FrameDecoder({ role, copyInput: true, maxPayloadSize: Infinity });
        const frames = pushThroughOneBuffer(decoder, bytes, cuts);
        assert.equal(frames.length, sent.length, `step ${step}`);
        frames.forEach((frame, i) => {
          assert.equal(frame.opcode, sent[i]!.opcode);
          assertBytes(frame.payload, sent[i]!.payload, `step ${step}, frame ${i}`);
        });
      }
    });
  }

  it("without copyInput the same pushes lose payloads (the test above can fail)", () => {
    const sent: Sent[] = [{ opcode: Opcode.BINARY, fin: true, payload: pattern(300, 3) }];
    const bytes = encodeAll("server", sent);
    const frames = pushThroughOneBuffer(new FrameDecoder({ role: "server" }), bytes, []);
    assert.notDeepEqual([...frames[0]!.payload], [...sent[0]!.payload]);
  });

  it("a payload in one chunk is its own buffer: from a shared slab up to 4 KiB, else allocate", () => {
    const sizes: number[] = [];
    const decoder = new FrameDecoder({
      role: "server",
      copyInput: true,
      allocate: (size) => {
        sizes.push(size);
        return new Uint8Array(size + 3).fill(0xee); // longer than asked: cut to size
      },
    });
    const bytes = encodeAll("server", [
      { opcode: Opcode.BINARY, fin: true, payload: pattern(4_096, 1) },
      { opcode: Opcode.BINARY, fin: true, payload: pattern(4_097, 2) },
    ]);
    const frames: Frame[] = [];
    decoder.push(bytes, (frame) => frames.push(frame));
    assert.deepEqual(sizes, [4_097]);
    assert.notEqual(frames[0]!.payload.buffer, bytes.buffer);
    assert.equal(frames[1]!.payload.length, 4_097);
    assertBytes(frames[1]!.payload, pattern(4_097, 2));
  });

  it("random frames, random cuts: the same frames as a decoder that owns its chunks", () => {
    const frame = fc.record({
      opcode: fc.constantFrom(Opcode.BINARY, Opcode.TEXT, Opcode.PING, Opcode.PONG),
      size: fc.oneof(fc.integer({ min: 0, max: 125 }), fc.integer({ min: 126, max: 70_000 })),
      seed: fc.integer({ min: 1, max: 250 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<Role>("server", "client"),
        fc.array(frame, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 20 }),
        (role, specs, cuts) => {
          const sent = specs.map((s): Sent => ({
            opcode: s.opcode,
            fin: true,
            payload: pattern(s.opcode >= 8 ? Math.min(s.size, 125) : s.size, s.seed),
          }));
          const bytes = encodeAll(role, sent);
          const copied = pushThroughOneBuffer(
            new FrameDecoder({ role, copyInput: true }),
            bytes,
            cuts,
          );
          const owned: Frame[] = [];
          new FrameDecoder({ role }).push(bytes.slice(), (f) => owned.push(f));
          assert.equal(copied.length, owned.length);
          copied.forEach((f, i) => assertBytes(f.payload, owned[i]!.payload));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses a copyInput that is not a boolean", () => {
    assert.throws(
      () => new FrameDecoder({ role: "server", copyInput: 1 as unknown as boolean }),
      (e: unknown) => e instanceof TypeError && /'copyInput' must be a boolean/.test(e.message),
    );
    assert.throws(
      () => new Connection({ role: "server", copyInput: "yes" as unknown as boolean }),
      (e: unknown) => e instanceof TypeError && /'copyInput' must be a boolean/.test(e.message),
    );
  });
});

describe("Connection with copyInput", () => {
  it("fragmented messages, a ping between fragments and a close held after them survive reuse", () => {
    const first = pattern(20_000, 4);
    const second = pattern(30_000, 5);
    const text = new TextEncoder().encode("fragmented ".repeat(500));
    const closePayload = new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]); // 1000 "bye"
    const bytes = encodeAll("server", [
      { opcode: Opcode.BINARY, fin: false, payload: first },
      { opcode: Opcode.PING, fin: true, payload: pattern(20, 6) },
      { opcode: Opcode.CONTINUATION, fin: true, payload: second },
      { opcode: Opcode.TEXT, fin: false, payload: text.subarray(0, 2_001) },
      { opcode: Opcode.CONTINUATION, fin: true, payload: text.subarray(2_001) },
      { opcode: Opcode.CLOSE, fin: true, payload: closePayload },
    ]);
    for (const step of [bytes.length, 7, 1_000, 16_384]) {
      const connection = new Connection({ role: "server", copyInput: true });
      const shared = new Uint8Array(step);
      const events: ConnectionEvent[] = [];
      for (let from = 0; from < bytes.length; from += step) {
        const piece = bytes.subarray(from, Math.min(from + step, bytes.length));
        const chunk = shared.subarray(0, piece.length);
        chunk.set(piece);
        connection.receive(chunk);
        shared.fill(0xee);
        events.push(...connection.takeEvents());
        if (connection.inputPending) connection.resume();
      }
      events.push(...connection.takeEvents());
      const binary = events.find((e) => e.type === "binary");
      assert.ok(binary !== undefined && binary.type === "binary", `step ${step}`);
      assertBytes(binary.data.subarray(0, first.length), first);
      assertBytes(binary.data.subarray(first.length), second);
      const textEvent = events.find((e) => e.type === "text");
      assert.ok(textEvent !== undefined && textEvent.type === "text");
      assert.equal(textEvent.data, new TextDecoder().decode(text));
      const ping = events.find((e) => e.type === "ping");
      assert.ok(ping !== undefined && ping.type === "ping");
      assertBytes(ping.data, pattern(20, 6));
      const close = events.find((e) => e.type === "close");
      assert.ok(close !== undefined && close.type === "close");
      assert.equal(close.code, 1000);
      assert.equal(close.reason, "bye");
    }
  });
});
