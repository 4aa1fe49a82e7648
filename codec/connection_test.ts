import { afterEach, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Connection, type ConnectionEvent, type ConnectionOptions } from "./connection.ts";
import { Opcode } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import type { Frame, Role } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame, encodeFrameHeader } from "./frame_encoder.ts";
import { MessageAssembler } from "./message.ts";

const encoder = new TextEncoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const fixedMask = (key: Uint8Array): void => key.set(MASK);
const { CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG } = Opcode;
const INVALID_STATE = { name: "InvalidStateError", code: "INVALID_STATE" };

function bytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** A frame as a client sends it (masked), for a server connection. */
function fromClient(opcode: number, data: Uint8Array | string = "", fin = true): Uint8Array {
  return encodeFrame(opcode, bytes(data), { fin, mask: MASK });
}

/** A frame as a server sends it (unmasked), for a client connection. */
function fromServer(opcode: number, data: Uint8Array | string = "", fin = true): Uint8Array {
  return encodeFrame(opcode, bytes(data), { fin });
}

function closePayload(code: number, reason = ""): Uint8Array {
  return new Uint8Array([code >> 8, code & 0xff, ...encoder.encode(reason)]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes what `connection` wrote, as its peer would. */
function sent(connection: Connection): Frame[] {
  const peerRole: Role = connection.role === "server" ? "client" : "server";
  const decoder = new FrameDecoder({ role: peerRole, maxPayloadSize: Infinity });
  const frames: Frame[] = [];
  for (const chunk of connection.takeBytes()) decoder.push(chunk.slice(), (f) => frames.push(f));
  return frames;
}

function server(options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ role: "server", ...options });
}

function client(options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ role: "client", maskSource: fixedMask, ...options });
}

/** Moves all pending bytes from `from` into `to`. */
function pipe(from: Connection, to: Connection): void {
  for (const chunk of from.takeBytes()) to.receive(chunk);
}

/** Asserts that `connection` failed with `code`/`closeCode`, sent that close frame, and closed. */
function assertFailed(connection: Connection, code: string, closeCode: number): void {
  const events = connection.takeEvents();
  const error = events.at(-2);
  assert.equal(error?.type, "error");
  assert.ok(error.error instanceof ProtocolError);
  assert.equal(error.error.code, code);
  assert.equal(error.error.closeCode, closeCode);
  assert.deepEqual(events.at(-1), {
    type: "close",
    code: closeCode,
    reason: error.error.message,
    wasClean: false,
  });
  const frames = sent(connection);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.opcode, CLOSE);
  assert.deepEqual(frames[0]!.payload, closePayload(closeCode, error.error.message));
  assert.equal(connection.state, "closed");
  assert.equal(connection.shouldCloseTransport, true);
}

describe("Connection: messages and control frames", () => {
  it("server emits the masked text of RFC 6455 section 5.7", () => {
    const connection = server();
    connection.receive(new Uint8Array([0x81, 0x85, ...MASK, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
    assert.deepEqual(connection.takeEvents(), [{ type: "text", data: "Hello" }]);
  });

  it("client emits binary messages from unmasked frames", () => {
    const connection = client();
    connection.receive(fromServer(BINARY, new Uint8Array([1, 2, 3])));
    assert.deepEqual(connection.takeEvents(), [{
      type: "binary",
      data: new Uint8Array([1, 2, 3]),
    }]);
  });

  it("assembles fragmented text with multibyte characters split across fragments", () => {
    const data = encoder.encode("κόσμε😀");
    const connection = server();
    connection.receive(concat(
      fromClient(TEXT, data.subarray(0, 1), false),
      fromClient(CONTINUATION, data.subarray(1, 12), false),
      fromClient(CONTINUATION, data.subarray(12)),
    ));
    assert.deepEqual(connection.takeEvents(), [{ type: "text", data: "κόσμε😀" }]);
  });

  it("handles control frames between fragments and answers a ping mid-message", () => {
    const connection = server();
    connection.receive(concat(
      fromClient(BINARY, new Uint8Array([1]), false),
      fromClient(PING, "are you there"),
      fromClient(CONTINUATION, new Uint8Array([2]), false),
      fromClient(PONG, "heartbeat"),
      fromClient(CONTINUATION, new Uint8Array([3])),
    ));
    assert.deepEqual(connection.takeEvents(), [
      { type: "ping", data: encoder.encode("are you there") },
      { type: "pong", data: encoder.encode("heartbeat") },
      { type: "binary", data: new Uint8Array([1, 2, 3]) },
    ]);
    const frames = sent(connection);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.opcode, PONG);
    assert.deepEqual(frames[0]!.payload, encoder.encode("are you there"));
  });

  it("client answers a ping with a masked pong of the same payload", () => {
    const connection = client();
    connection.receive(fromServer(PING, new Uint8Array([9, 8, 7])));
    assert.deepEqual(connection.takeBytes(), [
      encodeFrame(PONG, new Uint8Array([9, 8, 7]), { mask: MASK }),
    ]);
  });

  it("emits pings but sends no pong with autoPong false", () => {
    const connection = server({ autoPong: false });
    connection.receive(fromClient(PING, "x"));
    assert.deepEqual(connection.takeEvents(), [{ type: "ping", data: encoder.encode("x") }]);
    assert.deepEqual(connection.takeBytes(), []);
  });

  it("accepts a ping of 125 bytes mid-message when the message may grow by only 2", () => {
    const connection = server({ maxMessageSize: 4 });
    connection.receive(fromClient(TEXT, "ab", false));
    connection.receive(fromClient(PING, new Uint8Array(125)));
    connection.receive(fromClient(CONTINUATION, "cd"));
    assert.deepEqual(connection.takeEvents().map((e) => e.type), ["ping", "text"]);
  });
});

describe("Connection: protocol errors", () => {
  it("fails with UNEXPECTED_CONTINUATION 1002 on a continuation with no message", () => {
    const connection = server();
    connection.receive(fromClient(CONTINUATION, "x"));
    assertFailed(connection, "UNEXPECTED_CONTINUATION", 1002);
  });

  it("fails with EXPECTED_CONTINUATION 1002 on a new message inside a fragmented one", () => {
    const connection = server();
    connection.receive(concat(fromClient(TEXT, "a", false), fromClient(BINARY, "b")));
    assertFailed(connection, "EXPECTED_CONTINUATION", 1002);
  });

  it("fails with TOO_MANY_FRAMES 1009 past maxFramesPerMessage", () => {
    const connection = server({ maxFramesPerMessage: 2 });
    connection.receive(concat(
      fromClient(TEXT, "a", false),
      fromClient(CONTINUATION, "b", false),
      fromClient(CONTINUATION, "c"),
    ));
    assertFailed(connection, "TOO_MANY_FRAMES", 1009);
  });

  it("fails with MESSAGE_TOO_BIG 1009 at the header of an oversized frame", () => {
    const connection = server({ maxMessageSize: 1000 });
    connection.receive(encodeFrameHeader(BINARY, 1001, { mask: MASK }));
    assertFailed(connection, "MESSAGE_TOO_BIG", 1009);
  });

  it("fails with MESSAGE_TOO_BIG 1009 at the continuation header that overflows the message", () => {
    const connection = server({ maxMessageSize: 10 });
    connection.receive(fromClient(BINARY, new Uint8Array(6), false));
    assert.deepEqual(connection.takeEvents(), []);
    connection.receive(encodeFrameHeader(CONTINUATION, 5, { fin: true, mask: MASK }));
    assertFailed(connection, "MESSAGE_TOO_BIG", 1009);
  });

  it("accepts a message of exactly maxMessageSize bytes", () => {
    const connection = server({ maxMessageSize: 10 });
    connection.receive(fromClient(BINARY, new Uint8Array(6), false));
    connection.receive(fromClient(CONTINUATION, new Uint8Array(4)));
    connection.receive(fromClient(TEXT, "0123456789"));
    assert.deepEqual(connection.takeEvents().map((e) => e.type), ["binary", "text"]);
  });

  it("fails with INVALID_UTF8 1007 when the fragment holding an invalid prefix arrives", () => {
    const connection = server();
    connection.receive(fromClient(TEXT, new Uint8Array([0x61, 0xf4, 0x90]), false));
    assertFailed(connection, "INVALID_UTF8", 1007);
  });

  it("fails with INVALID_UTF8 1007 on an invalid sequence across a fragment boundary", () => {
    const connection = server();
    connection.receive(fromClient(TEXT, new Uint8Array([0x61, 0xed]), false));
    assert.deepEqual(connection.takeEvents(), []);
    connection.receive(fromClient(CONTINUATION, new Uint8Array([0xa0]), false));
    assertFailed(connection, "INVALID_UTF8", 1007);
  });

  it("fails with UNMASKED_FRAME 1002 when a server gets an unmasked frame", () => {
    const connection = server();
    connection.receive(fromServer(TEXT, "x"));
    assertFailed(connection, "UNMASKED_FRAME", 1002);
  });

  it("fails with MASKED_FRAME 1002 when a client gets a masked frame", () => {
    const connection = client();
    connection.receive(fromClient(TEXT, "x"));
    assertFailed(connection, "MASKED_FRAME", 1002);
  });

  it("fails with RESERVED_BITS 1002 on RSV1 without an extension", () => {
    const connection = server();
    connection.receive(encodeFrame(TEXT, bytes("x"), { rsv1: true, mask: MASK }));
    assertFailed(connection, "RESERVED_BITS", 1002);
  });

  it("fails with INVALID_CLOSE_PAYLOAD 1002 on a 1-byte close payload", () => {
    const connection = server();
    connection.receive(fromClient(CLOSE, new Uint8Array([3])));
    assertFailed(connection, "INVALID_CLOSE_PAYLOAD", 1002);
  });

  it("fails with INVALID_CLOSE_CODE 1002 on close code 1005", () => {
    const connection = server();
    connection.receive(fromClient(CLOSE, closePayload(1005)));
    assertFailed(connection, "INVALID_CLOSE_CODE", 1002);
  });

  it("fails with INVALID_UTF8 1007 on a close reason that is not UTF-8", () => {
    const connection = client();
    connection.receive(fromServer(CLOSE, new Uint8Array([0x03, 0xe8, 0xff])));
    assertFailed(connection, "INVALID_UTF8", 1007);
  });

  it("hands out the events before the error first, then ignores further bytes", () => {
    const connection = server();
    connection.receive(concat(fromClient(TEXT, "ok"), fromClient(CONTINUATION, "x")));
    assert.deepEqual(connection.takeEvents(), [{ type: "text", data: "ok" }]);
    assert.equal(connection.inputPending, true);
    assert.deepEqual(connection.takeBytes(), []);
    // The next input resumes the held error first; the new bytes are ignored.
    connection.receive(fromClient(TEXT, "ignored"));
    assertFailed(connection, "UNEXPECTED_CONTINUATION", 1002);
    assert.equal(connection.inputPending, false);
  });

  it("sends no second close frame when the peer fails after our close", () => {
    const connection = server();
    connection.close(1000);
    assert.equal(sent(connection).length, 1);
    connection.receive(fromClient(CONTINUATION, "x"));
    const events = connection.takeEvents();
    assert.deepEqual(events.map((e) => e.type), ["error", "close"]);
    assert.deepEqual(connection.takeBytes(), []);
    assert.equal(connection.state, "closed");
  });
});

describe("Connection: error reasons and bugs", () => {
  afterEach(() => mock.restoreAll());

  it("cuts a long error message to 123 bytes on a UTF-8 boundary for the close reason", () => {
    mock.method(MessageAssembler.prototype, "push", () => {
      throw new ProtocolError("INVALID_UTF8", 1007, "a" + "é".repeat(100));
    });
    const connection = server();
    connection.receive(fromClient(TEXT, "x"));
    const reason = "a" + "é".repeat(61); // 123 bytes; one more "é" would make 125
    assert.deepEqual(connection.takeEvents().at(-1), {
      type: "close",
      code: 1007,
      reason,
      wasClean: false,
    });
    assert.deepEqual(sent(connection)[0]!.payload, closePayload(1007, reason));
  });

  it("maps an unexpected exception to 1011 with no reason and rethrows it", () => {
    const bug = new Error("bug");
    mock.method(MessageAssembler.prototype, "push", () => {
      throw bug;
    });
    const connection = server();
    assert.throws(() => connection.receive(fromClient(TEXT, "x")), (error) => error === bug);
    assert.deepEqual(connection.takeEvents(), [
      { type: "close", code: 1011, reason: "", wasClean: false },
    ]);
    assert.deepEqual(sent(connection)[0]!.payload, closePayload(1011));
    assert.equal(connection.state, "closed");
    assert.equal(connection.shouldCloseTransport, true);
  });
});

describe("Connection: closing handshake", () => {
  it("server initiates: the server closes the transport first, the client waits for EOF", () => {
    const [s, c] = [server(), client()];
    s.close(1000, "bye");
    assert.equal(s.state, "closing");
    pipe(s, c);
    assert.equal(c.state, "closing");
    assert.equal(c.shouldCloseTransport, false);
    assert.deepEqual(c.takeEvents(), []);
    pipe(c, s);
    assert.equal(s.state, "closed");
    assert.equal(s.shouldCloseTransport, true);
    assert.deepEqual(s.takeEvents(), [{ type: "close", code: 1000, reason: "", wasClean: true }]);
    c.receiveEof();
    assert.equal(c.state, "closed");
    assert.deepEqual(c.takeEvents(), [{
      type: "close",
      code: 1000,
      reason: "bye",
      wasClean: true,
    }]);
  });

  it("client initiates: the server echoes the code and closes, the client waits for EOF", () => {
    const [s, c] = [server(), client()];
    c.close(4000, "done");
    pipe(c, s);
    const echo = sent(s);
    assert.equal(echo.length, 1);
    assert.deepEqual(echo[0]!.payload, closePayload(4000));
    assert.equal(s.state, "closed");
    assert.equal(s.shouldCloseTransport, true);
    assert.deepEqual(s.takeEvents(), [{
      type: "close",
      code: 4000,
      reason: "done",
      wasClean: true,
    }]);
    c.receive(fromServer(CLOSE, closePayload(4000)));
    assert.equal(c.state, "closing");
    assert.equal(c.shouldCloseTransport, false);
    c.receiveEof();
    assert.equal(c.shouldCloseTransport, true);
    assert.deepEqual(c.takeEvents(), [{ type: "close", code: 4000, reason: "", wasClean: true }]);
  });

  it("server answers a close without a code with an empty close frame", () => {
    const [s, c] = [server(), client()];
    c.close();
    pipe(c, s);
    assert.deepEqual(s.takeEvents(), [{ type: "close", code: 1005, reason: "", wasClean: true }]);
    pipe(s, c);
    c.receiveEof();
    assert.deepEqual(c.takeEvents(), [{ type: "close", code: 1005, reason: "", wasClean: true }]);
  });

  it("client answers a server's close with the same code", () => {
    const c = client();
    c.receive(fromServer(CLOSE, closePayload(1001, "going away")));
    const frames = sent(c);
    assert.deepEqual(frames.map((f) => [f.opcode, f.payload]), [[CLOSE, closePayload(1001)]]);
    c.receiveEof();
    assert.deepEqual(c.takeEvents(), [
      { type: "close", code: 1001, reason: "going away", wasClean: true },
    ]);
  });

  it("completes cleanly when both sides close at once", () => {
    const [s, c] = [server(), client()];
    s.close(1000);
    c.close(1001);
    pipe(s, c);
    pipe(c, s);
    assert.deepEqual(s.takeBytes(), []);
    assert.deepEqual(c.takeBytes(), []);
    assert.deepEqual(s.takeEvents(), [{ type: "close", code: 1001, reason: "", wasClean: true }]);
    c.receiveEof();
    assert.deepEqual(c.takeEvents(), [{ type: "close", code: 1000, reason: "", wasClean: true }]);
  });

  it("reports 1006 not clean when the transport ends before the handshake", () => {
    for (const setup of [(_: Connection) => {}, (c: Connection) => c.close(1000)]) {
      const connection = client();
      setup(connection);
      connection.receiveEof();
      assert.equal(connection.state, "closed");
      assert.deepEqual(connection.takeEvents(), [
        { type: "close", code: 1006, reason: "", wasClean: false },
      ]);
      connection.receiveEof();
      assert.deepEqual(connection.takeEvents(), []);
    }
  });

  it("ignores the peer's data after its close frame, also garbage in the same chunk", () => {
    const s = server();
    s.receive(
      concat(
        fromClient(CLOSE, closePayload(1000)),
        fromClient(TEXT, "late"),
        new Uint8Array([0xff, 0xff]),
      ),
    );
    s.receive(fromClient(TEXT, "later"));
    assert.deepEqual(s.takeEvents(), [{ type: "close", code: 1000, reason: "", wasClean: true }]);
    const c = client();
    c.receive(concat(fromServer(CLOSE), fromServer(TEXT, "late")));
    c.receive(fromServer(BINARY, "later"));
    c.receiveEof();
    assert.deepEqual(c.takeEvents(), [{ type: "close", code: 1005, reason: "", wasClean: true }]);
  });

  it("still delivers data that arrives after our close and before the peer's", () => {
    const s = server();
    s.close(1000);
    s.takeBytes();
    s.receive(concat(fromClient(TEXT, "in flight"), fromClient(PING, "p")));
    assert.deepEqual(s.takeEvents(), [
      { type: "text", data: "in flight" },
      { type: "ping", data: encoder.encode("p") },
    ]);
    assert.deepEqual(s.takeBytes(), [], "no pong after our close frame");
  });

  it("fail() sends a close frame, closes at once and reports not clean", () => {
    const s = server();
    s.fail(1008, "policy");
    assert.deepEqual(sent(s).map((f) => f.payload), [closePayload(1008, "policy")]);
    assert.equal(s.state, "closed");
    assert.equal(s.shouldCloseTransport, true);
    assert.deepEqual(s.takeEvents(), [{
      type: "close",
      code: 1008,
      reason: "policy",
      wasClean: false,
    }]);
    s.fail(1011);
    s.close(1000);
    assert.deepEqual(s.takeEvents(), []);
    assert.deepEqual(s.takeBytes(), []);
  });

  it("fail() after close() sends no second close frame", () => {
    const c = client();
    c.close(1000);
    c.takeBytes();
    c.fail(1001);
    assert.deepEqual(c.takeBytes(), []);
    assert.equal(c.state, "closed");
    assert.deepEqual(c.takeEvents(), [{ type: "close", code: 1001, reason: "", wasClean: false }]);
  });

  it("validates close() and fail() arguments before anything else", () => {
    const s = server();
    assert.throws(() => s.close(1005), RangeError);
    assert.throws(() => s.close(1000, "x".repeat(124)), RangeError);
    assert.throws(() => s.close(undefined, "why"), TypeError);
    assert.throws(() => s.fail(999), RangeError);
    assert.equal(s.state, "open");
  });
});

describe("Connection: states and sending", () => {
  it("throws InvalidStateError for every send after close()", () => {
    const c = client();
    c.close(1000);
    assert.throws(() => c.sendText("x"), INVALID_STATE);
    assert.throws(() => c.sendBinary(new Uint8Array(1)), INVALID_STATE);
    assert.throws(() => c.sendFrame(TEXT, new Uint8Array(1)), INVALID_STATE);
    assert.throws(() => c.ping(), INVALID_STATE);
    assert.throws(() => c.pong(), INVALID_STATE);
    c.close(1000);
    assert.equal(sent(c).length, 1);
  });

  it("throws InvalidStateError for a send after the peer's close and once closed", () => {
    const s = server();
    s.receive(fromClient(CLOSE, closePayload(1000)));
    assert.throws(() => s.sendText("x"), INVALID_STATE);
    const c = client();
    c.receive(fromServer(CLOSE));
    assert.throws(() => c.sendBinary(new Uint8Array(1)), INVALID_STATE);
    c.receiveEof();
    assert.throws(() => c.ping(), INVALID_STATE);
  });

  it("starts in connecting when asked, refuses sends and receives until open()", () => {
    const c = client({ state: "connecting" });
    assert.equal(c.state, "connecting");
    assert.throws(() => c.sendText("x"), INVALID_STATE);
    assert.throws(() => c.receive(fromServer(TEXT, "x")), INVALID_STATE);
    c.open();
    assert.equal(c.state, "open");
    assert.throws(() => c.open(), INVALID_STATE);
    c.sendText("x");
    assert.equal(sent(c).length, 1);
  });

  it("close() and receiveEof() while connecting close at once with 1006 and send nothing", () => {
    for (const end of [(c: Connection) => c.close(1000), (c: Connection) => c.receiveEof()]) {
      const c = client({ state: "connecting" });
      end(c);
      assert.equal(c.state, "closed");
      assert.equal(c.shouldCloseTransport, true);
      assert.deepEqual(c.takeBytes(), []);
      assert.deepEqual(c.takeEvents(), [{
        type: "close",
        code: 1006,
        reason: "",
        wasClean: false,
      }]);
    }
  });

  it("sends fragmented messages with sendFrame, with a ping between fragments", () => {
    const c = client();
    c.sendFrame(TEXT, encoder.encode("ab"), { fin: false });
    assert.throws(() => c.sendText("no"), INVALID_STATE);
    assert.throws(() => c.sendFrame(BINARY, new Uint8Array(1)), INVALID_STATE);
    c.ping(encoder.encode("p"));
    c.sendFrame(CONTINUATION, encoder.encode("cd"));
    assert.throws(() => c.sendFrame(CONTINUATION, new Uint8Array(1)), INVALID_STATE);
    const frames = sent(c);
    assert.deepEqual(frames.map((f) => [f.opcode, f.fin]), [[TEXT, false], [PING, true], [
      CONTINUATION,
      true,
    ]]);
    assert.throws(() => c.sendFrame(PING, new Uint8Array(0)), RangeError);
  });

  it("rejects a ping or pong over 125 bytes with RangeError", () => {
    const s = server();
    assert.throws(() => s.ping(new Uint8Array(126)), {
      name: "RangeError",
      message: "Cannot send ping as 'data' must be at most 125 bytes: current length is 126",
    });
    assert.throws(() => s.pong(new Uint8Array(126)), RangeError);
    s.ping(new Uint8Array(125));
  });

  it("client masks without changing the caller's buffer, small or large", () => {
    for (const size of [10, 100_000]) {
      const c = client();
      const data = new Uint8Array(size).fill(7);
      c.sendBinary(data);
      assert.ok(data.every((b) => b === 7));
      const frames = sent(c);
      assert.deepEqual(frames[0]!.payload, data);
    }
  });

  it("server sends a large binary payload without copying it", () => {
    const s = server();
    const data = new Uint8Array(100_000);
    s.sendBinary(data);
    const chunks = s.takeBytes();
    assert.equal(chunks.length, 2);
    assert.equal(chunks[1], data);
  });

  it("sends text as its UTF-8 bytes, masked by a client: ASCII or not, short or long", () => {
    const texts = ["", "a", "abcd", "Hello, world!", "x".repeat(126), "y".repeat(4088)];
    texts.push("z".repeat(4089), "\u007f\u0080", "aé€😀", "lone \ud800 surrogate");
    texts.push("κόσμε".repeat(200), "κ".repeat(1025), "q".repeat(70_000), "é".repeat(9000));
    for (const role of ["client", "server"] as const) {
      for (const text of texts) {
        const connection = role === "client" ? client() : server();
        connection.sendText(text);
        const frames = sent(connection);
        const label = `${role}, ${text.length} characters`;
        assert.equal(frames.length, 1, label);
        assert.equal(frames[0]!.opcode, TEXT, label);
        assert.equal(frames[0]!.fin, true, label);
        const expected = encoder.encode(text);
        const payload = frames[0]!.payload;
        assert.ok(
          payload.length === expected.length && payload.every((b, i) => b === expected[i]),
          label,
        );
      }
    }
  });

  it("merges small frames into one buffer", () => {
    const s = server();
    s.sendText("a");
    s.sendText("b");
    s.ping();
    assert.deepEqual(s.takeBytes(), [new Uint8Array([0x81, 1, 0x61, 0x81, 1, 0x62, 0x89, 0])]);
    assert.deepEqual(s.takeBytes(), []);
  });

  it("rejects bad options and arguments", () => {
    assert.throws(() => new Connection({ role: "peer" as Role }), TypeError);
    assert.throws(() => server({ state: "closed" as "open" }), TypeError);
    assert.throws(() => server({ maxMessageSize: -1 }), {
      name: "RangeError",
      message:
        "Cannot create connection as 'maxMessageSize' must be an integer >= 0 or Infinity: current value is -1",
    });
    assert.throws(() => server({ maxFramesPerMessage: 0 }), RangeError);
    assert.throws(() => server({ allowedRsv: 8 }), RangeError);
    assert.throws(() => server().sendText(1 as unknown as string), TypeError);
    assert.throws(() => server().sendBinary("x" as unknown as Uint8Array), TypeError);
  });
});

type Outgoing =
  | { type: "text"; data: string; cuts: number[] }
  | { type: "binary"; data: Uint8Array; cuts: number[] }
  | { type: "ping"; data: Uint8Array };

const outgoing: fc.Arbitrary<Outgoing> = fc.oneof(
  fc.record({
    type: fc.constant("text" as const),
    data: fc.string({ unit: "binary", maxLength: 80 }),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant("binary" as const),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
    ),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant("ping" as const), data: fc.uint8Array({ maxLength: 125 }) }),
);

/** Sends one outgoing item, fragmented at `cuts` (a single frame without cuts). */
function send(connection: Connection, item: Outgoing): void {
  if (item.type === "ping") return connection.ping(item.data.slice());
  const data = item.type === "text" ? encoder.encode(item.data) : item.data.slice();
  if (item.cuts.length === 0) {
    return item.type === "text" ? connection.sendText(item.data) : connection.sendBinary(data);
  }
  const points = [
    ...item.cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b),
    data.length,
  ];
  let start = 0;
  points.forEach((end, i) => {
    const opcode = i > 0 ? CONTINUATION : item.type === "text" ? TEXT : BINARY;
    connection.sendFrame(opcode, data.slice(start, end), { fin: i === points.length - 1 });
    start = end;
  });
}

/** Delivers all pending bytes of `from` to `to`, re-chunked at the given cut points. */
function deliver(from: Connection, to: Connection, cuts: number[]): void {
  const all = concat(...from.takeBytes());
  const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const end of [...points, all.length]) {
    to.receive(all.slice(start, end));
    start = end;
  }
}

function expectedEvents(items: Outgoing[]): ConnectionEvent[] {
  return items.map((item) =>
    item.type === "text" ? { type: "text", data: item.data } : { type: item.type, data: item.data }
  );
}

describe("Connection: properties", () => {
  it("a client and a server exchange random messages unchanged in random chunkings", () => {
    fc.assert(
      fc.property(
        fc.array(outgoing, { maxLength: 8 }),
        fc.array(outgoing, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (toServer, toClient, cutsUp, cutsDown, serverCloses) => {
          const c = new Connection({ role: "client" });
          const s = new Connection({ role: "server" });
          for (const item of toServer) send(c, item);
          for (const item of toClient) send(s, item);
          const pongs = (items: Outgoing[]) =>
            items.filter((i) => i.type === "ping").map((i) => ({ type: "pong", data: i.data }));
          deliver(c, s, cutsUp);
          assert.deepEqual(s.takeEvents(), expectedEvents(toServer));
          // The server's messages, then its automatic pongs to the client's pings.
          deliver(s, c, cutsDown);
          assert.deepEqual(c.takeEvents(), [...expectedEvents(toClient), ...pongs(toServer)]);
          deliver(c, s, cutsUp);
          assert.deepEqual(s.takeEvents(), pongs(toClient));
          // Then a clean closing handshake, started by either side.
          (serverCloses ? s : c).close(1000, "done");
          for (let i = 0; i < 2; i++) {
            deliver(s, c, cutsDown);
            deliver(c, s, cutsUp);
          }
          c.receiveEof();
          const [sClose, cClose] = [s.takeEvents(), c.takeEvents()];
          assert.equal(s.shouldCloseTransport, true);
          assert.deepEqual(sClose.map((e) => e.type === "close" && e.wasClean), [true]);
          assert.deepEqual(cClose.map((e) => e.type === "close" && e.wasClean), [true]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("random bytes into a server only ever produce events, at most one error, never an exception", () => {
    const header = fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      fin: fc.boolean(),
      rsv1: fc.boolean(),
      masked: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 130 }),
    }).map(({ opcode, fin, rsv1, masked, payload }) => {
      // Encode a structurally plausible frame; control frame rules are left to chance.
      const length = opcode >= 8 ? Math.min(payload.length, 125) : payload.length;
      return encodeFrame(opcode, payload.subarray(0, length), {
        fin: opcode >= 8 ? true : fin,
        rsv1: rsv1 && payload.length % 7 === 0,
        mask: masked || payload.length % 5 !== 0 ? MASK : undefined,
      });
    });
    const piece = fc.oneof(header, header, fc.uint8Array({ maxLength: 20 }));
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (pieces, cuts) => {
          const peer = new Connection({ role: "client" });
          const s = new Connection({ role: "server", maxMessageSize: 200, maxFramesPerMessage: 4 });
          const all = concat(...pieces);
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          let start = 0;
          for (const end of [...points, all.length]) {
            s.receive(all.slice(start, end)); // must not throw
            start = end;
          }
          s.receiveEof();
          const events = s.takeEvents();
          const types = events.map((e) => e.type);
          assert.equal(types.filter((t) => t === "error").length <= 1, true);
          assert.equal(types.filter((t) => t === "close").length, 1);
          assert.equal(types.at(-1), "close");
          const errorAt = types.indexOf("error");
          if (errorAt >= 0) assert.equal(errorAt, types.length - 2);
          assert.equal(s.state, "closed");
          // Whatever the server wrote is well-formed for a client.
          for (const chunk of s.takeBytes()) peer.receive(chunk);
          assert.ok(peer.takeEvents().every((e) => e.type !== "error"));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
