// validateUpgradeRequest's request-line and Host checks, FrameDecoder's onPayload pieces and
// MessageAssembler.pushPart (the parts the codec engines use for the field defects).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Opcode } from "./constants.ts";
import { HandshakeError, ProtocolError } from "./errors.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame } from "./frame_encoder.ts";
import { validateUpgradeRequest } from "./handshake.ts";
import { MessageAssembler } from "./message.ts";

function headers(host = "example.com"): Headers {
  return new Headers({
    host,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
  });
}

function refusal(request: Parameters<typeof validateUpgradeRequest>[0]): string {
  try {
    validateUpgradeRequest(request);
  } catch (error) {
    assert.ok(error instanceof HandshakeError);
    return `${error.status} ${error.code}`;
  }
  return "accepted";
}

describe("validateUpgradeRequest: request line and Host", () => {
  it("refuses HTTP versions below 1.1 with 400 BAD_HTTP, in both spellings", () => {
    for (const version of ["1.0", "HTTP/1.0", "0.9", "HTTP/0.9", "1", "HTTP/1.x", ""]) {
      assert.equal(
        refusal({ method: "GET", headers: headers(), version }),
        "400 BAD_HTTP",
        version,
      );
    }
    for (const version of ["1.1", "HTTP/1.1", "2.0", "HTTP/2"]) {
      const expected = version === "HTTP/2" ? "400 BAD_HTTP" : "accepted";
      assert.equal(refusal({ method: "GET", headers: headers(), version }), expected, version);
    }
  });

  it("checks the version before the method", () => {
    assert.equal(
      refusal({ method: "POST", headers: headers(), version: "1.0" }),
      "400 BAD_HTTP",
    );
  });

  it("refuses targets that are not origin-form or absolute-form with 400 BAD_TARGET", () => {
    for (
      const target of ["*", "example.com:443", "chat", "", "/a b", "/\u00e9", "ftp://x/", "ws:/x"]
    ) {
      assert.equal(
        refusal({ method: "GET", headers: headers(), target }),
        "400 BAD_TARGET",
        target,
      );
    }
    for (const target of ["/", "/chat?room=1", "//double", "ws://example.com/x", "HTTPS://h/"]) {
      assert.equal(refusal({ method: "GET", headers: headers(), target }), "accepted", target);
    }
  });

  it("refuses a Host that is not one host[:port] with 400 BAD_HOST", () => {
    for (
      const host of ["exa mple.com", "a.example, b.example", "a\tb", "user@host", "h:80x", "[::1"]
    ) {
      assert.equal(refusal({ method: "GET", headers: headers(host) }), "400 BAD_HOST", host);
    }
    for (
      const host of ["example.com", "example.com:8080", "[::1]:80", "127.0.0.1", "h:", "a%20b"]
    ) {
      assert.equal(refusal({ method: "GET", headers: headers(host) }), "accepted", host);
    }
  });

  it("skips the request-line checks when the caller has no request line (a Request)", () => {
    assert.equal(refusal({ method: "GET", headers: headers() }), "accepted");
  });
});

describe("FrameDecoder onPayload and MessageAssembler.pushPart", () => {
  const MASK = new Uint8Array([9, 8, 7, 6]);

  it("hands out each unmasked piece before the frame is complete, then the whole frame", () => {
    const payload = new TextEncoder().encode("0123456789");
    const frame = encodeFrame(Opcode.TEXT, payload, { mask: MASK });
    for (const cut of [7, 8, 9, 11, 13]) {
      const decoder = new FrameDecoder({ role: "server" });
      const pieces: string[] = [];
      const frames: string[] = [];
      const onFrame = (f: { payload: Uint8Array }) =>
        frames.push(new TextDecoder().decode(f.payload));
      const onPayload = (opcode: number, piece: Uint8Array) => {
        assert.equal(opcode, Opcode.TEXT);
        pieces.push(new TextDecoder().decode(piece));
      };
      for (let at = 0; at < frame.length; at += cut - 5) {
        decoder.push(frame.slice(at, at + cut - 5), onFrame, onPayload);
      }
      assert.deepEqual(frames, ["0123456789"], `pieces of ${cut - 5}`);
      assert.equal("0123456789".startsWith(pieces.join("")), true);
    }
  });

  it("pushPart decodes text as it arrives; push then completes it", () => {
    const assembler = new MessageAssembler();
    const bytes = new TextEncoder().encode("h\u00e9llo");
    assembler.pushPart(Opcode.TEXT, bytes.subarray(0, 2)); // "h" and half of "é"
    const message = assembler.push({
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: Opcode.TEXT,
      payload: bytes,
    });
    assert.deepEqual(message, { type: "text", data: "h\u00e9llo" });
  });

  it("pushPart throws INVALID_UTF8 at once and leaves the assembler ready for a new message", () => {
    const assembler = new MessageAssembler();
    assert.throws(
      () => assembler.pushPart(Opcode.TEXT, new Uint8Array([0x61, 0xc0])),
      (error) => error instanceof ProtocolError && error.code === "INVALID_UTF8",
    );
    const flags = { fin: true, rsv1: false, rsv2: false, rsv3: false };
    const ok = assembler.push({ ...flags, opcode: Opcode.TEXT, payload: new Uint8Array([0x6f]) });
    assert.deepEqual(ok, { type: "text", data: "o" });
  });

  it("pushPart ignores binary pieces and pieces of frames out of order", () => {
    const assembler = new MessageAssembler();
    assembler.pushPart(Opcode.BINARY, new Uint8Array([0xff]));
    assembler.pushPart(Opcode.CONTINUATION, new Uint8Array([0xff])); // nothing to continue
    const flags = { rsv1: false, rsv2: false, rsv3: false };
    assert.throws(
      () =>
        assembler.push({
          ...flags,
          fin: true,
          opcode: Opcode.CONTINUATION,
          payload: new Uint8Array([0xff]),
        }),
      (error) => error instanceof ProtocolError && error.code === "UNEXPECTED_CONTINUATION",
    );
  });
});
