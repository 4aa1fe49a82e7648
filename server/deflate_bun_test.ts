// permessage-deflate between wirely's codec engine under Bun (`serve({ engine: "codec" })`:
// node:http + the codec) and Bun's own `WebSocket` client, which offers permessage-deflate. A TCP
// relay between them counts the bytes each way, so both directions are seen compressed on the
// wire; the server's `bytesReceived` says the same from its side. Runs only under Bun
// (`deno task test:bun`).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createBunServer, serve, type ServedWebSocketServer, type ServerOptions } from "./mod.ts";
import { onlyOnBun } from "../testing/runtime.ts";
import { within } from "../testing/async.ts";

const SKIP = onlyOnBun("Bun's WebSocket client is the peer (run by deno task test:bun)");

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A 4 KiB repetitive text (compresses to a few dozen bytes). */
const MESSAGE = "wirely permessage-deflate under Bun; ".repeat(111).slice(0, 4096);

/** An echo server on the codec engine that notes the bytes received at each message. */
async function echoServer(
  options: ServerOptions = {},
): Promise<{ server: ServedWebSocketServer; received: number[] }> {
  const received: number[] = [];
  const server = await serve({
    port: 0,
    hostname: "127.0.0.1",
    engine: "codec",
    heartbeat: { interval: 0 },
    onMessage: (conn, message) => {
      received.push(conn.bytesReceived);
      conn.send(message.data);
    },
    ...options,
  });
  cleanups.push(() => server.close());
  return { server, received };
}

/** A TCP relay to `port` counting the bytes each way (`up`: client to server). */
async function relay(port: number): Promise<{ port: number; up: number; down: number }> {
  const counts = { port: 0, up: 0, down: 0 };
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    sockets.push(client, upstream);
    client.on("data", (chunk: Uint8Array) => {
      counts.up += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Uint8Array) => {
      counts.down += chunk.length;
      client.write(chunk);
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await within(
    new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
    5_000,
    "the relay listening",
  );
  counts.port = (server.address() as { port: number }).port;
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return counts;
}

/** Opens Bun's `WebSocket` to `url`, sends MESSAGE and resolves with the echo. */
async function echoWithBun(url: string): Promise<{ extensions: string; echo: string }> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.close());
  await within(
    new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`Bun's WebSocket could not open ${url}`));
    }),
    5_000,
    "Bun's WebSocket open",
  );
  const echo = await within(
    new Promise<string>((resolve, reject) => {
      ws.onmessage = (event) => resolve(String(event.data));
      ws.onclose = (event) => reject(new Error(`closed with ${event.code} before the echo`));
      ws.send(MESSAGE);
    }),
    5_000,
    "the echo",
  );
  return { extensions: ws.extensions, echo };
}

describe("permessage-deflate with Bun's WebSocket client", { skip: SKIP }, () => {
  it("agreed, and a 4 KiB text is compressed both ways on the wire", async () => {
    const { server, received } = await echoServer();
    const counts = await relay(server.addr.port);
    const { extensions, echo } = await echoWithBun(`ws://127.0.0.1:${counts.port}/`);
    assert.match(extensions, /^permessage-deflate\b/);
    assert.equal(echo, MESSAGE);
    assert.equal(received.length, 1);
    // The handshake is a few hundred bytes; 4 KiB uncompressed either way would be > 4096.
    assert.ok(received[0]! < 1_500, `the server received ${received[0]} bytes`);
    assert.ok(counts.up < 1_500, `client to server: ${counts.up} bytes`);
    assert.ok(counts.down < 1_000, `server to client: ${counts.down} bytes`);
  });

  it("with perMessageDeflate false: nothing agreed, the same text goes uncompressed", async () => {
    const { server, received } = await echoServer({ perMessageDeflate: false });
    const counts = await relay(server.addr.port);
    const { extensions, echo } = await echoWithBun(`ws://127.0.0.1:${counts.port}/`);
    assert.equal(extensions, "");
    assert.equal(echo, MESSAGE);
    assert.ok(received[0]! > 4_096, `the server received ${received[0]} bytes`);
    assert.ok(counts.down > 4_096, `server to client: ${counts.down} bytes`);
  });
});

describe("Bun's native engine has no permessage-deflate", { skip: SKIP }, () => {
  it("an explicit perMessageDeflate needs the codec engine: TypeError before listening", async () => {
    await assert.rejects(
      serve({ port: 0, hostname: "127.0.0.1", perMessageDeflate: true }),
      /engine: "codec"/,
    );
    assert.throws(() => createBunServer({ perMessageDeflate: { level: 3 } }), TypeError);
    await createBunServer({ perMessageDeflate: false }).close();
  });
});
