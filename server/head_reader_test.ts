// serve()'s node:net listener reads request heads itself (server/_head_reader.ts): its limits and
// answers over real sockets, with raw node:net peers and ws.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { encodeFrame } from "../codec/frame_encoder.ts";
import { type CloseInfo, serve, type ServedWebSocketServer } from "./mod.ts";
import { messages, openWs, RawClient, until, upgradeRequest, within } from "./_helpers_test.ts";

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const MASK = new Uint8Array([9, 8, 7, 6]);

describe("serve()'s request-head reader", () => {
  let server: ServedWebSocketServer;

  before(async () => {
    server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      path: "/ws",
      handshake: { timeout: 400, maxHeadSize: 1_024 },
      onMessage: (conn, message) => conn.send(message.data),
    });
  });

  after(async () => {
    await within(server.close(), 5_000, "server close");
  });

  it("accepts a head that arrives in pieces, and frames sent with its last piece", async () => {
    const client = await RawClient.connect(server.addr.port);
    const request = upgradeRequest("/ws?room=1");
    const pieces = [request.slice(0, 5), request.slice(5, 40), request.slice(40, -3)];
    for (const piece of pieces) {
      client.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The end of the head and a masked text frame in one write.
    const tail = new TextEncoder().encode(request.slice(-3));
    const frame = new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]);
    const bytes = new Uint8Array(tail.length + frame.length);
    bytes.set(tail);
    bytes.set(frame, tail.length);
    client.write(bytes);
    await client.waitFor(() => client.frames.length > 0, "echo of the frame sent with the head");
    assert.match(client.head, /^HTTP\/1\.1 101 /);
    assert.equal(decode(client.frames[0]!.payload), "hi");
    client.destroy();
  });

  it("answers 431 as soon as a head passes maxHeadSize, before its end", async () => {
    const client = await RawClient.connect(server.addr.port);
    client.write(`GET /ws HTTP/1.1\r\nX-Filler: ${"a".repeat(1_100)}`); // no blank line, ever
    await client.waitClosed(1_000);
    assert.match(client.head, /^HTTP\/1\.1 431 /);
    assert.match(client.head, /\r\nconnection: close\r\n/i);
  });

  it("answers 400 to a malformed head (bare LF, HTTP/1.0, bad field name)", async () => {
    for (
      const head of [
        "GET /ws HTTP/1.1\nHost: a\r\n\r\n",
        "GET /ws HTTP/1.0\r\nHost: a\r\n\r\n",
        "GET /ws HTTP/1.1\r\nBad Name: a\r\n\r\n",
      ]
    ) {
      const client = await RawClient.connect(server.addr.port);
      client.write(head);
      await client.waitClosed(1_000);
      assert.match(client.head, /^HTTP\/1\.1 400 /, JSON.stringify(head));
    }
  });

  it("answers a plain HTTP request with the codec's refusal and closes", async () => {
    const client = await RawClient.connect(server.addr.port);
    client.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await client.waitClosed(1_000);
    assert.match(client.head, /^HTTP\/1\.1 (400|426) /);
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/elsewhere`);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });

  it("drops a peer that sends half a head and then nothing (handshake.timeout)", async () => {
    const client = await RawClient.connect(server.addr.port);
    client.write(upgradeRequest("/ws").slice(0, 30));
    await client.waitClosed(2_000);
    assert.equal(client.head, "");
  });

  it("drops a peer that connects and never sends anything", async () => {
    const client = await RawClient.connect(server.addr.port);
    await client.waitClosed(2_000);
    assert.equal(client.head, "");
  });

  it("drops each silent peer at its own deadline, around peers that upgrade in between", async () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const first = await RawClient.connect(server.addr.port);
    await pause(100);
    const upgraded = await RawClient.open(server.addr.port, "/ws");
    await pause(100);
    const second = await RawClient.connect(server.addr.port);
    second.write("GET /ws HTTP/1.1\r\n");
    await first.waitClosed(2_000);
    await second.waitClosed(2_000);
    assert.equal(first.head + second.head, "");
    // The peer that upgraded is not subject to the handshake timeout.
    assert.equal(upgraded.closed, false);
    upgraded.sendFrame(0x1, "still open");
    await upgraded.waitFor(() => upgraded.frames.length > 0, "echo after the others were dropped");
    upgraded.destroy();
  });

  it("forgets a peer that leaves in the middle of its head, and keeps serving", async () => {
    for (let i = 0; i < 20; i++) {
      const client = await RawClient.connect(server.addr.port);
      client.write(upgradeRequest("/ws").slice(0, 10 + i));
      client.destroy();
    }
    const ws = await openWs(`${server.url}ws`);
    ws.send("still here");
    assert.equal(decode((await messages(ws).next()).data), "still here");
    ws.close();
    await until(() => server.clients.size === 0, 2_000, "client released");
  });
});

describe("serve()'s listener on close", () => {
  it("destroys sockets still sending their head", async () => {
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      handshake: { timeout: 30_000 },
    });
    const client = await RawClient.connect(server.addr.port);
    client.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await within(server.close(), 2_000, "close with a half-sent head");
    await client.waitClosed(2_000);
    assert.equal(client.head, "");
  });
});

describe("conn.url on serve()'s listener", () => {
  it("is the target resolved against the Host header, the same as new URL(target, base)", async () => {
    const urls: URL[] = [];
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      onOpen: (conn) => void urls.push(conn.url),
    });
    const cases: [string, string][] = [
      ["/", "127.0.0.1"],
      ["/chat?room=1#x", "example.com:8080"],
      ["/a/../b/./c?q=%20", "EXAMPLE.com"],
      ["/%7Euser/path", "[::1]:9000"],
      ["/a\\b", "localhost:80"],
      ["http://other.example/abs?x=1", "example.com"],
    ];
    try {
      for (const [target, host] of cases) {
        const client = await RawClient.open(server.addr.port, target, { Host: host });
        client.destroy();
      }
      await until(() => urls.length === cases.length, 2_000, "every connection opened");
      cases.forEach(([target, host], i) => {
        assert.equal(urls[i]!.href, new URL(target, `http://${host}`).href, `${target} on ${host}`);
      });
    } finally {
      await within(server.close(), 2_000, "server close");
    }
  });
});

describe("serve()'s close of the TCP connection", () => {
  it("closes it once the close frames crossed, without waiting for the peer's FIN", async () => {
    const closed: CloseInfo[] = [];
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      limits: { closeTimeout: 30_000 },
      onClose: (_conn, info) => void closed.push(info),
    });
    // A peer that keeps its side open (allowHalfOpen): only the server can end the connection.
    const socket = connect({ host: "127.0.0.1", port: server.addr.port, allowHalfOpen: true });
    let received = new Uint8Array(0);
    let ended = false;
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(received.length + chunk.length);
      joined.set(received);
      joined.set(chunk, received.length);
      received = joined;
    });
    socket.on("end", () => ended = true);
    try {
      socket.write(upgradeRequest("/"));
      await until(() => decode(received).includes("\r\n\r\n"), 2_000, "101 answer");
      const head = decode(received).indexOf("\r\n\r\n") + 4;
      socket.write(encodeFrame(0x8, new Uint8Array([0x03, 0xe8]), { mask: MASK }));
      await until(() => closed.length === 1 && ended, 2_000, "server closed the connection");
      assert.deepEqual(closed[0], { code: 1000, reason: "", wasClean: true });
      // The server's close frame came before its FIN.
      assert.deepEqual([...received.subarray(head)], [0x88, 2, 0x03, 0xe8]);
    } finally {
      socket.destroy();
      await within(server.close(), 2_000, "server close");
    }
  });
});
