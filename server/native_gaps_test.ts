// What Deno's native engine cannot enforce because Deno.serve owns the socket, shown over raw
// TCP: each test asserts Deno's behaviour as docs/server.md describes it beside the limit, so a
// Deno release that fixes one fails its test here (then update the docs and the test).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Opcode } from "../codec/constants.ts";
import { type CloseInfo, serve, type ServeOptions } from "./mod.ts";
import { inDeno, RawClient, until, upgradeRequest, within } from "./_helpers_test.ts";

const SKIP = inDeno ? false : "the native engine needs Deno (Deno.serve)";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A native echo server with short timeouts; `run` gets it and its close infos. */
async function withNative(
  options: ServeOptions,
  run: (server: Awaited<ReturnType<typeof serve>>, closes: CloseInfo[]) => Promise<void>,
): Promise<void> {
  const closes: CloseInfo[] = [];
  const server = await serve({
    engine: "native",
    port: 0,
    hostname: "127.0.0.1",
    handshake: { timeout: 100 },
    limits: { closeTimeout: 100 },
    heartbeat: { interval: 0 },
    onMessage: (conn, message) => conn.send(message.data),
    onClose: (_conn, info) => closes.push(info),
    onError: () => {},
    ...options,
  });
  try {
    await run(server, closes);
  } finally {
    await within(server.close(), 5_000, "server close");
  }
}

describe("native engine: what Deno.serve does instead of wirely's limits", { skip: SKIP }, () => {
  it("handshake.timeout: a half-sent request head is never timed out", () =>
    withNative({}, async (server) => {
      const client = await RawClient.connect(server.addr.port);
      client.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      await sleep(500); // five times handshake.timeout
      assert.equal(client.closed, false, "Deno keeps the socket open");
      assert.equal(client.head, "");
      client.destroy();
    }));

  it("refusals: the socket stays open and a later upgrade on it gets 101", () =>
    withNative({}, async (server) => {
      const client = await RawClient.connect(server.addr.port);
      client.write(upgradeRequest("/", { "Sec-WebSocket-Version": "12" }));
      await client.waitFor(() => client.head !== "", "the refusal");
      assert.match(client.head, /^HTTP\/1\.1 426 /);
      await sleep(200);
      assert.equal(client.closed, false, "Deno keeps the refused socket open");
      client.head = "";
      client.write(upgradeRequest("/"));
      await client.waitFor(() => client.head !== "", "the second answer");
      assert.match(client.head, /^HTTP\/1\.1 101 /);
      await until(() => server.clients.size === 1, 2_000, "the connection opened");
      client.destroy();
    }));

  it("limits.closeTimeout: a peer that never answers the close keeps its socket open", () =>
    withNative({}, async (server, closes) => {
      const client = await RawClient.open(server.addr.port);
      await until(() => server.clients.size === 1, 2_000, "open");
      for (const conn of server.clients) conn.close(4000, "go");
      await client.waitFor(() => client.closeCode === 4000, "the close frame");
      // wirely gives up at closeTimeout (onClose 1006) but has no way to destroy Deno's socket.
      await until(() => closes.length === 1, 2_000, "onClose at closeTimeout");
      assert.deepEqual(closes[0], { code: 1006, reason: "", wasClean: false });
      assert.equal(server.clients.size, 0);
      await sleep(300);
      assert.equal(client.closed, false, "the socket is still open");
      client.destroy();
    }));

  it("close frames: protocol and UTF-8 errors end with a bare FIN, reported as 1006", () =>
    withNative({}, async (server, closes) => {
      const frames: [string, () => Uint8Array | string, number][] = [
        ["invalid UTF-8", () => new Uint8Array([0xff, 0xfe]), Opcode.TEXT],
        ["a reserved opcode", () => "x", 0x3],
      ];
      for (const [what, payload, opcode] of frames) {
        const client = await RawClient.open(server.addr.port);
        client.sendFrame(opcode, payload());
        await client.waitClosed();
        assert.deepEqual(client.frames, [], `${what}: no close frame (1002/1007) from Deno`);
      }
      await until(() => closes.length === 2, 2_000, "two onClose");
      assert.deepEqual(closes.map((c) => c.code), [1006, 1006]);
    }));

  it("limits.maxFramesPerMessage: Deno joins the fragments before wirely sees a message", () =>
    withNative({ limits: { maxFramesPerMessage: 3 } }, async (server) => {
      const client = await RawClient.open(server.addr.port);
      client.sendFrame(Opcode.TEXT, "a", true, false);
      for (let i = 0; i < 5; i++) client.sendFrame(Opcode.CONTINUATION, "b", true, i === 4);
      await client.waitFor(() => client.frames.length === 1, "the echo");
      assert.equal(new TextDecoder().decode(client.frames[0]!.payload), "abbbbb");
      assert.equal(client.closeCode, undefined, "no 1009 for 6 frames over a limit of 3");
      client.destroy();
    }));

  it("maxHeadSize: over Deno's own limits (128 fields, a head of about 64 KiB) the answer is Deno's 400", () =>
    withNative({ handshake: { maxHeadSize: 1_048_576 } }, async (server) => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 150; i++) many[`x-field-${i}`] = "v";
      // Too many fields; one field of 64 KiB; two fields of 40,000 bytes (a head of ~80 KB).
      const halves = { "x-a": "a".repeat(40_000), "x-b": "b".repeat(40_000) };
      for (const extra of [many, { "x-big": "a".repeat(65_536) }, halves]) {
        const client = await RawClient.connect(server.addr.port);
        client.write(upgradeRequest("/", extra));
        await client.waitFor(() => client.head !== "", "Deno's answer");
        assert.match(client.head, /^HTTP\/1\.1 400 /, "not wirely's 431");
        client.destroy();
      }
    }));
});

describe("native engine: server.close()", { skip: SKIP }, () => {
  it("serve(): waits for the closing handshakes, then Deno ends the silent peers' sockets", () =>
    withNative({ limits: { closeTimeout: 300 } }, async (server, closes) => {
      const polite = await RawClient.open(server.addr.port);
      const silent = await RawClient.open(server.addr.port);
      await until(() => server.clients.size === 2, 2_000, "two connections");
      const events: string[] = [];
      const closing = server.close().then(() => events.push("server closed"));
      await polite.waitFor(() => polite.closeCode === 1001, "1001 for the polite peer");
      await silent.waitFor(() => silent.closeCode === 1001, "1001 for the silent peer");
      await sleep(100);
      events.push("polite peer answers");
      polite.sendFrame(Opcode.CLOSE, new Uint8Array([0x03, 0xe9]));
      await within(closing, 5_000, "server.close()");
      assert.deepEqual(events, ["polite peer answers", "server closed"]);
      await silent.waitClosed();
      await polite.waitClosed();
      assert.deepEqual(closes.map((c) => c.code).sort(), [1001, 1006]);
    }));

  it("createNativeServer(): close() gives up at closeTimeout; the app's Deno.serve keeps the socket", async () => {
    const { createNativeServer } = await import("./mod.ts");
    const closes: CloseInfo[] = [];
    const wss = createNativeServer({
      limits: { closeTimeout: 100 },
      heartbeat: { interval: 0 },
      onClose: (_conn, info) => closes.push(info),
    });
    const deno = (globalThis as unknown as { Deno: DenoServe }).Deno;
    const http = deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      (request, info) => wss.upgrade(request, info),
    );
    try {
      const client = await RawClient.open(http.addr.port);
      await until(() => wss.clients.size === 1, 2_000, "open");
      await within(wss.close(), 5_000, "wss.close()");
      assert.equal(client.closeCode, 1001);
      assert.deepEqual(closes, [{ code: 1006, reason: "", wasClean: false }]);
      await sleep(200);
      assert.equal(client.closed, false, "the socket stays open until the app's server ends it");
      client.destroy();
    } finally {
      await within(http.shutdown(), 5_000, "Deno.serve shutdown");
    }
  });
});

/** The part of `Deno.serve` the test uses. */
interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
