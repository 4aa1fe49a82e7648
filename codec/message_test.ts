import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MessageAssembler } from "./message.ts";
import { Opcode } from "./constants.ts";
import type { Frame } from "./frame.ts";

const encoder = new TextEncoder();

function frame(opcode: number, payload: Uint8Array | string, fin: boolean = true): Frame {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  return { fin, rsv1: false, rsv2: false, rsv3: false, opcode, payload: bytes };
}

const { TEXT, BINARY, CONTINUATION } = Opcode;

describe("MessageAssembler", () => {
  it("returns a single-frame text message", () => {
    const assembler = new MessageAssembler();
    assert.deepEqual(assembler.push(frame(TEXT, "Hello")), { type: "text", data: "Hello" });
  });

  it("returns a single-frame binary message without copying the payload", () => {
    const assembler = new MessageAssembler();
    const payload = new Uint8Array([1, 2, 3]);
    const message = assembler.push(frame(BINARY, payload));
    assert.equal(message?.type, "binary");
    assert.equal(message?.data, payload);
  });

  it("concatenates the fragments of a binary message at the last one", () => {
    const assembler = new MessageAssembler();
    assert.equal(assembler.push(frame(BINARY, new Uint8Array([1, 2]), false)), undefined);
    assert.equal(assembler.push(frame(CONTINUATION, new Uint8Array([]), false)), undefined);
    assert.equal(assembler.push(frame(CONTINUATION, new Uint8Array([3]), false)), undefined);
    assert.deepEqual(assembler.push(frame(CONTINUATION, new Uint8Array([4, 5]))), {
      type: "binary",
      data: new Uint8Array([1, 2, 3, 4, 5]),
    });
  });

  it("assembles empty fragmented messages", () => {
    const assembler = new MessageAssembler();
    assembler.push(frame(TEXT, "", false));
    assert.deepEqual(assembler.push(frame(CONTINUATION, "")), { type: "text", data: "" });
    assembler.push(frame(BINARY, new Uint8Array(0), false));
    assert.deepEqual(assembler.push(frame(CONTINUATION, new Uint8Array(0))), {
      type: "binary",
      data: new Uint8Array(0),
    });
  });

  it("assembles text whose multibyte characters are split at every byte across fragments", () => {
    const text = "é€😀𝄞";
    const bytes = encoder.encode(text);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const assembler = new MessageAssembler();
        assert.equal(assembler.push(frame(TEXT, bytes.subarray(0, a), false)), undefined);
        assert.equal(assembler.push(frame(CONTINUATION, bytes.subarray(a, b), false)), undefined);
        assert.deepEqual(
          assembler.push(frame(CONTINUATION, bytes.subarray(b))),
          { type: "text", data: text },
          `split at ${a} and ${b}`,
        );
      }
    }
  });

  it("rejects a continuation with no message started with UNEXPECTED_CONTINUATION 1002", () => {
    const assembler = new MessageAssembler();
    assert.throws(() => assembler.push(frame(CONTINUATION, "x")), {
      name: "ProtocolError",
      code: "UNEXPECTED_CONTINUATION",
      closeCode: 1002,
    });
    assembler.push(frame(TEXT, "done"));
    assert.throws(() => assembler.push(frame(CONTINUATION, "x", false)), {
      code: "UNEXPECTED_CONTINUATION",
    });
  });

  for (const [first, second] of [[TEXT, TEXT], [TEXT, BINARY], [BINARY, TEXT], [BINARY, BINARY]]) {
    it(`rejects opcode ${second} inside a fragmented message of opcode ${first} with EXPECTED_CONTINUATION 1002`, () => {
      const assembler = new MessageAssembler();
      assembler.push(frame(first!, "a", false));
      assert.throws(() => assembler.push(frame(second!, "b")), {
        name: "ProtocolError",
        code: "EXPECTED_CONTINUATION",
        closeCode: 1002,
      });
    });
  }

  it("rejects the frame past maxFramesPerMessage with TOO_MANY_FRAMES 1009", () => {
    const assembler = new MessageAssembler({ maxFramesPerMessage: 3 });
    assembler.push(frame(BINARY, "", false));
    assembler.push(frame(CONTINUATION, "", false));
    assert.deepEqual(assembler.push(frame(CONTINUATION, "")), {
      type: "binary",
      data: new Uint8Array(0),
    });
    assembler.push(frame(TEXT, "", false));
    assembler.push(frame(CONTINUATION, "", false));
    assembler.push(frame(CONTINUATION, "", false));
    assert.throws(() => assembler.push(frame(CONTINUATION, "")), {
      name: "ProtocolError",
      code: "TOO_MANY_FRAMES",
      closeCode: 1009,
    });
  });

  it("rejects a single frame over maxMessageSize with MESSAGE_TOO_BIG 1009", () => {
    const assembler = new MessageAssembler({ maxMessageSize: 4 });
    assert.deepEqual(assembler.push(frame(TEXT, "abcd")), { type: "text", data: "abcd" });
    assert.throws(() => assembler.push(frame(BINARY, "abcde")), {
      name: "ProtocolError",
      code: "MESSAGE_TOO_BIG",
      closeCode: 1009,
    });
  });

  it("rejects the fragment that makes a message exceed maxMessageSize with MESSAGE_TOO_BIG 1009", () => {
    const assembler = new MessageAssembler({ maxMessageSize: 10 });
    assembler.push(frame(BINARY, "12345", false));
    assert.equal(assembler.remainingSize, 5);
    assembler.push(frame(CONTINUATION, "1234", false));
    assert.equal(assembler.remainingSize, 1);
    assert.throws(() => assembler.push(frame(CONTINUATION, "12", false)), {
      code: "MESSAGE_TOO_BIG",
      closeCode: 1009,
    });
    assert.equal(assembler.remainingSize, 10);
  });

  it("reports the full limit as remainingSize between messages", () => {
    const assembler = new MessageAssembler({ maxMessageSize: 100 });
    assert.equal(assembler.remainingSize, 100);
    assembler.push(frame(TEXT, "abc", false));
    assert.equal(assembler.remainingSize, 97);
    assembler.push(frame(CONTINUATION, "de"));
    assert.equal(assembler.remainingSize, 100);
    assert.equal(new MessageAssembler({ maxMessageSize: Infinity }).remainingSize, Infinity);
  });

  for (const prefix of [[0xf4, 0x90], [0xed, 0xa0], [0xc0], [0xf8]]) {
    it(`rejects the first fragment ending in ${prefix} with INVALID_UTF8 1007 at once`, () => {
      const assembler = new MessageAssembler();
      assert.throws(() => assembler.push(frame(TEXT, new Uint8Array([0x61, ...prefix]), false)), {
        name: "ProtocolError",
        code: "INVALID_UTF8",
        closeCode: 1007,
      });
    });
  }

  it("rejects invalid UTF-8 that starts in one fragment and ends in the next, at that fragment", () => {
    const assembler = new MessageAssembler();
    assert.equal(assembler.push(frame(TEXT, new Uint8Array([0x61, 0xed]), false)), undefined);
    assert.throws(() => assembler.push(frame(CONTINUATION, new Uint8Array([0xa0]), false)), {
      code: "INVALID_UTF8",
      closeCode: 1007,
    });
  });

  it("rejects a text message that ends inside a character with INVALID_UTF8 1007", () => {
    const assembler = new MessageAssembler();
    assembler.push(frame(TEXT, new Uint8Array([0xf0, 0x9f]), false));
    assert.throws(() => assembler.push(frame(CONTINUATION, new Uint8Array([0x98]))), {
      code: "INVALID_UTF8",
    });
    assert.throws(() => assembler.push(frame(TEXT, new Uint8Array([0xe2, 0x82]))), {
      code: "INVALID_UTF8",
    });
  });

  it("starts clean after an error, without stale UTF-8 bytes", () => {
    const assembler = new MessageAssembler({ maxFramesPerMessage: 2 });
    assembler.push(frame(TEXT, new Uint8Array([0xf0, 0x9f]), false));
    assembler.push(frame(CONTINUATION, new Uint8Array([0x98]), false));
    assert.throws(() => assembler.push(frame(CONTINUATION, new Uint8Array([0x80]))), {
      code: "TOO_MANY_FRAMES",
    });
    assembler.push(frame(TEXT, "a", false));
    assert.deepEqual(assembler.push(frame(CONTINUATION, "b")), { type: "text", data: "ab" });
  });

  it("throws TypeError for a control frame", () => {
    const assembler = new MessageAssembler();
    assert.throws(() => assembler.push(frame(Opcode.PING, "")), {
      name: "TypeError",
      message: "Cannot assemble frame as 'opcode' must be 0, 1 or 2: current value is 9",
    });
  });

  it("throws RangeError for bad limits", () => {
    assert.throws(() => new MessageAssembler({ maxMessageSize: -1 }), {
      name: "RangeError",
      message:
        "Cannot create message assembler as 'maxMessageSize' must be an integer >= 0 or Infinity: current value is -1",
    });
    assert.throws(() => new MessageAssembler({ maxFramesPerMessage: 0 }), RangeError);
    assert.throws(() => new MessageAssembler({ maxFramesPerMessage: 1.5 }), RangeError);
    assert.throws(() => new MessageAssembler({ maxMessageSize: NaN }), RangeError);
  });

  it("reassembles any message split into any fragments (property)", () => {
    const message = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }).map((data) => ({ type: "text" as const, data })),
      fc.uint8Array({ maxLength: 60 }).map((data) => ({ type: "binary" as const, data })),
    );
    fc.assert(
      fc.property(message, fc.array(fc.nat(), { maxLength: 8 }), (original, rawCuts) => {
        const bytes = original.type === "text" ? encoder.encode(original.data) : original.data;
        const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
        const assembler = new MessageAssembler();
        let start = 0;
        let result;
        [...cuts, bytes.length].forEach((end, i) => {
          const opcode = i > 0 ? CONTINUATION : original.type === "text" ? TEXT : BINARY;
          result = assembler.push(frame(opcode, bytes.slice(start, end), i === cuts.length));
          if (i < cuts.length) assert.equal(result, undefined);
          start = end;
        });
        assert.deepEqual(result, original);
      }),
      { numRuns: 500 },
    );
  });
});
