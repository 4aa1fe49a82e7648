// permessage-deflate on the server's codec engine (serve() with engine "codec": node:http in
// Node and Bun, and Deno's codec engine), over real sockets: negotiated with ws, python-websockets
// and wirely's own TCP client (checked from the answered header, from frame bytes with RSV1, and
// from the bytes on the wire), offers declined without refusing the connection, per-message
// `compress: false`, inflation bounded by maxMessageSize (1009), and Deno's native engine refusing
// an explicit request.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Opcode } from "../codec/constants.ts";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { tcpTransport } from "../client/tcp_transport.node.ts";
import type { TransportEvent } from "../client/transport.ts";
import { runPython, skipWithoutPythonWebsockets } from "../testing/python.ts";
import { skipOnBun } from "../testing/runtime.ts";
import {
  createNativeServer,
  serve,
  type ServedWebSocketServer,
  type ServerOptions,
} from "./mod.ts";
import { inDeno, messages, openWs, RawClient, until, within, wsClosed } from "./_helpers_test.ts";

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BOTH_WAYS = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/** An echo server on the codec engine; `options` on top. */
async function echoServer(options: ServerOptions = {}): Promise<ServedWebSocketServer> {
  const server = await serve({
    port: 0,
    hostname: "127.0.0.1",
    engine: "codec",
    heartbeat: { interval: 0 },
    onMessage: (conn, message) => conn.send(message.data),
    ...options,
  });
  cleanups.push(() => server.close());
  return server;
}

function pattern(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i % 17) * 3);
}

/** The client's compressed frame of `text`: raw DEFLATE without the 00 00 ff ff tail. */
function compressed(data: Uint8Array): Uint8Array {
  const out = zlibDeflate.deflate(data, { windowBits: 15, level: 6, memLevel: 8 });
  return out.subarray(0, out.length - 4);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("permessage-deflate on the codec engine", () => {
  it("ws (perMessageDeflate, threshold 0): agreed, and compressed both ways on the wire", async () => {
    let received = 0;
    const server = await echoServer({
      onMessage: (conn, message) => {
        received = conn.bytesReceived;
        conn.send(message.data);
      },
    });
    const ws = await openWs(server.url, undefined, { perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => ws.terminate());
    assert.equal(ws.extensions, "permessage-deflate"); // ws lists the names only
    // npm ws's socket counts the bytes read (Bun's built-in ws, which replaces it, does not).
    const socket = (ws as unknown as { _socket?: { bytesRead?: number } })._socket;
    const before = socket?.bytesRead;
    const big = "x".repeat(300_000);
    ws.send(big);
    const echo = await messages(ws).next();
    assert.equal(new TextDecoder().decode(echo.data), big);
    // 300 kB each way, a few hundred bytes on the wire: compressed by both ends.
    assert.ok(received < 5_000, `the server received ${received} bytes`);
    if (before !== undefined) {
      const read = socket!.bytesRead! - before;
      assert.ok(read < 5_000, `the client read ${read} bytes`);
    }
    const small = ["hello", pattern(5000), "é".repeat(10_000)];
    for (const message of small) ws.send(message);
    for (const message of small) {
      const got = await messages(ws).next();
      assert.deepEqual(got.binary ? got.data : new TextDecoder().decode(got.data), message);
    }
  });

  it("frame bytes: RSV1 from the threshold on, not with compress: false; the client's compressed frames are inflated", async () => {
    const server = await echoServer({
      perMessageDeflate: { threshold: 100 },
      onMessage: (conn, message) => {
        if (message.type !== "text") return;
        if (message.data === "send") {
          conn.send("a".repeat(99));
          conn.send("b".repeat(100));
          conn.send("c".repeat(2000), { compress: false });
          conn.sendJson({ d: "d".repeat(500) });
        } else conn.send(message.data);
      },
    });
    const raw = await RawClient.open(server.addr.port, "/", {
      "Sec-WebSocket-Extensions":
        "permessage-deflate; server_max_window_bits=7, x-unknown, permessage-deflate; client_max_window_bits=10",
    });
    cleanups.push(() => raw.destroy());
    // The first offer cannot be honoured (7 bits): declined, and the next one taken.
    assert.match(
      raw.head,
      /\r\nsec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n/i,
    );
    raw.sendFrame(Opcode.TEXT, "send");
    await raw.waitFor(() => raw.frames.length >= 4, "four frames");
    assert.deepEqual(raw.frames.map((frame) => frame.rsv1), [false, true, false, true]);
    assert.equal(raw.frames[0]!.payload.length, 99);
    assert.equal(raw.frames[2]!.payload.length, 2000);
    assert.ok(raw.frames[1]!.payload.length < 20);
    // A compressed message from the client (RSV1, in two frames) comes back inflated.
    const packed = compressed(text("hello ".repeat(1000)));
    raw.sendFrame(Opcode.TEXT, packed.subarray(0, 5), true, false, true);
    raw.sendFrame(Opcode.CONTINUATION, packed.subarray(5), true, true, false);
    await raw.waitFor(() => raw.frames.length >= 5, "the echo");
    const echo = raw.frames[4]!;
    assert.equal(echo.rsv1, true);
    const inflated = zlibDeflate.inflate(
      Uint8Array.from([...echo.payload, 0, 0, 0xff, 0xff]),
      { maxOutputLength: 10_000 },
    );
    assert.equal(new TextDecoder().decode(inflated), "hello ".repeat(1000));
  });

  it("an offer that cannot be honoured is declined, not the connection; false offers nothing", async () => {
    const on = await echoServer({ perMessageDeflate: { clientMaxWindowBits: 10 } });
    for (
      const offer of [
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; unknown_param",
        "permessage-deflate", // no client_max_window_bits, and the server limits the client's window
      ]
    ) {
      const raw = await RawClient.open(on.addr.port, "/", { "Sec-WebSocket-Extensions": offer });
      assert.doesNotMatch(raw.head, /sec-websocket-extensions/i, offer);
      raw.destroy();
    }
    const limited = await RawClient.open(on.addr.port, "/", {
      "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    });
    assert.match(limited.head, /client_max_window_bits=10\r\n/);
    limited.destroy();
    const off = await echoServer({ perMessageDeflate: false });
    const ws = await openWs(off.url, undefined, { perMessageDeflate: true });
    assert.equal(ws.extensions, "");
    ws.terminate();
  });

  it("answers remembered per offer never cross servers or offers (two servers, offers repeated)", async () => {
    const plain = await echoServer();
    const narrow = await echoServer({ perMessageDeflate: { serverMaxWindowBits: 12 } });
    const expected = [
      [plain, "permessage-deflate; client_max_window_bits", `${BOTH_WAYS}\r\n`],
      [
        narrow,
        "permessage-deflate; client_max_window_bits",
        `${BOTH_WAYS}; server_max_window_bits=12\r\n`,
      ],
      [
        plain,
        "permessage-deflate; server_max_window_bits=10",
        `${BOTH_WAYS}; server_max_window_bits=10\r\n`,
      ],
      [
        narrow,
        "permessage-deflate; server_max_window_bits=10",
        `${BOTH_WAYS}; server_max_window_bits=10\r\n`,
      ],
      [
        narrow,
        "x-unknown, permessage-deflate; server_max_window_bits=14",
        `${BOTH_WAYS}; server_max_window_bits=12\r\n`,
      ],
    ] as const;
    for (let round = 0; round < 3; round++) {
      for (const [server, offer, answer] of expected) {
        const raw = await RawClient.open(server.addr.port, "/", {
          "Sec-WebSocket-Extensions": offer,
        });
        assert.ok(raw.head.toLowerCase().includes(`sec-websocket-extensions: ${answer}`), raw.head);
        raw.destroy();
      }
    }
  });

  it("a compressed message inflating past maxMessageSize closes with 1009, memory stays bounded", async () => {
    const server = await echoServer({ limits: { maxMessageSize: 1_048_576 } });
    const raw = await RawClient.open(server.addr.port, "/", {
      "Sec-WebSocket-Extensions": "permessage-deflate",
    });
    cleanups.push(() => raw.destroy());
    // 256 MiB of zeros in about 256 kB.
    const bomb = compressed(new Uint8Array(256 * 1_048_576));
    assert.ok(bomb.length < 400_000);
    const rss = process.memoryUsage().rss;
    raw.sendFrame(Opcode.BINARY, bomb, true, true, true);
    await raw.waitFor(() => raw.closeCode !== undefined, "close frame", 10_000);
    assert.equal(raw.closeCode, 1009);
    const grown = process.memoryUsage().rss - rss;
    assert.ok(grown < 64 * 1_048_576, `RSS grew by ${grown} bytes`);
  });

  it(
    "python-websockets (compression on by default): agreed, every message compressed both ways",
    { skip: skipWithoutPythonWebsockets(PYTHON_CLIENT()) },
    async () => {
      const server = await echoServer();
      const { code, output } = await runPython(PYTHON_CLIENT(), [server.url], 30_000);
      assert.equal(code, 0, output);
      assert.match(output, /^ok$/m, output);
      assert.match(output, new RegExp(`extensions ${BOTH_WAYS}`), output);
      assert.equal((output.match(/sent compressed/g) ?? []).length, 4, output);
      assert.equal((output.match(/received compressed/g) ?? []).length, 4, output);
    },
  );

  it("wirely's TCP client (perMessageDeflate: true): agreed, echoes", async () => {
    const server = await echoServer();
    const events: TransportEvent[] = [];
    const transport = tcpTransport({ perMessageDeflate: { threshold: 0 } })
      .connect(server.url, [], (event) => events.push(event));
    cleanups.push(() => transport.abort());
    await until(() => events.some((e) => e.type === "open"), 3_000, "open");
    const open = events.find((e) => e.type === "open") as { extensions: string };
    assert.equal(open.extensions, BOTH_WAYS);
    const sent = ["hi", "é".repeat(50_000), pattern(100_000)];
    for (const message of sent) transport.send(message);
    await until(() => events.filter((e) => e.type === "message").length === 3, 3_000, "echoes");
    const got = events.filter((e) => e.type === "message").map((e) =>
      (e as { data: unknown }).data
    );
    assert.deepEqual(got, sent);
    assert.ok(server.clients.size === 1);
    const [conn] = server.clients;
    assert.ok(conn!.bytesReceived < 20_000, `the server received ${conn!.bytesReceived} bytes`);
  });

  it(
    "the runtime's own WebSocket (undici in Node 22+, Bun): agreed and echoes",
    {
      skip: inDeno
        ? "Deno's WebSocket offers no permessage-deflate (Node 22 runs it in the Node pass)"
        : typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function"
        ? "no global WebSocket (Node 20)"
        : skipOnBun("checked on Node 22+"),
    },
    async () => {
      const server = await echoServer();
      const Native = (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket;
      const ws = new Native(server.url);
      cleanups.push(() => ws.close());
      await within(new Promise((resolve) => ws.onopen = resolve), 5_000, "open");
      assert.match(ws.extensions, /^permessage-deflate/);
      const big = "z".repeat(200_000);
      ws.send(big);
      const echo = await within(
        new Promise<string>((resolve) => ws.onmessage = (event) => resolve(event.data)),
        5_000,
        "echo",
      );
      // undici sends uncompressed (it only inflates): the echo came back as one compressed frame.
      assert.equal(echo, big);
    },
  );
});

describe("Deno's native engine has no permessage-deflate", () => {
  it("an explicit perMessageDeflate needs the codec engine: TypeError before listening", async () => {
    if (inDeno) {
      await assert.rejects(
        serve({ port: 0, hostname: "127.0.0.1", engine: "native", perMessageDeflate: true }),
        /engine: "codec"/,
      );
      await assert.rejects(
        serve({ port: 0, hostname: "127.0.0.1", engine: "native", perMessageDeflate: {} }),
        TypeError,
      );
    }
    assert.throws(() => createNativeServer({ perMessageDeflate: true }), TypeError);
    assert.throws(() => createNativeServer({ perMessageDeflate: { level: 3 } }), TypeError);
    await createNativeServer({ perMessageDeflate: false }).close();
  });

  it("bad settings are refused on every engine", async () => {
    await assert.rejects(
      serve({ port: 0, engine: "codec", perMessageDeflate: { level: 10 } }),
      RangeError,
    );
    await assert.rejects(
      serve({ port: 0, engine: "codec", perMessageDeflate: { serverMaxWindowBits: 8 } }),
      RangeError,
    );
    await assert.rejects(
      serve({ port: 0, engine: "codec", perMessageDeflate: "yes" as never }),
      TypeError,
    );
  });

  it(
    "by default the native engine serves a client offering deflate without it",
    { skip: inDeno ? false : "Deno only" },
    async () => {
      const server = await serve({
        engine: "native",
        port: 0,
        hostname: "127.0.0.1",
        onMessage: (conn, message) => conn.send(message.data),
      });
      cleanups.push(() => server.close());
      assert.equal(server.engine, "native");
      const ws = await openWs(server.url, undefined, { perMessageDeflate: true });
      assert.equal(ws.extensions, "");
      const closed = wsClosed(ws);
      ws.close();
      await closed;
    },
  );
});

function PYTHON_CLIENT(): string {
  return fileURLToPath(new URL("../client/testdata/python_deflate_client.py", import.meta.url));
}
