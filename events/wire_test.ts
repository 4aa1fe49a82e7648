import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EventError } from "./errors.ts";
import {
  decodePacket,
  encodeAck,
  encodeError,
  encodeEvent,
  type Frame,
  MAX_ACK_ID,
  type Packet,
} from "./wire.ts";
import { nameLength } from "./_wire_binary.ts";

/** Decodes, or returns the MALFORMED_EVENT error; any other throw fails the test. */
function tryDecode(frame: Frame): Packet | EventError {
  try {
    return decodePacket(frame);
  } catch (error) {
    assert.ok(error instanceof EventError, `decode threw ${String(error)}`);
    assert.equal(error.code, "MALFORMED_EVENT");
    return error;
  }
}

/** The rules every decoded packet obeys, whatever arrived. */
function assertValid(packet: Packet): void {
  assert.ok(Number.isInteger(packet.id) && packet.id >= 0 && packet.id <= MAX_ACK_ID);
  if (packet.type === "event") {
    assert.equal(typeof packet.event, "string");
    assert.ok(packet.event.length > 0 && nameLength(packet.event) <= 255);
  } else if (packet.type === "ack") {
    assert.ok(packet.id >= 1);
  } else {
    assert.equal(typeof packet.code, "string");
    assert.equal(typeof packet.message, "string");
  }
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const eventName = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" });
const ackId = fc.integer({ min: 1, max: MAX_ACK_ID });

describe("wire format vectors", () => {
  it("encodes text events as JSON arrays", () => {
    assert.equal(encodeEvent("chat", "hi"), '["e","chat",0,"hi"]');
    assert.equal(encodeEvent("chat", { a: [1, null] }, 7), '["e","chat",7,{"a":[1,null]}]');
    assert.equal(encodeEvent("ping", undefined), '["e","ping",0]');
    assert.equal(encodeEvent("n", null, MAX_ACK_ID), '["e","n",4294967295,null]');
  });

  it("encodes answers and error answers", () => {
    assert.equal(encodeAck(1, 42), '["a",1,42]');
    assert.equal(encodeAck(2, undefined), '["a",2]');
    assert.equal(encodeError(3, "REJECTED", "no"), '["x",3,{"code":"REJECTED","message":"no"}]');
    assert.equal(
      encodeError(0, "REJECTED", "no", "say"),
      '["x",0,{"code":"REJECTED","message":"no","event":"say"}]',
    );
  });

  it("encodes binary events and answers in one frame with a small header", () => {
    assert.deepEqual(encodeEvent("b", bytes(9, 8), 258), bytes(0x65, 0, 0, 1, 2, 1, 0x62, 9, 8));
    assert.deepEqual(encodeEvent("b", new Uint8Array(0)), bytes(0x65, 0, 0, 0, 0, 1, 0x62));
    assert.deepEqual(
      encodeEvent("b", bytes(1, 2, 3).buffer),
      bytes(0x65, 0, 0, 0, 0, 1, 0x62, 1, 2, 3),
    );
    assert.deepEqual(encodeAck(MAX_ACK_ID, bytes(7)), bytes(0x61, 255, 255, 255, 255, 7));
    const view = new DataView(new ArrayBuffer(4), 1, 2);
    view.setUint8(0, 5);
    assert.deepEqual(encodeEvent("v", view), bytes(0x65, 0, 0, 0, 0, 1, 0x76, 5, 0));
  });

  it("decodes what it encodes", () => {
    assert.deepEqual(decodePacket('["e","chat",0,"hi"]'), {
      type: "event",
      event: "chat",
      id: 0,
      data: "hi",
    });
    assert.deepEqual(decodePacket('["e","ping",3]'), {
      type: "event",
      event: "ping",
      id: 3,
      data: undefined,
    });
    assert.deepEqual(decodePacket('["x",3,{"code":"C","message":"m","extra":1}]'), {
      type: "error",
      id: 3,
      code: "C",
      message: "m",
    });
    assert.deepEqual(decodePacket(bytes(0x65, 0, 0, 1, 2, 1, 0x62, 9)), {
      type: "event",
      event: "b",
      id: 258,
      data: bytes(9),
    });
    assert.deepEqual(decodePacket(bytes(0x61, 0, 0, 0, 1)), { type: "ack", id: 1, value: bytes() });
  });

  it("refuses caller mistakes before encoding", () => {
    assert.throws(() => encodeEvent("", 1), TypeError);
    assert.throws(() => encodeEvent(5 as unknown as string, 1), TypeError);
    assert.throws(() => encodeEvent("é".repeat(128), 1), RangeError);
    assert.equal(typeof encodeEvent("é".repeat(127), 1), "string");
    assert.throws(() => encodeEvent("a", 1, -1), RangeError);
    assert.throws(() => encodeEvent("a", 1, MAX_ACK_ID + 1), RangeError);
    assert.throws(() => encodeEvent("a", () => {}), TypeError);
    assert.throws(() => encodeEvent("a", 1n), TypeError);
    assert.throws(() => encodeAck(0, 1), RangeError);
  });
});

describe("malformed frames are MALFORMED_EVENT, never anything else", () => {
  const cases: [string, Frame][] = [
    ["not JSON", "{"],
    ["a JSON object", '{"type":"wirely:ping"}'],
    ["a JSON string", '"e"'],
    ["an unknown kind", '["z","a",0]'],
    ["a kind that cannot be turned into a string", '[{"toString":""}]'],
    ["a kind that is an array", '[[1],"a",0]'],
    ["an event without id", '["e","a"]'],
    ["an event with too many elements", '["e","a",0,1,2]'],
    ["an empty name", '["e","",0]'],
    ["a numeric name", '["e",5,0]'],
    ["a name over 255 bytes", `["e","${"x".repeat(256)}",0]`],
    ["a negative id", '["e","a",-1]'],
    ["a fractional id", '["e","a",1.5]'],
    ["an id over 2^32-1", '["e","a",4294967296]'],
    ["a string id", '["e","a","1"]'],
    ["an answer with id 0", '["a",0,1]'],
    ["an answer without id", '["a"]'],
    ["an error without object", '["x",1,"oops"]'],
    ["an error with an array", '["x",1,[]]'],
    ["an error without code", '["x",1,{"message":"m"}]'],
    ["an error with a bad event", '["x",0,{"code":"c","message":"m","event":""}]'],
    ["an empty binary frame", bytes()],
    ["an unknown binary kind", bytes(0x78, 0, 0, 0, 0)],
    ["a truncated binary id", bytes(0x65, 0, 0)],
    ["a binary event without name length", bytes(0x65, 0, 0, 0, 0)],
    ["a binary empty name", bytes(0x65, 0, 0, 0, 0, 0, 1)],
    ["a truncated binary name", bytes(0x65, 0, 0, 0, 0, 5, 0x61)],
    ["a binary name that is not UTF-8", bytes(0x65, 0, 0, 0, 0, 1, 0xff)],
    ["a binary answer with id 0", bytes(0x61, 0, 0, 0, 0, 1)],
    ["a truncated binary answer", bytes(0x61, 0, 0, 1)],
  ];
  for (const [what, frame] of cases) {
    it(`drops ${what}`, () => {
      const result = tryDecode(frame);
      assert.ok(result instanceof EventError, `${what} decoded as ${JSON.stringify(result)}`);
    });
  }
});

describe("wire format properties (fast-check)", () => {
  it("round-trips JSON events and answers", () => {
    fc.assert(
      fc.property(
        eventName,
        fc.jsonValue(),
        fc.integer({ min: 0, max: MAX_ACK_ID }),
        (name, data, id) => {
          const expected = JSON.parse(JSON.stringify(data)); // -0 becomes 0, as on the wire
          assert.deepEqual(decodePacket(encodeEvent(name, data, id)), {
            type: "event",
            event: name,
            id,
            data: expected,
          });
          if (id > 0) {
            assert.deepEqual(decodePacket(encodeAck(id, data)), {
              type: "ack",
              id,
              value: expected,
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips binary events of any size in one frame", () => {
    fc.assert(
      fc.property(
        eventName,
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: MAX_ACK_ID }),
        (name, data, id) => {
          const frame = encodeEvent(name, data, id);
          assert.ok(frame instanceof Uint8Array);
          assert.deepEqual(decodePacket(frame), { type: "event", event: name, id, data });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("decodes any string to a valid packet or MALFORMED_EVENT", () => {
    const texts = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.tuple(fc.constantFrom("e", "a", "x", "E", ""), fc.array(fc.jsonValue(), { maxLength: 4 }))
        .map(([kind, rest]) => JSON.stringify([kind, ...rest])),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const result = tryDecode(text);
        if (!(result instanceof EventError)) assertValid(result);
      }),
      { numRuns: 2_000 },
    );
  });

  it("decodes any bytes, and every truncation of a valid frame, to a valid packet or MALFORMED_EVENT", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (frame) => {
        const result = tryDecode(frame);
        if (!(result instanceof EventError)) assertValid(result);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(
        eventName,
        fc.uint8Array({ maxLength: 20 }),
        ackId,
        fc.nat(),
        (name, data, id, cut) => {
          const frame = encodeEvent(name, data, id) as Uint8Array;
          const result = tryDecode(frame.subarray(0, cut % (frame.length + 1)));
          if (!(result instanceof EventError)) assertValid(result);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("decodes valid text frames with one character changed to a valid packet or MALFORMED_EVENT", () => {
    fc.assert(
      fc.property(
        eventName,
        fc.jsonValue(),
        ackId,
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
        (name, data, id, at, char) => {
          const frame = encodeEvent(name, data, id) as string;
          const index = at % frame.length;
          const result = tryDecode(frame.slice(0, index) + char + frame.slice(index + 1));
          if (!(result instanceof EventError)) assertValid(result);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
