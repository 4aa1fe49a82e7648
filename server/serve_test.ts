import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CloseInfo, serve, type ServedWebSocketServer } from "./mod.ts";
import { inDeno, messages, openWs, until, within, wsClosed } from "./_helpers_test.ts";

const SIZES = [0, 1, 125, 126, 65_535, 65_536, 1_048_576, 4 * 1_048_576];

function pattern(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

describe("serve() with the ws client", () => {
  let server: ServedWebSocketServer<{ user: string } | undefined>;
  const closes: CloseInfo[] = [];
  const errors: unknown[] = [];

  before(async () => {
    server = await serve<{ user: string } | undefined>({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      limits: { maxMessageSize: 8 * 1_048_576 },
      handshake: { protocols: ["chat.v2", "chat.v1"] },
      authenticate: (request) => {
        const user = request.url.searchParams.get("user");
        return user === null ? true : { data: { user } };
      },
      onOpen: async (conn) => {
        if (conn.url.pathname === "/iterate") {
          for await (const message of conn) conn.send(message.data);
          return;
        }
        if (conn.url.pathname === "/info") {
          conn.sendJson({
            user: conn.data?.user,
            path: conn.url.pathname,
            agent: conn.headers.get("x-test"),
            protocol: conn.protocol,
          });
        }
        if (conn.url.pathname === "/room") conn.join("lobby");
      },
      onMessage: (conn, message) => {
        const path = conn.url.pathname;
        if (path === "/iterate") return; // the for-await loop of onOpen echoes
        if (path === "/throw") throw new Error("handler bug");
        if (path === "/room") {
          server.broadcast(message.data, { room: "lobby", except: conn });
          return;
        }
        if (path === "/close" && message.type === "text") {
          const [code, reason] = message.data.split(" ");
          conn.close(Number(code), reason);
          return;
        }
        conn.send(message.data);
      },
      onClose: (_conn, info) => {
        closes.push(info);
      },
      onError: (error) => errors.push(error),
    });
  });

  after(async () => {
    await within(server.close(), 5_000, "server close");
  });

  it("echoes text and binary messages from 0 B to 4 MiB verbatim", async () => {
    const ws = await openWs(server.url);
    const inbox = messages(ws);
    for (const size of SIZES) {
      const bytes = pattern(size);
      ws.send(bytes);
      const binary = await inbox.next();
      assert.equal(binary.binary, true);
      assert.deepEqual(binary.data, bytes, `binary of ${size} bytes`);
      const text = "é".repeat(size >> 1);
      ws.send(text);
      const echoed = await inbox.next();
      assert.equal(echoed.binary, false);
      assert.equal(new TextDecoder().decode(echoed.data), text, `text of ${size} bytes`);
    }
    ws.close();
    await wsClosed(ws);
  });

  it("echoes through a for-await loop started in onOpen", async () => {
    const ws = await openWs(`${server.url}iterate`);
    const inbox = messages(ws);
    for (let i = 0; i < 20; i++) ws.send(`message ${i}`);
    for (let i = 0; i < 20; i++) {
      assert.equal(new TextDecoder().decode((await inbox.next()).data), `message ${i}`);
    }
    ws.close(1000);
    await wsClosed(ws);
  });

  it("answers a client ping with a pong carrying the same data, and hears its pongs", async () => {
    const ws = await openWs(`${server.url}pinged`);
    const pong = within(
      new Promise<Uint8Array>((resolve) => ws.once("pong", (data: Uint8Array) => resolve(data))),
      2_000,
      "pong",
    );
    ws.ping(new Uint8Array([1, 2, 3]));
    assert.deepEqual(new Uint8Array(await pong), new Uint8Array([1, 2, 3]));
    const conn = [...server.clients].find((c) => c.url.pathname === "/pinged");
    const serverPong = within(
      new Promise<Uint8Array>((resolve) => conn!.on("pong", resolve)),
      2_000,
      "server pong",
    );
    conn!.ping(new Uint8Array([9]));
    assert.deepEqual(new Uint8Array(await serverPong), new Uint8Array([9]));
    ws.close();
    await wsClosed(ws);
  });

  it("passes close codes and reasons both ways", async () => {
    const ws = await openWs(server.url);
    closes.length = 0;
    ws.close(4000, "bye");
    assert.deepEqual(await wsClosed(ws), { code: 4000, reason: "" });
    await until(() => closes.length === 1, 2_000, "server onClose");
    assert.deepEqual(closes[0], { code: 4000, reason: "bye", wasClean: true });

    const other = await openWs(`${server.url}close`);
    other.send("4001 done");
    assert.deepEqual(await wsClosed(other), { code: 4001, reason: "done" });
    await until(() => closes.length === 2, 2_000, "server onClose");
    assert.deepEqual(closes[1], { code: 4001, reason: "done", wasClean: true });
  });

  it("negotiates the first subprotocol in the server's order", async () => {
    const ws = await openWs(`${server.url}info`, ["chat.v1", "chat.v2"]);
    assert.equal(ws.protocol, "chat.v2");
    const info = JSON.parse(new TextDecoder().decode((await messages(ws).next()).data));
    assert.equal(info.protocol, "chat.v2");
    ws.close();
    await wsClosed(ws);
  });

  it("gives the connection its URL, headers and data from authenticate", async () => {
    const ws = await openWs(`${server.url}info?user=ada`, undefined, {
      headers: { "x-test": "yes" },
    });
    assert.equal(ws.protocol, "");
    const info = JSON.parse(new TextDecoder().decode((await messages(ws).next()).data));
    assert.deepEqual(info, { user: "ada", path: "/info", agent: "yes", protocol: "" });
    ws.close();
    await wsClosed(ws);
  });

  it("closes with 1011 when a handler throws, reports it, and keeps serving others", async () => {
    errors.length = 0;
    const healthy = await openWs(server.url);
    const faulty = await openWs(`${server.url}throw`);
    faulty.send("boom");
    assert.equal((await wsClosed(faulty)).code, 1011);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, "handler bug");
    const inbox = messages(healthy);
    healthy.send("still here");
    assert.equal(new TextDecoder().decode((await inbox.next()).data), "still here");
    healthy.close();
    await wsClosed(healthy);
  });

  it("broadcasts to the room's members except the sender", async () => {
    const [a, b, c] = await Promise.all([
      openWs(`${server.url}room`),
      openWs(`${server.url}room`),
      openWs(server.url),
    ]);
    const inboxB = messages(b!);
    let aGot = 0;
    let cGot = 0;
    a!.on("message", () => aGot++);
    c!.on("message", () => cGot++);
    const inLobby = (): number => [...server.clients].filter((c) => c.rooms.has("lobby")).length;
    await until(() => inLobby() === 2, 2_000, "two in the lobby");
    a!.send("to the lobby");
    assert.equal(new TextDecoder().decode((await inboxB.next()).data), "to the lobby");
    assert.equal(server.broadcast(new Uint8Array([7]), { room: "lobby" }), 2);
    assert.deepEqual((await inboxB.next()).data, new Uint8Array([7]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(aGot, 1);
    assert.equal(cGot, 0);
    for (const ws of [a!, b!, c!]) ws.close();
    await Promise.all([a!, b!, c!].map(wsClosed));
    await until(() => server.clients.size === 0, 2_000, "clients released");
  });
});

describe("serve() with Deno's native WebSocket client", () => {
  it("echoes text and binary, and passes the server's close code", {
    skip: inDeno ? false : "Deno's WebSocket client exists only in Deno",
  }, async () => {
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      limits: { maxMessageSize: 8 * 1_048_576 },
      onMessage: (conn, message) => {
        if (message.type === "text" && message.data === "bye") conn.close(4002, "later");
        else conn.send(message.data);
      },
    });
    const ws = new WebSocket(server.url);
    ws.binaryType = "arraybuffer";
    const inbox: (string | ArrayBuffer)[] = [];
    ws.onmessage = (event) => inbox.push(event.data);
    const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
    await within(new Promise((resolve) => ws.onopen = resolve), 5_000, "native open");
    for (const size of SIZES) {
      ws.send(pattern(size));
      ws.send("x".repeat(size));
      await until(() => inbox.length === 2, 5_000, `echo of ${size} bytes`);
      assert.deepEqual(new Uint8Array(inbox[0] as ArrayBuffer), pattern(size));
      assert.equal(inbox[1], "x".repeat(size));
      inbox.length = 0;
    }
    ws.send("bye");
    const event = await within(closed, 5_000, "native close");
    assert.equal(event.code, 4002);
    assert.equal(event.reason, "later");
    await within(server.close(), 5_000, "server close");
  });
});
