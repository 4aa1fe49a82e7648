// The Deno native engine's own surface: upgrade() and createNativeServer() inside a user's
// Deno.serve handler, Deno's WebSocket client, and the native socket's limits.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createNativeServer, serve, type ServerConnection, upgrade } from "./mod.ts";
import { InvalidStateError } from "../codec/errors.ts";
import { inDeno, messages, openWs, refused, until, within, wsClosed } from "./_helpers_test.ts";

const SKIP = inDeno ? false : "the native engine needs Deno (Deno.serve, Deno.upgradeWebSocket)";

/** The part of `Deno.serve` the tests use. */
interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen: () => void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
const denoApi = (): DenoServe => (globalThis as unknown as { Deno: DenoServe }).Deno;

/** A native `WebSocket` client (Deno's global). */
interface NativeClient {
  readonly readyState: number;
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}
type NativeClientConstructor = new (url: string) => NativeClient;

describe("upgrade() in a user's Deno.serve handler", { skip: SKIP }, () => {
  it("upgrades one route, leaves the others to the handler, and shares one server", async () => {
    const options = {
      onMessage: (conn: ServerConnection, message: { data: string | Uint8Array }) =>
        conn.send(message.data),
    };
    const http = denoApi().serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      (request, info) => {
        if (new URL(request.url).pathname === "/ws") {
          return upgrade(request, options, info as { remoteAddr?: { hostname?: string } });
        }
        return new Response("hello");
      },
    );
    try {
      const base = `ws://127.0.0.1:${http.addr.port}`;
      const page = await fetch(`http://127.0.0.1:${http.addr.port}/`);
      assert.equal(await page.text(), "hello");
      const a = await openWs(`${base}/ws`);
      const b = await openWs(`${base}/ws`);
      a.send("from a");
      b.send("from b");
      assert.equal(new TextDecoder().decode((await messages(a).next()).data), "from a");
      assert.equal(new TextDecoder().decode((await messages(b).next()).data), "from b");
      assert.equal((await refused(`${base}/ws`, undefined, { protocolVersion: 8 })).status, 426);
      a.close();
      b.close();
      await Promise.all([wsClosed(a), wsClosed(b)]);
    } finally {
      await http.shutdown();
    }
  });

  it("createNativeServer() gives clients, broadcast and a graceful close", async () => {
    const wss = createNativeServer({ onOpen: (conn) => conn.join("room") });
    const http = denoApi().serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      (request, info) => wss.upgrade(request, info as { remoteAddr?: { hostname?: string } }),
    );
    try {
      const url = `ws://127.0.0.1:${http.addr.port}/`;
      const a = await openWs(url);
      const b = await openWs(url);
      await until(() => wss.clients.size === 2, 2_000, "two clients");
      for (const conn of wss.clients) assert.equal(conn.remoteAddress, "127.0.0.1");
      assert.equal(wss.broadcast("news", { room: "room" }), 2);
      assert.equal(new TextDecoder().decode((await messages(a).next()).data), "news");
      assert.equal(new TextDecoder().decode((await messages(b).next()).data), "news");
      const closed = Promise.all([wsClosed(a), wsClosed(b)]);
      await within(wss.close(), 5_000, "close");
      assert.deepEqual((await closed).map((info) => info.code), [1001, 1001]);
      assert.equal(wss.clients.size, 0);
    } finally {
      await http.shutdown();
    }
  });
});

describe("serve() native engine details", { skip: SKIP }, () => {
  it("echoes with Deno's WebSocket client and passes the server's close code", async () => {
    const server = await serve({
      engine: "native",
      port: 0,
      hostname: "127.0.0.1",
      onMessage: (conn, message) => {
        if (message.data === "bye") conn.close(4000, "done");
        else conn.send(message.data);
      },
    });
    try {
      assert.equal(server.engine, "native");
      const Native = (globalThis as unknown as { WebSocket: NativeClientConstructor }).WebSocket;
      const ws = new Native(server.url);
      ws.binaryType = "arraybuffer";
      const got: unknown[] = [];
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
      });
      ws.onmessage = (event) => got.push(event.data);
      await within(new Promise<void>((resolve) => ws.onopen = resolve), 2_000, "open");
      ws.send("hi");
      ws.send(new Uint8Array([1, 2, 3]));
      await until(() => got.length === 2, 2_000, "two echoes");
      assert.equal(got[0], "hi");
      assert.deepEqual(new Uint8Array(got[1] as ArrayBuffer), new Uint8Array([1, 2, 3]));
      ws.send("bye");
      assert.deepEqual(await within(closed, 2_000, "close"), { code: 4000, reason: "done" });
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });

  it("closes with 1009 on a text message over maxMessageSize; ping() is a no-op", async () => {
    let opened: ServerConnection | undefined;
    const server = await serve({
      engine: "native",
      port: 0,
      hostname: "127.0.0.1",
      limits: { maxMessageSize: 1_000 },
      onOpen: (conn) => {
        opened = conn;
      },
      onMessage: (conn, message) => conn.send(message.data),
    });
    try {
      const ws = await openWs(server.url);
      await until(() => opened !== undefined, 2_000, "onOpen");
      assert.equal(opened!.canPing, false);
      opened!.ping();
      ws.send("x".repeat(1_000));
      assert.equal((await messages(ws).next()).data.length, 1_000);
      ws.send("é".repeat(600)); // 600 UTF-16 units, 1200 bytes
      assert.equal((await wsClosed(ws)).code, 1009);
      const again = await openWs(server.url);
      again.send("y".repeat(1_001));
      assert.equal((await wsClosed(again)).code, 1009);
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });

  it("answers 431 over maxHeadSize and 503 when authenticate outlasts handshake.timeout", async () => {
    const server = await serve({
      engine: "native",
      port: 0,
      hostname: "127.0.0.1",
      handshake: { maxHeadSize: 1_000, timeout: 100 },
      authenticate: async (request) => {
        if (request.url.pathname === "/slow") await new Promise((r) => setTimeout(r, 300));
        return true;
      },
    });
    try {
      // The request line and the fields the handshake reads count (every field: keepHeaders).
      assert.equal((await refused(`${server.url}${"a".repeat(1_000)}`)).status, 431);
      assert.equal((await refused(server.url, ["p".repeat(1_000)])).status, 431);
      assert.equal((await refused(`${server.url}slow`)).status, 503);
      const ws = await openWs(server.url);
      ws.close();
      await wsClosed(ws);
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });

  it("maxHeadSize counts every field with handshake.keepHeaders, only the fields read without", async () => {
    const big = { headers: { "x-big": "a".repeat(1_000) } };
    for (const keepHeaders of [true, false]) {
      const server = await serve({
        engine: "native",
        port: 0,
        hostname: "127.0.0.1",
        handshake: { maxHeadSize: 1_000, keepHeaders },
      });
      try {
        if (keepHeaders) assert.equal((await refused(server.url, undefined, big)).status, 431);
        else {
          const ws = await openWs(server.url, undefined, big);
          ws.close();
          await wsClosed(ws);
        }
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    }
  });

  it("conn.headers once open: every field with handshake.keepHeaders, InvalidStateError without", async () => {
    for (const keepHeaders of [true, false]) {
      const seen: unknown[] = [];
      const server = await serve<string | null>({
        engine: "native",
        port: 0,
        hostname: "127.0.0.1",
        handshake: { keepHeaders },
        // Before the upgrade the request's headers have every field, whatever keepHeaders says.
        authenticate: (request) => ({ data: request.headers.get("x-test") }),
        onOpen: (conn) => {
          try {
            seen.push(conn.data, conn.headers.get("x-test"), conn.headers.get("upgrade"));
          } catch (error) {
            seen.push(conn.data, error);
          }
          conn.close(1000, "seen");
        },
      });
      try {
        const ws = await openWs(server.url, undefined, { headers: { "x-test": "yes" } });
        assert.equal((await wsClosed(ws)).reason, "seen");
        if (keepHeaders) assert.deepEqual(seen, ["yes", "yes", "websocket"]);
        else {
          assert.equal(seen[0], "yes");
          assert.ok(seen[1] instanceof InvalidStateError);
          assert.equal(seen[1].code, "INVALID_STATE");
          assert.match(seen[1].message, /keepHeaders/);
        }
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    }
  });
});
