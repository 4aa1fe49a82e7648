import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { constants, createDeflateRaw, deflateRawSync } from "node:zlib";
import { Connection, type ConnectionEvent } from "./connection.ts";
import { encodeFrame } from "./frame_encoder.ts";
import type { DeflateAgreement } from "./deflate_negotiation.ts";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "./permessage_deflate.ts";
import { perMessageDeflateServer } from "./permessage_deflate_server.ts";
import { parseExtensions } from "./extensions.ts";
import { zlibDeflate } from "../deflate/zlib.node.ts";

const AGREED: DeflateAgreement = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const MASK = new Uint8Array([1, 2, 3, 4]);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (s: string): Uint8Array => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** A server connection with permessage-deflate, and a way to feed it masked frames. */
function server(maxMessageSize?: number, options: PerMessageDeflateOptions = {}): {
  connection: Connection;
  frame: (opcode: number, payload: Uint8Array, flags?: { fin?: boolean; rsv1?: boolean }) => void;
  events: () => ConnectionEvent[];
} {
  const connection = new Connection({
    role: "server",
    maxMessageSize,
    extensions: [new PerMessageDeflate("server", AGREED, zlibDeflate, options)],
  });
  return {
    connection,
    frame: (opcode, payload, flags = {}) =>
      connection.receive(encodeFrame(opcode, payload, { ...flags, mask: MASK })),
    events: () => connection.takeEvents(),
  };
}

function failedWith(events: ConnectionEvent[], code: string, closeCode: number): void {
  const error = events.find((event) => event.type === "error");
  assert.ok(error?.type === "error", `expected an error event, got ${JSON.stringify(events)}`);
  assert.equal(error.error.code, code);
  assert.deepEqual(events.at(-1), {
    type: "close",
    code: closeCode,
    reason: error.error.message,
    wasClean: false,
  });
}

describe("permessage-deflate receiving", () => {
  it("inflates a message sent with a sync flush and the tail stripped", () => {
    const s = server();
    s.frame(1, hex("f248cdc9c90700"), { rsv1: true });
    assert.deepEqual(s.events(), [{ type: "text", data: "Hello" }]);
  });

  it("accepts a message ending with a final block (BFINAL=1)", () => {
    const s = server();
    s.frame(1, deflateRawSync(text("Hello")), { rsv1: true });
    assert.deepEqual(s.events(), [{ type: "text", data: "Hello" }]);
  });

  it("accepts a stored block (no compression) and a final stored block", () => {
    const s = server();
    s.frame(1, hex("000500faff48656c6c6f"), { rsv1: true });
    s.frame(2, hex("010300fcff010203"), { rsv1: true });
    assert.deepEqual(s.events(), [
      { type: "text", data: "Hello" },
      { type: "binary", data: new Uint8Array([1, 2, 3]) },
    ]);
  });

  it("accepts empty compressed messages: one 00 byte, or no byte at all", () => {
    const s = server();
    s.frame(1, hex("00"), { rsv1: true });
    s.frame(2, new Uint8Array(0), { rsv1: true });
    assert.deepEqual(s.events(), [
      { type: "text", data: "" },
      { type: "binary", data: new Uint8Array(0) },
    ]);
  });

  it("accepts several blocks in one message (full flushes between them)", () => {
    const first = deflateRawSync(text("Hel"), { finishFlush: constants.Z_FULL_FLUSH });
    const second = deflateRawSync(text("lo, world"), { finishFlush: constants.Z_SYNC_FLUSH });
    const payload = new Uint8Array([...first, ...second.subarray(0, second.length - 4)]);
    const s = server();
    s.frame(1, payload, { rsv1: true });
    assert.deepEqual(s.events(), [{ type: "text", data: "Hello, world" }]);
  });

  it("inflates a fragmented message: RSV1 on the first frame only", () => {
    const payload = zlibDeflate.deflate(text("Hello fragmented world"), {
      windowBits: 15,
      level: 6,
      memLevel: 8,
    }).subarray(0, -4);
    const s = server();
    s.frame(1, payload.subarray(0, 3), { rsv1: true, fin: false });
    s.frame(0, payload.subarray(3, 7), { fin: false });
    s.frame(0, payload.subarray(7));
    assert.deepEqual(s.events(), [{ type: "text", data: "Hello fragmented world" }]);
  });

  it("gives the same messages when the bytes arrive split at every position", () => {
    const packed = zlibDeflate.deflate(text("é".repeat(300)), {
      windowBits: 15,
      level: 6,
      memLevel: 8,
    }).subarray(0, -4);
    const wire = [
      encodeFrame(1, packed.subarray(0, 5), { fin: false, rsv1: true, mask: MASK }),
      encodeFrame(0, packed.subarray(5), { mask: MASK }),
      encodeFrame(1, text("plain é"), { mask: MASK }),
    ];
    const all = new Uint8Array(wire.reduce((n, part) => n + part.length, 0));
    wire.reduce((at, part) => (all.set(part, at), at + part.length), 0);
    for (let cut = 0; cut <= all.length; cut++) {
      const s = server();
      s.connection.receive(all.slice(0, cut));
      s.connection.receive(all.slice(cut));
      assert.deepEqual(s.events(), [
        { type: "text", data: "é".repeat(300) },
        { type: "text", data: "plain é" },
      ], `cut at ${cut}`);
    }
  });

  it("delivers uncompressed messages between compressed ones", () => {
    const s = server();
    s.frame(1, text("plain"));
    s.frame(1, hex("f248cdc9c90700"), { rsv1: true });
    s.frame(2, text("ab"), { fin: false });
    s.frame(0, text("c"));
    assert.deepEqual(s.events(), [
      { type: "text", data: "plain" },
      { type: "text", data: "Hello" },
      { type: "binary", data: text("abc") },
    ]);
  });

  it("fails with 1002 on RSV1 in a continuation frame", () => {
    const s = server();
    s.frame(1, hex("f248"), { rsv1: true, fin: false });
    s.frame(0, hex("cdc9c90700"), { rsv1: true });
    failedWith(s.events(), "RESERVED_BITS", 1002);
  });

  it("fails with 1002 on RSV1 in a continuation of an uncompressed message", () => {
    const s = server();
    s.frame(1, text("a"), { fin: false });
    s.frame(0, text("b"), { rsv1: true });
    failedWith(s.events(), "RESERVED_BITS", 1002);
  });

  it("fails with 1002 on RSV1 in a control frame", () => {
    const s = server();
    s.frame(9, text("ping"), { rsv1: true });
    failedWith(s.events(), "RESERVED_BITS", 1002);
  });

  it("fails with 1002 on RSV1 when nothing was negotiated", () => {
    const connection = new Connection({ role: "server" });
    connection.receive(encodeFrame(1, hex("f248cdc9c90700"), { rsv1: true, mask: MASK }));
    failedWith(connection.takeEvents(), "RESERVED_BITS", 1002);
  });

  it("fails with 1007 on corrupt compressed data", () => {
    const s = server();
    s.frame(1, hex("ffffff"), { rsv1: true });
    failedWith(s.events(), "BAD_COMPRESSED_DATA", 1007);
  });

  it("fails with 1007 on invalid UTF-8 inside compressed text", () => {
    const s = server();
    s.frame(1, deflateRawSync(new Uint8Array([0x61, 0xff])), { rsv1: true });
    failedWith(s.events(), "INVALID_UTF8", 1007);
  });

  it("fails with 1009 when the inflated size passes the limit, exactly at limit + 1", () => {
    const at = server(100);
    at.frame(2, deflateRawSync(new Uint8Array(100)), { rsv1: true });
    assert.deepEqual(at.events(), [{ type: "binary", data: new Uint8Array(100) }]);
    const over = server(100);
    over.frame(2, deflateRawSync(new Uint8Array(101)), { rsv1: true });
    failedWith(over.events(), "MESSAGE_TOO_BIG", 1009);
  });
});

/** 1 MiB of zeros, sync-flushed: a segment that can be repeated to make a bomb. */
function bombSegment(): Uint8Array {
  return deflateRawSync(new Uint8Array(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
}

describe("permessage-deflate inflation bomb", () => {
  it("closes with 1009 having allocated about the limit, not the 1 GiB the message holds", () => {
    const segment = bombSegment();
    const bomb = new Uint8Array(segment.length * 1024); // 1 GiB once inflated
    for (let i = 0; i < 1024; i++) bomb.set(segment, i * segment.length);
    const s = server(2 << 20);
    const frame = encodeFrame(2, bomb, { rsv1: true, mask: MASK });
    const before = process.memoryUsage().rss;
    s.connection.receive(frame);
    const grown = process.memoryUsage().rss - before;
    failedWith(s.events(), "MESSAGE_TOO_BIG", 1009);
    assert.ok(grown < 256 * 2 ** 20, `the process grew by ${grown} bytes`);
  });

  it("bounds the compressed bytes a fragmented message may gather", () => {
    const s = server(4096);
    s.frame(2, new Uint8Array(2000), { rsv1: true, fin: false });
    s.frame(0, new Uint8Array(2000), { fin: false });
    assert.deepEqual(s.events(), []);
    s.frame(0, new Uint8Array(2000), { fin: false });
    failedWith(s.events(), "MESSAGE_TOO_BIG", 1009);
  });
});

describe("permessage-deflate sending", () => {
  const options = { role: "server" as const };

  function sent(connection: Connection): Uint8Array {
    const [bytes] = connection.takeBytes();
    return bytes!;
  }

  it("compresses with a sync flush and strips 00 00 ff ff (RFC 7692 7.2.3.1)", () => {
    const connection = new Connection({
      ...options,
      extensions: [new PerMessageDeflate("server", AGREED, zlibDeflate, { threshold: 0 })],
    });
    connection.sendText("Hello");
    assert.deepEqual(sent(connection), hex("c107f248cdc9c90700"));
  });

  it("sends messages under the threshold, and compress: false, uncompressed", () => {
    const connection = new Connection({
      ...options,
      extensions: [new PerMessageDeflate("server", AGREED, zlibDeflate)],
    });
    connection.sendText("a".repeat(1023));
    assert.equal(sent(connection)[0], 0x81);
    connection.sendText("a".repeat(1024));
    assert.equal(sent(connection)[0], 0xc1);
    connection.sendBinary(new Uint8Array(5000), { compress: false });
    assert.equal(sent(connection)[0], 0x82);
    connection.sendBinary(new Uint8Array(5000));
    assert.equal(sent(connection)[0], 0xc2);
  });

  it("sends frames of a message the caller fragments as they are", () => {
    const connection = new Connection({
      ...options,
      extensions: [new PerMessageDeflate("server", AGREED, zlibDeflate, { threshold: 0 })],
    });
    connection.sendFrame(1, text("Hel"), { fin: false });
    connection.sendFrame(0, text("lo"));
    assert.deepEqual(sent(connection), hex("010348656c80026c6f"));
  });

  it("never compresses when the agreed window is 8 bits (zlib cannot)", () => {
    const connection = new Connection({
      ...options,
      extensions: [
        new PerMessageDeflate("server", { ...AGREED, serverMaxWindowBits: 8 }, zlibDeflate, {
          threshold: 0,
        }),
      ],
    });
    connection.sendText("Hello");
    assert.deepEqual(sent(connection), hex("810548656c6c6f"));
  });

  it("round-trips through two connections, client to server and back", () => {
    const client = new Connection({
      role: "client",
      extensions: [new PerMessageDeflate("client", AGREED, zlibDeflate, { threshold: 0 })],
    });
    const s = server(undefined, { threshold: 0 });
    const messages = ["", "Hello", "é".repeat(40_000), "x".repeat(200_000)];
    for (const message of messages) client.sendText(message);
    for (const bytes of client.takeBytes()) s.connection.receive(bytes);
    assert.deepEqual(s.events(), messages.map((data) => ({ type: "text", data })));
  });

  it("refuses bad options", () => {
    assert.throws(
      () => new PerMessageDeflate("server", AGREED, zlibDeflate, { level: 10 }),
      RangeError,
    );
    assert.throws(
      () => new PerMessageDeflate("server", AGREED, zlibDeflate, { threshold: -1 }),
      RangeError,
    );
  });
});

/** What a zlib stream with context takeover sends for each message (sync flush, tail stripped). */
async function takeoverPayloads(messages: string[], windowBits = 15): Promise<Uint8Array[]> {
  const deflate = createDeflateRaw({ windowBits });
  const chunks: Uint8Array[] = [];
  deflate.on("data", (chunk: Uint8Array) => chunks.push(new Uint8Array(chunk)));
  const payloads: Uint8Array[] = [];
  for (const message of messages) {
    deflate.write(text(message));
    await new Promise<void>((resolve) => deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    const all = Uint8Array.from(chunks.splice(0).flatMap((chunk) => [...chunk]));
    payloads.push(all.subarray(0, all.length - 4));
  }
  deflate.close();
  return payloads;
}

describe("permessage-deflate receiving from a peer with context takeover", () => {
  function client(serverMaxWindowBits = 15): Connection {
    return new Connection({
      role: "client",
      extensions: [
        new PerMessageDeflate(
          "client",
          { ...AGREED, serverNoContextTakeover: false, serverMaxWindowBits },
          zlibDeflate,
        ),
      ],
    });
  }

  it("inflates RFC 7692's 'Hello' twice: f248cdc9c90700 then f200110000", () => {
    const connection = client();
    connection.receive(hex("c107f248cdc9c90700"));
    connection.receive(hex("c105f200110000"));
    assert.deepEqual(connection.takeEvents(), [
      { type: "text", data: "Hello" },
      { type: "text", data: "Hello" },
    ]);
  });

  for (const bits of [15, 10, 9]) {
    it(`inflates a stream of messages that refer to earlier ones (window ${bits} bits)`, async () => {
      const messages = Array.from(
        { length: 40 },
        (_, i) => `{"id":${i},"user":"user${i % 7}","text":"${"abc".repeat(i % 50)}"}`,
      );
      messages.push("x".repeat(70_000), "y".repeat(10), "x".repeat(40_000) + "end");
      const payloads = await takeoverPayloads(messages, bits);
      const connection = client(bits);
      for (const payload of payloads) {
        connection.receive(encodeFrame(1, payload, { rsv1: true }));
      }
      assert.deepEqual(connection.takeEvents(), messages.map((data) => ({ type: "text", data })));
      // The second "Hello"-like message is tiny on the wire: it refers to the first.
      assert.ok(payloads[1]!.length < text(messages[1]!).length);
    });
  }

  it("still bounds the inflated size with a window kept", () => {
    const connection = new Connection({
      role: "client",
      maxMessageSize: 1000,
      extensions: [
        new PerMessageDeflate("client", { ...AGREED, serverNoContextTakeover: false }, zlibDeflate),
      ],
    });
    connection.receive(encodeFrame(2, deflateRawSync(new Uint8Array(1000)), { rsv1: true }));
    assert.deepEqual(connection.takeEvents(), [{ type: "binary", data: new Uint8Array(1000) }]);
    connection.receive(encodeFrame(2, deflateRawSync(new Uint8Array(1001)), { rsv1: true }));
    failedWith(connection.takeEvents(), "MESSAGE_TOO_BIG", 1009);
  });
});

describe("perMessageDeflateServer", () => {
  it("answers a frozen list of offers once: same response, a new extension per connection", () => {
    const negotiate = perMessageDeflateServer(zlibDeflate, { serverMaxWindowBits: 12 });
    const offers = Object.freeze(parseExtensions("permessage-deflate; client_max_window_bits"));
    const first = negotiate(offers);
    const second = negotiate(offers);
    assert.equal(second.response, first.response);
    assert.ok(Object.isFrozen(first.response) && Object.isFrozen(first.response[0]));
    assert.notEqual(second.extensions[0], first.extensions[0]);
    assert.ok(second.extensions[0] instanceof PerMessageDeflate);
    // An equal list that is not frozen (not shared) is answered afresh, with the same answer.
    const fresh = negotiate(parseExtensions("permessage-deflate; client_max_window_bits"));
    assert.notEqual(fresh.response, first.response);
    assert.deepEqual(fresh.response, first.response);
    const declined = Object.freeze(
      parseExtensions("permessage-deflate; server_max_window_bits=16"),
    );
    assert.deepEqual(negotiate(declined), { response: [], extensions: [] });
    assert.deepEqual(negotiate(declined), { response: [], extensions: [] });
  });
});
