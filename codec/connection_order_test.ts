// The order rule of Connection (events before a close frame or a protocol error are handed out
// and answered first; see resume()), UTF-8 checked inside a frame as it arrives, and the default
// frame-count limit that follows the size limit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Connection, type ConnectionOptions } from "./connection.ts";
import { Opcode } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import type { Frame, Role } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame, encodeFrameHeader } from "./frame_encoder.ts";
import { MessageAssembler } from "./message.ts";
import { receiveAndProcess } from "./receive_loop.ts";

const encoder = new TextEncoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const { CONTINUATION, TEXT, BINARY, CLOSE, PING } = Opcode;

function bytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** A frame as a client sends it (masked); `rsv1` and any opcode allowed. */
function fromClient(
  opcode: number,
  data: Uint8Array | string = "",
  options: { fin?: boolean; rsv1?: boolean } = {},
): Uint8Array {
  return encodeFrame(opcode, bytes(data), {
    fin: options.fin ?? true,
    rsv1: options.rsv1,
    mask: MASK,
  });
}

/** A masked frame with a reserved opcode (the encoder refuses to build one). */
function reservedOpcodeFrame(opcode: number): Uint8Array {
  const frame = fromClient(BINARY, "r");
  frame[0] = 0x80 | opcode;
  return frame;
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

/** What an echo server wrote, decoded: "text:a", "close:1002", ... in order. */
interface Run {
  written: string[];
  events: string[];
  connection: Connection;
}

/**
 * Feeds `chunks` to a connection through receiveAndProcess, like a server engine: text and
 * binary messages are echoed as they are dispatched, written bytes are decoded as the peer would.
 */
function echoRun(chunks: readonly Uint8Array[], options: Partial<ConnectionOptions> = {}): Run {
  const role: Role = options.role ?? "server";
  const connection = new Connection({ role, ...options });
  const peer = new FrameDecoder({
    role: role === "server" ? "client" : "server",
    maxPayloadSize: Infinity,
  });
  const run: Run = { written: [], events: [], connection };
  const onFrame = (frame: Frame): void => {
    const { opcode, payload } = frame;
    if (opcode === CLOSE) {
      run.written.push(`close:${payload.length < 2 ? 1005 : (payload[0]! << 8) | payload[1]!}`);
    } else if (opcode === TEXT) run.written.push(`text:${new TextDecoder().decode(payload)}`);
    else run.written.push(`${opcode}:${payload.length}`);
  };
  const process = (): void => {
    for (const event of connection.takeEvents()) {
      if (event.type === "text") {
        run.events.push(`text:${event.data}`);
        if (connection.state === "open") connection.sendText(event.data);
      } else if (event.type === "binary") {
        run.events.push(`binary:${event.data.length}`);
      } else if (event.type === "close") {
        run.events.push(`close:${event.code}`);
      } else if (event.type === "error") {
        run.events.push(`error:${event.error.code}`);
      } else {
        run.events.push(event.type);
      }
    }
    for (const chunk of connection.takeBytes()) peer.push(chunk.slice(), onFrame);
  };
  for (const chunk of chunks) {
    if (connection.state === "closed") break;
    receiveAndProcess(connection, chunk.slice(), process);
  }
  return run;
}

/** `all` cut into pieces of `size` bytes. */
function pieces(all: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

/** `all` whole, and cut in two at every byte. */
function everySplit(all: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [[all]];
  for (let cut = 1; cut < all.length; cut++) splits.push([all.subarray(0, cut), all.subarray(cut)]);
  return splits;
}

describe("Connection: messages before a close or a bad frame are answered first", () => {
  const bad: [string, Uint8Array, string][] = [
    ["a reserved opcode", reservedOpcodeFrame(0x3), "RESERVED_OPCODE"],
    ["a reserved control opcode", reservedOpcodeFrame(0xb), "RESERVED_OPCODE"],
    ["an RSV bit", fromClient(TEXT, "c", { rsv1: true }), "RESERVED_BITS"],
    ["a stray continuation", fromClient(CONTINUATION, "c"), "UNEXPECTED_CONTINUATION"],
    ["invalid UTF-8", fromClient(TEXT, new Uint8Array([0x63, 0xff])), "INVALID_UTF8"],
  ];
  for (const [name, frame, code] of bad) {
    it(`echoes "a" and "b", then fails on ${name} (whole and split at every byte)`, () => {
      const all = concat(fromClient(TEXT, "a"), fromClient(TEXT, "b"), frame);
      const closeCode = code === "INVALID_UTF8" ? 1007 : 1002;
      for (const chunks of everySplit(all)) {
        const run = echoRun(chunks);
        assert.deepEqual(run.written, ["text:a", "text:b", `close:${closeCode}`]);
        assert.deepEqual(run.events, ["text:a", "text:b", `error:${code}`, `close:${closeCode}`]);
        assert.equal(run.connection.state, "closed");
      }
    });
  }

  it("echoes a message, then answers the close frame in the same input (split at every byte)", () => {
    const all = concat(fromClient(TEXT, "hi"), fromClient(CLOSE, new Uint8Array([0x03, 0xe8])));
    for (const chunks of everySplit(all)) {
      const run = echoRun(chunks);
      assert.deepEqual(run.written, ["text:hi", "close:1000"]);
      assert.deepEqual(run.events, ["text:hi", "close:1000"]);
    }
  });

  it("client role: reports a message before the server's close, then echoes the close", () => {
    const all = concat(
      encodeFrame(TEXT, bytes("x")),
      encodeFrame(CLOSE, new Uint8Array([0x0f, 0xa0])),
    );
    const run = echoRun([all], { role: "client", maskSource: (key) => key.set(MASK) });
    assert.deepEqual(run.written, ["text:x", "close:4000"]);
    assert.deepEqual(run.events, ["text:x"]);
    assert.equal(run.connection.state, "closing"); // the client waits for the server's FIN
  });

  it("never takes payload bytes for a close frame (moved from the old close splitter)", () => {
    // Payloads full of bytes that look like close headers; a 64-bit length too.
    const all = concat(
      fromClient(TEXT, "a".repeat(300)),
      fromClient(BINARY, new Uint8Array(70_000).fill(0x88)),
      fromClient(CLOSE, new Uint8Array([0x03, 0xe8])),
    );
    for (const size of [1, 2, 3, 7, 1000, all.length]) {
      const run = echoRun(pieces(all, size));
      assert.deepEqual(run.events, [`text:${"a".repeat(300)}`, "binary:70000", "close:1000"]);
      assert.deepEqual(run.written, [`text:${"a".repeat(300)}`, "close:1000"]);
    }
  });

  it("holds nothing when no event came before the close or the error", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(reservedOpcodeFrame(0x4));
    assert.equal(connection.inputPending, false);
    assert.deepEqual(connection.takeEvents().map((e) => e.type), ["error", "close"]);
  });

  it("holds a close behind a ping event too, after answering the ping", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(concat(fromClient(PING, "p"), fromClient(CLOSE)));
    assert.equal(connection.inputPending, true);
    assert.deepEqual(connection.takeEvents().map((e) => e.type), ["ping"]);
    connection.resume();
    assert.deepEqual(connection.takeEvents().map((e) => e.type), ["close"]);
    assert.equal(connection.inputPending, false);
  });

  it("resume() does nothing more once the application failed the connection", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(concat(fromClient(TEXT, "a"), fromClient(CONTINUATION, "x")));
    connection.takeEvents();
    connection.fail(1008, "policy");
    connection.resume();
    assert.deepEqual(connection.takeEvents(), [
      { type: "close", code: 1008, reason: "policy", wasClean: false },
    ]);
    assert.equal(connection.inputPending, false);
  });

  it("a close started by a handler before resume() ends the handshake cleanly", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(
      concat(fromClient(TEXT, "bye"), fromClient(CLOSE, new Uint8Array([0x03, 0xe8]))),
    );
    connection.takeEvents();
    connection.close(1001);
    connection.resume();
    assert.deepEqual(connection.takeEvents(), [
      { type: "close", code: 1000, reason: "", wasClean: true },
    ]);
    assert.equal(connection.takeBytes().length, 1); // our close frame only, no second one
  });

  it("receiveEof() resumes held input first", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(
      concat(fromClient(TEXT, "a"), fromClient(CLOSE, new Uint8Array([0x03, 0xe8]))),
    );
    connection.takeEvents();
    connection.receiveEof();
    assert.deepEqual(connection.takeEvents(), [
      { type: "close", code: 1000, reason: "", wasClean: true },
    ]);
  });

  it("receiveAndProcess reports a bug to onBug before processing the 1011 close", () => {
    const connection = new Connection({ role: "server" });
    const original = MessageAssembler.prototype.push;
    const bug = new Error("bug");
    MessageAssembler.prototype.push = () => {
      throw bug;
    };
    const log: string[] = [];
    try {
      receiveAndProcess(connection, fromClient(TEXT, "x"), () => {
        for (const event of connection.takeEvents()) log.push(`${event.type}`);
      }, (error) => log.push(error === bug ? "bug" : "other"));
    } finally {
      MessageAssembler.prototype.push = original;
    }
    assert.deepEqual(log, ["bug", "close"]);
  });
});

describe("Connection: UTF-8 checked inside a frame as it arrives", () => {
  it("fails with 1007 on the push holding an invalid byte of a 1 MiB text frame", () => {
    const connection = new Connection({ role: "server" });
    const header = encodeFrameHeader(TEXT, 1_048_576, { mask: MASK });
    connection.receive(header);
    // "ab" then 0xff, masked at payload offsets 0-2.
    const start = new Uint8Array([0x61 ^ MASK[0]!, 0x62 ^ MASK[1]!]);
    connection.receive(start);
    assert.deepEqual(connection.takeEvents(), []);
    connection.receive(new Uint8Array([0xff ^ MASK[2]!]));
    const events = connection.takeEvents();
    assert.deepEqual(events.map((e) => e.type), ["error", "close"]);
    const error = events[0]!.type === "error" ? events[0]!.error : undefined;
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.code, "INVALID_UTF8");
    assert.equal(connection.state, "closed");
  });

  it("fails on a surrogate prefix (ED A0) in the middle of a frame, before the rest", () => {
    const payload = new Uint8Array(10_000).fill(0x61);
    payload.set([0xed, 0xa0], 5000);
    const frame = fromClient(TEXT, payload);
    const run = echoRun([frame.subarray(0, 8 + 5002)]);
    assert.deepEqual(run.written, ["close:1007"]);
  });

  it("decodes text cut anywhere, inside characters too, as when whole", () => {
    const text = "héllo wörld 😀 ".repeat(20) + "end";
    for (const fragments of [[text], [text.slice(0, 100), text.slice(100)]]) {
      const frames = fragments.map((part, i) =>
        fromClient(i === 0 ? TEXT : CONTINUATION, part, { fin: i === fragments.length - 1 })
      );
      const all = concat(...frames);
      for (const size of [1, 2, 3, 5, 64, 333]) {
        const run = echoRun(pieces(all, size));
        assert.deepEqual(run.events, [`text:${text}`], `pieces of ${size}`);
      }
    }
  });

  it("leaves binary frames and frames out of order to the whole-frame checks", () => {
    const binary = fromClient(BINARY, new Uint8Array([0xff, 0xfe, 0xfd, 0xfc]));
    assert.deepEqual(echoRun(pieces(binary, 1)).events, ["binary:4"]);
    const stray = fromClient(CONTINUATION, new Uint8Array([0xff, 0xff, 0xff]));
    assert.deepEqual(echoRun(pieces(stray, 1)).events.slice(0, 1), [
      "error:UNEXPECTED_CONTINUATION",
    ]);
  });
});

describe("Connection: the default frame-count limit follows the size limit", () => {
  /** A message of `size` bytes in fragments of `step` bytes, as one chunk. */
  function fragmented(size: number, step: number, opcode = BINARY): Uint8Array {
    const frames: Uint8Array[] = [];
    const payload = new Uint8Array(step);
    for (let at = 0; at < size; at += step) {
      frames.push(
        fromClient(
          at === 0 ? opcode : CONTINUATION,
          payload.subarray(0, Math.min(step, size - at)),
          {
            fin: at + step >= size,
          },
        ),
      );
    }
    return concat(...frames);
  }

  it("accepts 4 MiB in 256-byte fragments with a 16 MiB size limit", () => {
    const run = echoRun([fragmented(4 * 1_048_576, 256)], { maxMessageSize: 16 * 1_048_576 });
    assert.deepEqual(run.events, [`binary:${4 * 1_048_576}`]);
  });

  it("accepts 1 MiB in 256-byte fragments with the default limits", () => {
    assert.deepEqual(echoRun([fragmented(1_048_576, 256)]).events, ["binary:1048576"]);
  });

  it("still refuses a flood of empty or 1-byte fragments with 1009", () => {
    for (const step of [0, 1]) {
      const connection = new Connection({ role: "server", maxMessageSize: 16 * 1_048_576 });
      const limit = (16 * 1_048_576) / 256; // 65536 frames
      const one = fromClient(CONTINUATION, new Uint8Array(step), { fin: false });
      connection.receive(fromClient(BINARY, new Uint8Array(step), { fin: false }));
      const flood = new Uint8Array(one.length * limit);
      for (let i = 0; i < limit; i++) flood.set(one, i * one.length);
      connection.receive(flood);
      const events = connection.takeEvents();
      const error = events[0]?.type === "error" ? events[0].error : undefined;
      assert.equal(error?.code, "TOO_MANY_FRAMES", `fragments of ${step} bytes`);
      assert.deepEqual(events.at(-1), {
        type: "close",
        code: 1009,
        reason: `message has more than ${limit} frames`,
        wasClean: false,
      });
    }
  });

  it("keeps 1024 frames for small size limits and an explicit limit as given", () => {
    const run = echoRun([fragmented(1025, 1)], { maxMessageSize: 4096 });
    assert.deepEqual(run.events.at(-1), "close:1009");
    const explicit = echoRun([fragmented(20, 1)], { maxFramesPerMessage: 10 });
    assert.deepEqual(explicit.events.at(-1), "close:1009");
  });
});
