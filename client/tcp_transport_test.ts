import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeSelfSigned, skipWithoutOpenssl } from "../testing/tls.ts";
import type { Socket } from "node:net";
import type { IncomingMessage } from "node:http";
import { HandshakeError, ProtocolError } from "../codec/errors.ts";
import { type CloseInfo, serve } from "../server/mod.ts";
import { createClosePolicy } from "./close_policy.ts";
import { ClientError } from "./errors.ts";
import { nativeTransport } from "./native_transport.ts";
import { tcpTransport, type TcpTransportOptions } from "./tcp_transport.node.ts";
import type { Transport, TransportEvent } from "./transport.ts";
import {
  nextEvent,
  reachState,
  recordEvents,
  sleep,
  take,
  until,
  within,
  WsWebSocket,
} from "./_helpers_test.ts";
import {
  FAST_RETRY,
  startRawServer,
  startServer,
  startSilentServer,
  track,
} from "./_servers_test.ts";
import { onJson, sendJson } from "./json.ts";
import { opened } from "./lifecycle.ts";
import { ping } from "./liveness.ts";

const tracked = track({ transport: tcpTransport(), ...FAST_RETRY });
const client = tracked.client;

/** One transport attempt with its events recorded. */
function attempt(url: string, options: TcpTransportOptions = {}, protocols: string[] = []): {
  transport: Transport;
  events: TransportEvent[];
  wait: <T extends TransportEvent["type"]>(
    type: T,
    ms?: number,
  ) => Promise<Extract<TransportEvent, { type: T }>>;
} {
  const events: TransportEvent[] = [];
  const waiters: (() => void)[] = [];
  const transport = tcpTransport(options).connect(url, protocols, (event) => {
    events.push(event);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const wait = <T extends TransportEvent["type"]>(type: T, ms = 2_000) =>
    within(
      new Promise<Extract<TransportEvent, { type: T }>>((resolve) => {
        const check = (): void => {
          const found = events.find((event) => event.type === type);
          if (found !== undefined) resolve(found as Extract<TransportEvent, { type: T }>);
          else waiters.push(check);
        };
        check();
      }),
      ms,
      `a '${type}' event`,
    );
  return { transport, events, wait };
}

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

describe("tcpTransport against ws's server", () => {
  after(() => tracked.cleanup());

  it("echoes text and binary from 0 B to 1 MiB, and JSON, through WirelyClient", async () => {
    const server = await tracked.server();
    const c = client(server.url);
    await within(opened(c), 2_000, "open");
    for (const size of [0, 1, 125, 126, 65_535, 65_536, 1_048_576]) {
      const replies = take(c, 2, 3_000);
      const bytes = pattern(size);
      c.send(bytes);
      c.send("é".repeat(size >> 2));
      const [binary, text] = await replies;
      assert.deepEqual(binary, { type: "binary", data: bytes }, `binary of ${size} bytes`);
      assert.deepEqual(text, { type: "text", data: "é".repeat(size >> 2) });
    }
    const json: unknown[] = [];
    onJson(c, (value) => json.push(value), () => {}); // the plain "hello" echo is not JSON
    const reply = take(c, 2, 3_000);
    sendJson(c, { a: [1, "b"] });
    c.send(new Blob([new Uint8Array([7, 8])]));
    assert.deepEqual(await reply, [
      { type: "text", data: '{"a":[1,"b"]}' },
      { type: "binary", data: new Uint8Array([7, 8]) },
    ]);
    assert.deepEqual(json, [{ a: [1, "b"] }]);
    c.close();
  });

  it("sends custom request headers and negotiates a subprotocol", async () => {
    const server = await tracked.server(undefined, 0, { protocols: ["chat.v2"] });
    const seen: IncomingMessage[] = [];
    server.wss.on("connection", (_socket, request) => seen.push(request));
    const { transport, wait } = attempt(
      `${server.url}/live?room=1`,
      { headers: { authorization: "Bearer t0k3n", "x-trace": "abc" } },
      ["chat.v1", "chat.v2"],
    );
    const open = await wait("open");
    assert.equal(open.protocol, "chat.v2");
    await until(() => seen.length === 1, 2_000, "the connection");
    assert.equal(seen[0]?.headers.authorization, "Bearer t0k3n");
    assert.equal(seen[0]?.headers["x-trace"], "abc");
    assert.equal(seen[0]?.url, "/live?room=1");
    transport.close(1000);
    const closed = await wait("close");
    assert.deepEqual(closed, { type: "close", code: 1000, reason: "", wasClean: true });
  });

  it("sends real ping frames that ws answers with a pong", async () => {
    const pings: Uint8Array[] = [];
    const server = await tracked.server((socket) => {
      socket.on("ping", (data) => pings.push(new Uint8Array(data)));
    });
    const { transport, wait } = attempt(server.url);
    await wait("open");
    transport.ping?.(new Uint8Array([1, 2, 3]));
    const pong = await wait("pong");
    assert.deepEqual(pong.data, new Uint8Array([1, 2, 3]));
    assert.deepEqual(pings, [new Uint8Array([1, 2, 3])]);
    assert.throws(() => transport.ping?.(new Uint8Array(126)), RangeError);
    transport.abort();
  });

  it("ping(client) sends a ping frame and reports the pong event", async () => {
    const server = await tracked.server();
    const c = client(server.url);
    assert.equal(ping(c), false); // not open yet
    await within(opened(c), 2_000, "open");
    const pong = nextEvent(c, "pong");
    assert.equal(ping(c, new Uint8Array([9])), true);
    assert.deepEqual(await pong, new Uint8Array([9]));
    c.close();
    assert.equal(ping(c), false);
    const native = client(server.url, { transport: nativeTransport({ WebSocket: WsWebSocket }) });
    await within(opened(native), 2_000, "native open");
    assert.equal(ping(native), false); // the WebSocket API has no ping
    native.close();
  });

  it("retries after 1012 and stops after 4500, as the close policy says", async () => {
    const server = await tracked.server((socket, path) => {
      socket.close(Number(path.slice(1)), "bye");
    });
    for (const [code, retries] of [[1012, true], [4500, false]] as const) {
      const count = (): number => server.connections.filter((p) => p === `/${code}`).length;
      const c = client(`${server.url}/${code}`, {
        closePolicy: createClosePolicy({ tryAgainLaterDelay: 5 }),
      });
      const closed = await nextEvent(c, "close");
      assert.equal(closed.code, code);
      assert.equal(closed.reason, "bye");
      assert.equal(closed.wasClean, true);
      assert.equal(closed.willReconnect, retries);
      if (retries) {
        await until(() => count() >= 2, 2_000, `a retry after ${code}`);
        c.close();
      } else {
        await sleep(30);
        assert.equal(count(), 1);
      }
    }
  });

  it("kill and restart on the same port: queued sends arrive exactly once and in order", async () => {
    const first = await startServer();
    const port = first.port;
    const c = client(first.url, { backoff: { baseDelay: 10, maxDelay: 40 } });
    const log = recordEvents(c);
    await within(opened(c), 2_000, "open");
    const echoed = take(c, 5, 3_000);
    for (let i = 0; i < 5; i++) c.send(`live${i}`);
    await echoed;
    await first.kill();
    await reachState(c, "reconnecting");
    for (let i = 0; i < 20; i++) c.send(`queued${i}`);
    await until(() => log.filter((e) => e.startsWith("reconnecting:")).length >= 2, 2_000);
    const second = await tracked.server(undefined, port);
    await until(() => second.received.length >= 20, 3_000, "the queued messages");
    c.send("after");
    await until(() => second.received.length >= 21, 2_000, "the newer message");
    await sleep(50); // room for a duplicate to show up
    assert.deepEqual(first.received, ["live0", "live1", "live2", "live3", "live4"]);
    assert.deepEqual(second.received, [
      ...Array.from({ length: 20 }, (_, i) => `queued${i}`),
      "after",
    ]);
    c.close();
  });

  it("reports a 401 refusal as a HandshakeError with its status, then closes with 1006", async () => {
    const server = await tracked.server(undefined, 0, { refuseWith: 401 });
    const { events, wait } = attempt(`${server.url}/`);
    await wait("close");
    const [error, close] = events;
    assert.equal(events.length, 2);
    assert.ok(error?.type === "error" && error.error instanceof HandshakeError);
    assert.equal(error.error.code, "BAD_STATUS");
    assert.equal(error.error.status, 401);
    assert.deepEqual(close, {
      type: "close",
      code: 1006,
      reason: "Unauthorized",
      wasClean: false,
      status: 401,
    });
  });

  it("refuses handshake headers and non-ws URLs before any I/O", () => {
    assert.throws(() => tcpTransport({ headers: { "sec-websocket-key": "x" } }), TypeError);
    assert.throws(() => tcpTransport({ closeTimeout: 0 }), RangeError);
    assert.throws(() => tcpTransport().connect("http://x/", [], () => {}), SyntaxError);
  });
});

describe("tcpTransport against raw peers", () => {
  it("closes with 1002 and a ProtocolError when the server sends a masked frame", async () => {
    let peer: (() => Uint8Array) | undefined;
    const raw = await startRawServer((socket, received) => {
      peer = received;
      socket.write(new Uint8Array([0x81, 0x81, 1, 2, 3, 4, 0x61 ^ 1]));
    });
    try {
      const { events, wait } = attempt(raw.url);
      const closed = await wait("close");
      assert.equal(closed.code, 1002);
      assert.equal(closed.wasClean, false);
      const error = events.find((event) => event.type === "error");
      assert.ok(error?.type === "error" && error.error instanceof ProtocolError);
      assert.equal(error.error.code, "MASKED_FRAME");
      await until(() => (peer?.().length ?? 0) >= 8, 2_000, "the close frame");
      const frame = peer!();
      assert.equal(frame[0], 0x88);
      const code = ((frame[6]! ^ frame[2]!) << 8) | (frame[7]! ^ frame[3]!);
      assert.equal(code, 1002);
    } finally {
      await raw.stop();
    }
  });

  it("delivers frames that came with the 101 response even when the server ends TCP at once", async () => {
    const raw = await startRawServer((socket) => {
      socket.end(new Uint8Array([0x81, 0x02, 0x68, 0x69, 0x88, 0x02, 0x03, 0xe8]));
    });
    try {
      const { events, wait } = attempt(raw.url);
      await wait("close");
      assert.deepEqual(events.map((event) => event.type), ["open", "message", "close"]);
      assert.deepEqual(events[1], { type: "message", data: "hi" });
      assert.deepEqual(events[2], { type: "close", code: 1000, reason: "", wasClean: true });
    } finally {
      await raw.stop();
    }
  });

  it("fails with CONNECT_TIMEOUT against a server that accepts TCP but never answers", async () => {
    const silent = await startSilentServer();
    try {
      const c = client(silent.url, { connectTimeout: 100, backoff: { maxRetries: 0 } });
      const log = recordEvents(c);
      await reachState(c, "closed");
      assert.ok(log.includes("error:CONNECT_TIMEOUT"), log.join(" "));
      assert.equal(silent.accepted(), 1);
      const late = client(silent.url);
      await until(() => silent.accepted() === 2, 2_000, "the second connection");
      late.close();
      assert.equal(late.state, "closed");
    } finally {
      await silent.stop();
    }
  });

  it("gives up the closing handshake after closeTimeout when the server never answers", async () => {
    const raw = await startRawServer(() => {});
    try {
      const { transport, wait } = attempt(raw.url, { closeTimeout: 100 });
      await wait("open");
      const started = Date.now();
      transport.close(1000, "bye");
      const closed = await wait("close");
      assert.deepEqual(closed, { type: "close", code: 1006, reason: "", wasClean: false });
      assert.ok(Date.now() - started >= 90);
    } finally {
      await raw.stop();
    }
  });

  it("counts bytes not yet flushed to the socket in bufferedAmount", async () => {
    let server: Socket | undefined;
    const raw = await startRawServer((socket) => {
      server = socket;
      socket.pause();
    });
    try {
      const { transport, wait } = attempt(raw.url, { closeTimeout: 100 });
      await wait("open");
      assert.equal(transport.bufferedAmount, 0);
      const size = 16 * 1_048_576;
      transport.send(new Uint8Array(size));
      const waiting = transport.bufferedAmount;
      assert.ok(waiting > 0 && waiting <= size + 14, `bufferedAmount ${waiting}`);
      server?.resume();
      await until(() => transport.bufferedAmount === 0, 3_000, "the socket to drain");
      transport.abort();
    } finally {
      await raw.stop();
    }
  });
});

describe("tcpTransport against wirely's server", () => {
  it("echoes messages and completes the closing handshake both ways", async () => {
    const closes: CloseInfo[] = [];
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      onMessage: (conn, message) => conn.send(message.data),
      onClose: (_conn, info) => {
        closes.push(info);
      },
    });
    try {
      const c = client(server.url);
      await within(opened(c), 2_000, "open");
      const replies = take(c, 2, 3_000);
      c.send("hello");
      c.send(pattern(70_000));
      assert.deepEqual(await replies, [
        { type: "text", data: "hello" },
        { type: "binary", data: pattern(70_000) },
      ]);
      const closed = nextEvent(c, "close");
      c.close(4000, "done");
      const event = await closed;
      assert.equal(event.code, 4000);
      assert.equal(event.wasClean, true);
      await until(() => closes.length === 1, 2_000, "the server's close");
      assert.equal(closes[0]?.code, 4000);
      assert.equal(closes[0]?.reason, "done");
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });
});

describe("tcpTransport over TLS", () => {
  it("connects to wss:// with a self-signed certificate passed as ca, and refuses it without", {
    skip: skipWithoutOpenssl(),
  }, async () => {
    const { cert, key } = makeSelfSigned();
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      cert,
      key,
      onMessage: (conn, message) => conn.send(message.data),
    });
    try {
      const url = `wss://localhost:${server.addr.port}/`;
      const trusted = attempt(url, { ca: cert });
      await trusted.wait("open");
      trusted.transport.send("secret");
      const message = await trusted.wait("message");
      assert.equal(message.data, "secret");
      trusted.transport.close(1000);
      assert.equal((await trusted.wait("close")).wasClean, true);

      const untrusted = attempt(url);
      const closed = await untrusted.wait("close");
      assert.equal(closed.code, 1006);
      const error = untrusted.events.find((event) => event.type === "error");
      assert.ok(error?.type === "error" && error.error instanceof ClientError);
      assert.equal(error.error.code, "TRANSPORT_ERROR");
    } finally {
      await within(server.close(), 5_000, "tls server close");
    }
  });
});
