import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeClosePayload, parseClosePayload } from "./close.ts";
import { isValidWireCloseCode } from "./constants.ts";

const encoder = new TextEncoder();

function payload(code: number, reason: Uint8Array | string = ""): Uint8Array {
  const bytes = typeof reason === "string" ? encoder.encode(reason) : reason;
  const out = new Uint8Array(2 + bytes.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(bytes, 2);
  return out;
}

describe("parseClosePayload", () => {
  it("reads an empty payload as 1005 with no reason", () => {
    assert.deepEqual(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
  });

  it("reads a code and a UTF-8 reason", () => {
    assert.deepEqual(parseClosePayload(payload(1000, "bye κόσμε")), {
      code: 1000,
      reason: "bye κόσμε",
    });
    assert.deepEqual(parseClosePayload(payload(4999)), { code: 4999, reason: "" });
  });

  it("rejects a 1-byte payload with INVALID_CLOSE_PAYLOAD 1002", () => {
    assert.throws(() => parseClosePayload(new Uint8Array([0x03])), {
      name: "ProtocolError",
      code: "INVALID_CLOSE_PAYLOAD",
      closeCode: 1002,
    });
  });

  it("rejects a payload longer than 125 bytes with INVALID_CLOSE_PAYLOAD 1002", () => {
    assert.throws(() => parseClosePayload(payload(1000, "x".repeat(124))), {
      code: "INVALID_CLOSE_PAYLOAD",
      closeCode: 1002,
    });
    assert.equal(parseClosePayload(payload(1000, "x".repeat(123))).reason.length, 123);
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`rejects close code ${code} with INVALID_CLOSE_CODE 1002`, () => {
      assert.throws(() => parseClosePayload(payload(code)), {
        name: "ProtocolError",
        code: "INVALID_CLOSE_CODE",
        closeCode: 1002,
      });
    });
  }

  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1014, 3000, 4999]) {
    it(`accepts close code ${code}`, () => {
      assert.equal(parseClosePayload(payload(code)).code, code);
    });
  }

  it("rejects a reason that is not UTF-8 with INVALID_UTF8 1007", () => {
    for (const bad of [[0xff], [0xce, 0xba, 0xed, 0xa0, 0x80], [0xf0, 0x9f]]) {
      assert.throws(() => parseClosePayload(payload(1000, new Uint8Array(bad))), {
        name: "ProtocolError",
        code: "INVALID_UTF8",
        closeCode: 1007,
      });
    }
  });

  it("checks the code before the reason", () => {
    assert.throws(() => parseClosePayload(payload(1005, new Uint8Array([0xff]))), {
      code: "INVALID_CLOSE_CODE",
    });
  });
});

describe("encodeClosePayload", () => {
  it("encodes a code and a reason big-endian", () => {
    assert.deepEqual(encodeClosePayload(1000, "bye"), new Uint8Array([3, 232, 98, 121, 101]));
    assert.deepEqual(encodeClosePayload(4000), new Uint8Array([0x0f, 0xa0]));
  });

  it("encodes no code as an empty payload", () => {
    assert.equal(encodeClosePayload().length, 0);
    assert.equal(encodeClosePayload(undefined, "").length, 0);
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5, NaN]) {
    it(`throws RangeError for close code ${code}`, () => {
      assert.throws(() => encodeClosePayload(code), {
        name: "RangeError",
        message: new RegExp(`^Cannot encode close payload as 'code' .*: current value is ${code}$`),
      });
    });
  }

  it("throws RangeError for a reason over 123 bytes of UTF-8", () => {
    assert.equal(encodeClosePayload(1000, "é".repeat(61) + "a").length, 125);
    assert.throws(() => encodeClosePayload(1000, "é".repeat(62)), {
      name: "RangeError",
      message:
        "Cannot encode close payload as 'reason' must be at most 123 bytes of UTF-8: current value is 124 bytes",
    });
  });

  it("throws TypeError for a reason without a code", () => {
    assert.throws(() => encodeClosePayload(undefined, "why"), { name: "TypeError" });
  });

  it("round-trips every sendable code and short reason (property)", () => {
    const code = fc.integer({ min: 0, max: 5100 }).filter(isValidWireCloseCode);
    const reason = fc.string({ unit: "grapheme", maxLength: 30 }).filter((text) =>
      encoder.encode(text).length <= 123
    );
    fc.assert(
      fc.property(code, reason, (c, r) => {
        assert.deepEqual(parseClosePayload(encodeClosePayload(c, r)), { code: c, reason: r });
      }),
      { numRuns: 300 },
    );
  });
});
