// Options whose defaults a client relies on: attach()'s answer on other paths, the refusal of
// clients that offered only unknown subprotocols, a dialable server.url, and a heartbeat
// heartbeat.interval below 10 s without a heartbeat.timeout. Each over a real socket with a real peer (ws).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { attach, serve, type ServerEngine } from "./mod.ts";
import { ServerCore } from "./core.ts";
import { dialableUrl } from "./_binding.ts";
import {
  expectEcho,
  inDeno,
  messages,
  openWs,
  RawClient,
  refused,
  until,
  WebSocket,
  within,
  wsClosed,
} from "./_helpers_test.ts";

const ENGINES: readonly ServerEngine[] = ["codec", "native"];
const skipFor = (engine: ServerEngine): string | false =>
  engine === "native" && !inDeno ? "the native engine needs Deno" : false;

async function httpServer(): Promise<{ http: Server; port: number; stop: () => Promise<void> }> {
  const http = createServer((_request, response) => response.end("plain"));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
  return { http, port, stop };
}

describe("attach() with a path", () => {
  it("answers 404 to an upgrade on another path when nobody else listens", async () => {
    const { http, port, stop } = await httpServer();
    const wss = attach(http, { path: "/ws" });
    try {
      // Without the answer, ws would wait for its own handshake timeout (here 3 s) and fail.
      const answer = await refused(`ws://127.0.0.1:${port}/other`, undefined, {
        handshakeTimeout: 3_000,
      });
      assert.equal(answer.status, 404);
      const ws = await openWs(`ws://127.0.0.1:${port}/ws`);
      ws.close();
      await wsClosed(ws);
    } finally {
      await within(wss.close(), 5_000, "wss close");
      await stop();
    }
  });

  it("leaves other paths to the app's own upgrade listener", async () => {
    const { http, port, stop } = await httpServer();
    const wss = attach(http, { path: "/ws" });
    const theirs = attach(http, { path: "/theirs", onMessage: (c, m) => c.send(m.data) });
    let seen = 0;
    http.on("upgrade", (request, socket) => {
      if (!request.url?.startsWith("/mine")) return;
      seen++;
      socket.end("HTTP/1.1 418 I'm a teapot\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    try {
      assert.equal((await refused(`ws://127.0.0.1:${port}/mine`)).status, 418);
      assert.equal(seen, 1);
      await expectEcho(await openWs(`ws://127.0.0.1:${port}/theirs`));
    } finally {
      await within(wss.close(), 5_000, "wss close");
      await within(theirs.close(), 5_000, "theirs close");
      await stop();
    }
  });
});

for (const engine of ENGINES) {
  describe(`serve() options (engine ${engine})`, { skip: skipFor(engine) }, () => {
    it("refuses with 400 a client that offered only unknown subprotocols, when asked", async () => {
      const server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        handshake: { protocols: ["chat.v2"], refuseUnknownProtocols: true },
      });
      try {
        assert.equal((await refused(server.url, ["mqtt", "chat.v9"])).status, 400);
        const chat = await openWs(server.url, ["mqtt", "chat.v2"]);
        assert.equal(chat.protocol, "chat.v2");
        chat.close();
        const none = await openWs(server.url); // offered none: accepted without one
        assert.equal(none.protocol, "");
        none.close();
        await Promise.all([wsClosed(chat), wsClosed(none)]);
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });

    it("by default accepts such a client without a subprotocol (ws then fails it)", async () => {
      const server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        handshake: { protocols: ["a"] },
      });
      try {
        const ws = new WebSocket(server.url, ["b"]);
        const error = await within(
          new Promise<Error>((resolve) => ws.once("error", resolve)),
          5_000,
          "ws error",
        );
        assert.match(error.message, /Server sent no subprotocol/);
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });

    it("reports a url a client can dial when bound to every interface (the default)", async () => {
      const server = await serve({ engine, port: 0, onMessage: (c, m) => c.send(m.data) });
      try {
        assert.equal(server.addr.hostname, "0.0.0.0");
        assert.equal(server.url, `ws://127.0.0.1:${server.addr.port}/`);
        const ws = await openWs(server.url);
        ws.send("dialled");
        assert.equal(new TextDecoder().decode((await messages(ws).next()).data), "dialled");
        ws.close();
        await wsClosed(ws);
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });
  });
}

describe("dialableUrl", () => {
  it("names loopback for a wildcard address of either family, and brackets IPv6", () => {
    assert.equal(dialableUrl(false, "0.0.0.0", 80), "ws://127.0.0.1:80/");
    assert.equal(dialableUrl(true, "::", 443), "wss://[::1]:443/");
    assert.equal(dialableUrl(false, "0:0:0:0:0:0:0:0", 1), "ws://[::1]:1/");
    assert.equal(dialableUrl(false, "fe80::1", 2), "ws://[fe80::1]:2/");
    assert.equal(dialableUrl(false, "192.0.2.7", 3), "ws://192.0.2.7:3/");
  });
});

describe("heartbeat.interval below 10 s without heartbeat.timeout", () => {
  it("is accepted; the timeout is half the interval, at most 10 s", () => {
    assert.equal(new ServerCore({ heartbeat: { interval: 1_000 } }).heartbeat.timeout, 500);
    assert.equal(new ServerCore({ heartbeat: { interval: 1 } }).heartbeat.timeout, 1);
    assert.equal(new ServerCore({ heartbeat: { interval: 60_000 } }).heartbeat.timeout, 10_000);
    assert.equal(new ServerCore({}).heartbeat.timeout, 10_000);
    assert.throws(() => new ServerCore({ heartbeat: { interval: 1_000, timeout: 1_000 } }), {
      name: "RangeError",
    });
  });

  it("drops a peer that stops answering pings within interval + interval / 2", async () => {
    const closes: number[] = [];
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      heartbeat: { interval: 100 },
      onClose: (_c, info) => void closes.push(info.code),
    });
    try {
      // A raw peer never answers pings: dropped after one silent interval, a ping, the timeout.
      const client = await RawClient.open(server.addr.port);
      await client.waitFor(() => client.frames.some((f) => f.opcode === 0x9), "a ping", 2_000);
      await until(() => closes.length === 1, 2_000, "the drop");
      assert.equal(closes[0], 1006);
      client.destroy();
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });
});
