// The Bun binding's own surface: createBunServer() inside an app's own Bun.serve, a real
// independent peer (Node with the npm package ws, in a child process: inside Bun `ws` is Bun's
// own client), rooms over Bun's sockets and the request-head limits Bun leaves to wirely.
// Behaviour shared with the other engines (close codes, refusals, heartbeats, 1001 on close,
// 1008, python3-websockets, 0 B-16 MiB) runs on Bun in engines_test, backpressure_test,
// python_interop_test and interop_sizes_test with engine "native".
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import {
  type BunServer,
  type BunWebSocketHandler,
  type CloseInfo,
  createBunServer,
  serve,
  type ServedWebSocketServer,
} from "./mod.ts";
import { onlyOnBun } from "../testing/runtime.ts";
import { messages, openWs, until, within, wsClosed } from "./_helpers_test.ts";

const SKIP = onlyOnBun("Bun.serve exists only in Bun (run by deno task test:bun)");
const CLIENT = fileURLToPath(new URL("./testdata/node_ws_client.mjs", import.meta.url));
const MAX = 16 * 1_048_576;

/** `Bun.serve` as these tests use it. */
interface BunGlobal {
  serve(options: {
    port: number;
    hostname: string;
    fetch(request: Request, server: BunServer): Promise<Response | undefined> | Response;
    websocket: BunWebSocketHandler;
  }): { port: number; stop(force?: boolean): Promise<void> };
}
const bun = (): BunGlobal => (globalThis as unknown as { Bun: BunGlobal }).Bun;

/** Runs the Node + ws client script; resolves with its exit code and output. */
function runNodeClient(url: string): Promise<{ code: number | null; output: string }> {
  const child = spawn("node", [CLIENT, url, String(MAX)], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  return within(
    new Promise<{ code: number | null; output: string }>((resolve) =>
      child.once("exit", (code) => resolve({ code, output }))
    ),
    90_000,
    "the node client",
  ).finally(() => child.kill("SIGKILL"));
}

/** The status line answered to a raw request head. */
function rawStatus(port: number, head: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  return within(
    new Promise<string>((resolve, reject) => {
      socket.on("error", reject);
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (text.includes("\r\n")) resolve(text.split("\r\n")[0]!);
      });
      socket.on("close", () => resolve(text.split("\r\n")[0] ?? ""));
      socket.write(head);
    }),
    5_000,
    "raw answer",
  ).finally(() => socket.destroy());
}

const upgradeHead = (extra: string): string =>
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n";

describe("the Bun binding", { skip: SKIP }, () => {
  it("createBunServer in the app's own Bun.serve: a Node + ws peer gets echo 0 B-16 MiB, the subprotocol, close codes both ways and 1009", async () => {
    const closes: CloseInfo[] = [];
    const wss = createBunServer({
      limits: { maxMessageSize: MAX },
      handshake: { protocols: ["chat.v2", "chat.v1"] },
      onMessage: (conn, message) => {
        if (message.type === "text" && message.data === "close-me") conn.close(4001, "server bye");
        else conn.send(message.data);
      },
      onClose: (_conn, info) => closes.push(info),
    });
    const server = bun().serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request, bunServer) =>
        new URL(request.url).pathname === "/ws"
          ? wss.upgrade(request, bunServer)
          : new Response("the app's own route"),
      websocket: wss.websocket,
    });
    try {
      const plain = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(await plain.text(), "the app's own route");
      const { code, output } = await runNodeClient(`ws://127.0.0.1:${server.port}/ws`);
      assert.equal(code, 0, output);
      assert.equal(output.match(/^ok /gm)?.length, 1 + 16 + 3, output);
      await until(() => closes.length === 3, 5_000, "three closes");
      assert.deepEqual(closes.map((info) => info.code).sort(), [1009, 4001, 4002]);
      assert.deepEqual(closes.find((info) => info.code === 4002), {
        code: 4002,
        reason: "client bye",
        wasClean: true,
      });
    } finally {
      await within(wss.close(), 5_000, "wirely close");
      await within(server.stop(true), 5_000, "Bun.serve stop");
    }
  });

  it("refuses an upgrade from the app's fetch with the codec's status (Bun would have upgraded it)", async () => {
    const wss = createBunServer({ handshake: { origins: ["https://good.example"] } });
    const server = bun().serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request, bunServer) => wss.upgrade(request, bunServer),
      websocket: wss.websocket,
    });
    try {
      assert.equal(
        await rawStatus(server.port, upgradeHead("Origin: https://evil.example\r\n")),
        "HTTP/1.1 403 Forbidden",
      );
      // A key that is not 16 base64 bytes: RFC 6455 4.2.1 refuses it.
      const badKey = upgradeHead("").replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=");
      assert.match(await rawStatus(server.port, badKey), /^HTTP\/1\.1 400/);
      assert.equal(wss.clients.size, 0);
    } finally {
      await within(wss.close(), 5_000, "wirely close");
      await within(server.stop(true), 5_000, "Bun.serve stop");
    }
  });

  it("request heads: over maxHeadSize wirely answers 431 after Bun parsed it; over Bun's own limit Bun answers 431", async () => {
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      handshake: { maxHeadSize: 1024 },
    });
    const big = await serve({
      port: 0,
      hostname: "127.0.0.1",
      handshake: { maxHeadSize: Infinity },
    });
    try {
      assert.equal(server.engine, "native");
      const padding = (n: number): string => `X-Pad: ${"a".repeat(n)}\r\n`;
      assert.match(
        await rawStatus(server.addr.port, upgradeHead(padding(2_000))),
        /^HTTP\/1\.1 431/,
      );
      assert.match(await rawStatus(server.addr.port, upgradeHead(padding(500))), /^HTTP\/1\.1 101/);
      // Bun's own header limit (16 KiB by default) applies whatever maxHeadSize says.
      assert.match(await rawStatus(big.addr.port, upgradeHead(padding(8_000))), /^HTTP\/1\.1 101/);
      assert.match(await rawStatus(big.addr.port, upgradeHead(padding(20_000))), /^HTTP\/1\.1 431/);
    } finally {
      await within(server.close(), 5_000, "server close");
      await within(big.close(), 5_000, "server close");
    }
  });

  it("close(): 1001 to every peer, waits for them, and answers a handshake in progress with 503", async () => {
    let authenticating = false;
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      authenticate: async (request) => {
        if (request.url.pathname !== "/slow") return true;
        authenticating = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return true;
      },
    });
    const clients = await Promise.all([1, 2, 3].map(() => openWs(server.url)));
    const codes = Promise.all(clients.map(wsClosed));
    await until(() => server.clients.size === 3, 2_000, "three clients");
    const slow = rawStatus(server.addr.port, upgradeHead("").replace("GET / ", "GET /slow "));
    await until(() => authenticating, 2_000, "authentication started");
    await within(server.close(), 5_000, "graceful close");
    assert.deepEqual((await codes).map((c) => c.code), [1001, 1001, 1001]);
    assert.equal(server.clients.size, 0);
    assert.match(await slow, /^HTTP\/1\.1 503/);
  });

  it("rooms and broadcast reach exactly a room's members over Bun's sockets", async () => {
    const server: ServedWebSocketServer = await serve({
      port: 0,
      hostname: "127.0.0.1",
      onOpen: (conn) => {
        if (conn.url.pathname === "/room") conn.join("lobby");
      },
      onMessage: (conn, message) =>
        void server.broadcast(message.data, { room: "lobby", except: conn }),
    });
    try {
      const [a, b, c] = await Promise.all([
        openWs(`${server.url}room`),
        openWs(`${server.url}room`),
        openWs(server.url),
      ]);
      let cGot = 0;
      c!.on("message", () => cGot++);
      await until(
        () => [...server.clients].filter((x) => x.rooms.has("lobby")).length === 2,
        2_000,
        "two in the lobby",
      );
      a!.send("to the lobby");
      assert.equal(new TextDecoder().decode((await messages(b!).next()).data), "to the lobby");
      assert.equal(server.broadcast(new Uint8Array([7]), { room: "lobby" }), 2);
      assert.deepEqual((await messages(a!).next()).data, new Uint8Array([7]));
      assert.deepEqual((await messages(b!).next()).data, new Uint8Array([7]));
      assert.equal(server.broadcast("everyone"), 3);
      assert.equal(new TextDecoder().decode((await messages(c!).next()).data), "everyone");
      assert.equal(cGot, 1);
      for (const ws of [a!, b!, c!]) ws.close();
      await Promise.all([a!, b!, c!].map(wsClosed));
      await until(() => server.clients.size === 0, 2_000, "clients released");
    } finally {
      await within(server.close(), 5_000, "server close");
    }
  });
});
