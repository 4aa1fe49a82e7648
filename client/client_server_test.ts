// The client against wirely's own server (server/mod.ts): engine "codec" everywhere, engine
// "native" in Deno. The client uses `ws`'s WebSocket so the file also runs in Node 20.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve, type ServedWebSocketServer, type ServerEngine } from "../server/mod.ts";
import type { ServerConnection } from "../server/mod.ts";
import type { Message } from "../codec/message.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
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
import { FAST_RETRY, track } from "./_servers_test.ts";
import { heartbeat } from "./heartbeat.ts";
import { onJson, sendJson } from "./json.ts";
import { opened } from "./lifecycle.ts";

const inDeno = typeof (globalThis as { Deno?: { upgradeWebSocket?: unknown } }).Deno
  ?.upgradeWebSocket === "function";
const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

/** What a test server does when a connection opens; echo for every message. */
type OnOpen = (conn: ServerConnection) => void;

interface Running {
  server: ServedWebSocketServer;
  port: number;
  url: string;
}

const ENGINES: { engine: ServerEngine; skip: string | false }[] = [
  { engine: "codec", skip: false },
  { engine: "native", skip: inDeno ? false : "the native engine needs Deno (Deno.serve)" },
];

for (const { engine, skip } of ENGINES) {
  describe(`WirelyClient against wirely's server (engine ${engine})`, { skip }, () => {
    const servers = new Set<ServedWebSocketServer>();
    const tracked = track({ WebSocket: WsWebSocket, ...FAST_RETRY });
    const client = tracked.client;
    /** Text messages the servers received, over every connection and restart, in order. */
    let received: string[] = [];

    async function start(onOpen: OnOpen = () => {}, port = 0): Promise<Running> {
      const server = await serve({
        port,
        hostname: "127.0.0.1",
        engine,
        limits: { closeTimeout: 500 },
        onOpen,
        onMessage: (conn, message) => {
          if (message.type === "text") received.push(message.data);
          conn.send(message.data);
        },
        onError: () => {},
      });
      servers.add(server);
      return { server, port: server.addr.port, url: `ws://127.0.0.1:${server.addr.port}/` };
    }

    async function stop(server: ServedWebSocketServer): Promise<void> {
      servers.delete(server);
      await within(server.close(), 3_000, "the server to close");
    }

    after(async () => {
      await tracked.cleanup();
      for (const server of [...servers]) await stop(server).catch(() => {});
    });

    it("echoes text, JSON and binary", async () => {
      const { url } = await start();
      const c = client(url);
      await within(opened(c), 2_000, "open");
      const json: unknown[] = [];
      onJson(c, (value) => json.push(value), () => {}); // the plain "hello" echo is not JSON
      const replies = take(c, 3);
      c.send("hello");
      sendJson(c, { a: [1, "b"] });
      c.send(new Uint8Array([0, 1, 255]));
      assert.deepEqual(await replies, [
        { type: "text", data: "hello" },
        { type: "text", data: '{"a":[1,"b"]}' },
        { type: "binary", data: new Uint8Array([0, 1, 255]) },
      ]);
      assert.deepEqual(json, [{ a: [1, "b"] }]);
      c.close();
      await reachState(c, "closed");
    });

    it("the server answers the app heartbeat; the pong is consumed, the connection stays", async () => {
      received = [];
      const { url } = await start();
      const c = client(url, { heartbeat: heartbeat({ interval: 20, timeout: 80 }) });
      const log = recordEvents(c);
      const messages: Message[] = [];
      c.on("message", (message) => messages.push(message));
      await within(opened(c), 2_000, "open");
      await sleep(250); // several pings, each answered well within the timeout
      assert.equal(c.state, "open");
      assert.deepEqual(messages, []);
      assert.deepEqual(received, []); // the server consumed the pings too
      assert.ok(!log.some((entry) => entry.startsWith("error")), log.join(" "));
      c.close();
      await reachState(c, "closed");
    });

    it("stops when the server closes with 1000", async () => {
      const { url } = await start((conn) => conn.close(1000, "bye"));
      const c = client(url);
      const closed = nextEvent(c, "close");
      const event = await closed;
      assert.equal(event.code, 1000);
      assert.equal(event.reason, "bye");
      assert.equal(event.willReconnect, false);
      await reachState(c, "closed");
    });

    it("retries and reconnects when the server closes with 1012", async () => {
      let count = 0;
      const { url } = await start((conn) => {
        if (count++ === 0) conn.close(1012, "restart");
      });
      const c = client(url);
      const log = recordEvents(c);
      await within(nextEvent(c, "open", (info) => info.reconnected, 3_000), 3_000, "reopen");
      assert.equal(c.state, "open");
      assert.ok(log.includes("close:1012:opened:retry"), log.join(" "));
      c.close();
      await reachState(c, "closed");
    });

    it("a server stopped mid-stream and restarted on the same port gets every send once, in order", async () => {
      received = [];
      const first = await start();
      const c = client(first.url);
      await within(opened(c), 2_000, "open");
      for (let i = 0; i < 5; i++) c.send(`m${i}`);
      await until(() => received.length === 5, 2_000, "the first batch");
      await stop(first.server);
      await reachState(c, "reconnecting");
      for (let i = 5; i < 10; i++) c.send(`m${i}`); // queued while the server is down
      assert.equal(c.queuedMessages, 5);
      c.on("open", () => c.send("m10")); // newer than the queue: goes after it
      await start(() => {}, first.port);
      await within(nextEvent(c, "open", () => true, 3_000), 3_000, "reconnect");
      await until(() => received.length >= 11, 2_000, "every message");
      await sleep(20);
      assert.deepEqual(received, Array.from({ length: 11 }, (_, i) => `m${i}`));
      assert.equal(c.queuedMessages, 0);
      c.close();
      await reachState(c, "closed");
    });

    it("close() during connecting stops at once and never opens", async () => {
      const { url } = await start();
      const c = client(url, { autoConnect: false });
      const log = recordEvents(c);
      c.connect();
      assert.equal(c.state, "connecting");
      c.send("never");
      const unsent = c.close();
      assert.deepEqual(unsent.map((entry) => entry.data), ["never"]);
      assert.equal(c.state, "closed");
      await assert.rejects(opened(c));
      await sleep(50);
      assert.ok(!log.some((entry) => entry.startsWith("open")), log.join(" "));
    });

    it("echoes with the runtime's global WebSocket", {
      skip: globalWebSocket === undefined ? "no global WebSocket here" : false,
    }, async () => {
      const { url } = await start();
      const c = client(url, { WebSocket: globalWebSocket });
      await within(opened(c), 2_000, "open");
      const replies = take(c, 2);
      c.send("over the global WebSocket");
      c.send(new Uint8Array([9, 8]));
      assert.deepEqual(await replies, [
        { type: "text", data: "over the global WebSocket" },
        { type: "binary", data: new Uint8Array([9, 8]) },
      ]);
      c.close();
      await reachState(c, "closed");
    });
  });
}
