import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeSelfSigned, skipWithoutOpenssl } from "../testing/tls.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { attach, type CloseInfo, serve, type ServedWebSocketServer } from "./mod.ts";
import {
  messages,
  openWs,
  RawClient,
  refused,
  until,
  upgradeRequest,
  within,
  wsClosed,
} from "./_helpers_test.ts";

/** Sends `request` on a raw socket and returns the response head once the server closes. */
async function rawAnswer(port: number, request: string): Promise<string> {
  const client = await RawClient.connect(port);
  client.write(request);
  await client.waitClosed();
  return client.head;
}

describe("handshake policy", () => {
  let server: ServedWebSocketServer;
  const errors: unknown[] = [];

  before(async () => {
    server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      path: "/ws",
      handshake: {
        timeout: 300,
        maxHeadSize: 2_048,
        origins: ["https://good.example"],
        protocols: (offered, request) =>
          offered.find((name) => name === request.url.searchParams.get("want")),
      },
      authenticate: async (request) => {
        const token = request.url.searchParams.get("token");
        if (token === "slow") await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (token === "throw") throw new Error("auth backend down");
        if (token === "no") return false;
        if (token === "missing") {
          return { status: 401, body: "log in first", headers: { "www-authenticate": "Bearer" } };
        }
        return true;
      },
      onMessage: (conn, message) => conn.send(message.data),
      onError: (error) => errors.push(error),
    });
  });

  after(async () => {
    await within(server.close(), 5_000, "server close");
  });

  it("accepts a listed origin and a client without an Origin header", async () => {
    const withOrigin = await openWs(`${server.url}ws`, undefined, {
      origin: "https://good.example",
    });
    const without = await openWs(`${server.url}ws`);
    for (const ws of [withOrigin, without]) {
      ws.close();
      await wsClosed(ws);
    }
  });

  it("refuses an origin that is not listed with 403", async () => {
    const answer = await refused(`${server.url}ws`, undefined, { origin: "https://evil.example" });
    assert.equal(answer.status, 403);
  });

  it("answers the authenticate hook's refusal with its status, headers and body", async () => {
    assert.deepEqual(await refused(`${server.url}ws?token=missing`), {
      status: 401,
      body: "log in first",
    });
    assert.equal((await refused(`${server.url}ws?token=no`)).status, 403);
    const head = await rawAnswer(server.addr.port, upgradeRequest("/ws?token=missing"));
    assert.match(head, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.match(head, /\r\nwww-authenticate: Bearer\r\n/i);
  });

  it("answers 500 when authenticate throws, and reports the error", async () => {
    errors.length = 0;
    assert.equal((await refused(`${server.url}ws?token=throw`)).status, 500);
    assert.equal((errors[0] as Error).message, "auth backend down");
  });

  it("drops a handshake whose authentication outlasts the handshake timeout", async () => {
    const client = await RawClient.connect(server.addr.port);
    client.write(upgradeRequest("/ws?token=slow"));
    await client.waitClosed(1_000);
    assert.equal(client.head, "");
  });

  it("chooses the subprotocol with the policy function", async () => {
    const ws = await openWs(`${server.url}ws?want=b`, ["a", "b"]);
    assert.equal(ws.protocol, "b");
    ws.close();
    await wsClosed(ws);
  });

  it("answers wrong handshakes with the codec's status", async () => {
    const port = server.addr.port;
    const v8 = await rawAnswer(port, upgradeRequest("/ws", { "Sec-WebSocket-Version": "8" }));
    assert.match(v8, /^HTTP\/1\.1 426 /);
    assert.match(v8, /\r\nsec-websocket-version: 13\r\n/i);
    const post = await rawAnswer(port, upgradeRequest("/ws").replace(/^GET/, "POST"));
    assert.match(post, /^HTTP\/1\.1 405 /);
    const badKey = await rawAnswer(port, upgradeRequest("/ws", { "Sec-WebSocket-Key": "short" }));
    assert.match(badKey, /^HTTP\/1\.1 400 /);
    const response = await fetch(`http://127.0.0.1:${port}/ws`);
    assert.equal(response.status, 400);
    await response.body?.cancel();
    const other = await rawAnswer(port, upgradeRequest("/elsewhere"));
    assert.match(other, /^HTTP\/1\.1 404 /);
  });

  it("answers 431 to a request head over maxHeadSize", async () => {
    const head = await rawAnswer(
      server.addr.port,
      upgradeRequest("/ws", { "X-Big": "a".repeat(4_000) }),
    );
    assert.match(head, /^HTTP\/1\.1 431 /);
  });

  it("drops a client that sends its request head one byte at a time", async () => {
    const client = await RawClient.connect(server.addr.port);
    const request = upgradeRequest("/ws");
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < request.length && !client.closed) client.write(request[sent++]!);
    }, 50);
    try {
      await client.waitClosed(1_500);
    } finally {
      clearInterval(timer);
    }
    assert.ok(sent < request.length, `dropped after ${sent} bytes`);
    assert.equal(client.head, "");
  });
});

describe("attach()", () => {
  it("serves upgrades on its path of an existing http.Server and leaves it running", async () => {
    const http = createServer((_request, response) => response.end("plain"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = (http.address() as AddressInfo).port;
    const wss = attach(http, { path: "/ws", onMessage: (conn, m) => conn.send(m.data) });
    try {
      const ws = await openWs(`ws://127.0.0.1:${port}/ws`);
      ws.send("via attach");
      assert.equal(new TextDecoder().decode((await messages(ws).next()).data), "via attach");
      const closed = wsClosed(ws);
      await within(wss.close(), 5_000, "wss close");
      assert.equal((await closed).code, 1001);
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { connection: "close" },
      });
      assert.equal(await response.text(), "plain");
    } finally {
      await wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe("serve() with TLS", () => {
  it("serves wss:// with a self-signed certificate", {
    skip: skipWithoutOpenssl(),
  }, async () => {
    const { cert, key } = makeSelfSigned();
    const closes: CloseInfo[] = [];
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      cert,
      key,
      onMessage: (conn, message) => conn.send(message.data),
      onClose: (_conn, info) => void closes.push(info),
    });
    assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const ws = await openWs(server.url, undefined, { ca: cert });
    ws.send("secret");
    assert.equal(new TextDecoder().decode((await messages(ws).next()).data), "secret");
    ws.close(1000, "bye");
    // The closing handshake completes over TLS: the server's close frame reaches the client
    // before the server closes the connection.
    assert.deepEqual(await wsClosed(ws), { code: 1000, reason: "" }); // the code echoed
    await until(() => server.clients.size === 0, 2_000, "client released");
    assert.deepEqual(closes, [{ code: 1000, reason: "bye", wasClean: true }]);
    await within(server.close(), 5_000, "tls server close");
  });
});
