import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Opcode } from "../codec/constants.ts";
import { type CloseInfo, serve, type ServeOptions } from "./mod.ts";
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

/** Starts an echo server that records close infos; `run` gets it and always closes it. */
async function withServer(
  options: ServeOptions,
  run: (server: Awaited<ReturnType<typeof serve>>, closes: CloseInfo[]) => Promise<void>,
): Promise<void> {
  const closes: CloseInfo[] = [];
  const server = await serve({
    engine: "codec",
    port: 0,
    hostname: "127.0.0.1",
    onMessage: (conn, message) => conn.send(message.data),
    onClose: (_conn, info) => closes.push(info),
    ...options,
  });
  try {
    await run(server, closes);
  } finally {
    await within(server.close(), 5_000, "server close");
  }
}

describe("limits", () => {
  it("closes an oversized message's connection with 1009 while another keeps being served", () =>
    withServer({ limits: { maxMessageSize: 1024 } }, async (server) => {
      const big = await openWs(server.url);
      const small = await openWs(server.url);
      const inbox = messages(small);
      big.send(new Uint8Array(1025));
      small.send("fine");
      assert.equal((await wsClosed(big)).code, 1009);
      assert.equal(new TextDecoder().decode((await inbox.next()).data), "fine");
      small.send(new Uint8Array(1024));
      assert.equal((await inbox.next()).data.length, 1024);
      small.close();
      await wsClosed(small);
    }));

  it("closes with 1009 when a message has more than maxFramesPerMessage frames", () =>
    withServer({ limits: { maxFramesPerMessage: 3 } }, async (server) => {
      const client = await RawClient.open(server.addr.port);
      client.sendFrame(Opcode.TEXT, "a", true, false);
      for (let i = 0; i < 3; i++) client.sendFrame(Opcode.CONTINUATION, "b", true, false);
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.equal(client.closeCode, 1009);
      await client.waitClosed();
    }));

  it("closes with 1007 on invalid UTF-8 in a text message", () =>
    withServer({}, async (server, closes) => {
      const client = await RawClient.open(server.addr.port);
      client.sendFrame(Opcode.TEXT, new Uint8Array([0x68, 0xc3, 0x28]));
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.equal(client.closeCode, 1007);
      await client.waitClosed();
      await until(() => closes.length === 1, 2_000, "onClose");
      assert.equal(closes[0]!.code, 1007);
      assert.equal(closes[0]!.wasClean, false);
    }));

  it("closes with 1002 on an unmasked client frame", () =>
    withServer({}, async (server) => {
      const client = await RawClient.open(server.addr.port);
      client.sendFrame(Opcode.TEXT, "hello", false);
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.equal(client.closeCode, 1002);
      await client.waitClosed();
      assert.equal(client.frames.filter((f) => f.opcode === Opcode.TEXT).length, 0);
    }));

  it("closes a peer that never reads with 1008 once maxBufferedBytes pile up", () => {
    let sends = 0;
    return withServer({
      limits: { maxBufferedBytes: 262_144, closeTimeout: 300 },
      onOpen: (conn) => {
        const chunk = new Uint8Array(65_536);
        while (conn.state === "open" && sends < 2_000) {
          conn.send(chunk);
          sends++;
        }
      },
    }, async (server, closes) => {
      const client = await RawClient.connect(server.addr.port);
      client.socket.pause();
      client.write(upgradeRequest());
      await until(() => closes.length === 1, 3_000, "slow consumer closed");
      assert.equal(closes[0]!.code, 1008);
      assert.ok(sends < 2_000, `closed after ${sends} sends`);
      assert.equal(server.clients.size, 0);
      client.destroy();
    });
  });

  it("echoes one 16 MiB message with maxBufferedBytes 1 MiB to a peer that reads", () =>
    withServer(
      { limits: { maxMessageSize: 16_777_216, maxBufferedBytes: 1_048_576 } },
      async (server) => {
        const client = await RawClient.open(server.addr.port);
        const big = new Uint8Array(16_777_216).map((_, i) => i & 0xff);
        client.sendFrame(Opcode.BINARY, big);
        await client.waitFor(() => client.frames.length > 0, "16 MiB echo", 10_000);
        const frame = client.frames[0]!;
        assert.equal(frame.opcode, Opcode.BINARY);
        assert.equal(frame.payload.length, big.length);
        assert.ok(frame.payload.every((byte, i) => byte === (i & 0xff)), "payload differs");
        client.sendFrame(Opcode.TEXT, "still open");
        await client.waitFor(() => client.frames.length > 1, "second echo", 5_000);
        assert.equal(new TextDecoder().decode(client.frames[1]!.payload), "still open");
        client.destroy();
      },
    ));

  it("closes with 1008 when a second message finds the first still waiting for a peer that never reads", () => {
    let second: boolean | undefined;
    return withServer({
      limits: { maxBufferedBytes: 1_048_576, closeTimeout: 300 },
      onOpen: (conn) => {
        conn.send(new Uint8Array(16_777_216));
        setTimeout(() => second = conn.send("second"), 50);
      },
    }, async (_server, closes) => {
      const client = await RawClient.connect(_server.addr.port);
      client.socket.pause();
      client.write(upgradeRequest());
      await until(() => closes.length === 1, 5_000, "slow consumer closed");
      assert.equal(closes[0]!.code, 1008);
      assert.equal(second, false);
      client.destroy();
    });
  });

  it("reports send() === false under backpressure and a drain event later", () =>
    withServer({
      onOpen: (conn) => {
        const chunk = new Uint8Array(65_536);
        let sends = 0;
        while (conn.send(chunk) && sends < 1_000) sends++;
        conn.on("drain", () => conn.sendJson({ sends, drained: true }));
      },
    }, async (server) => {
      // Zeros compress to almost nothing: without permessage-deflate they fill the socket.
      const ws = await openWs(server.url, undefined, { perMessageDeflate: false });
      const drained = within(
        new Promise<unknown>((resolve) =>
          ws.on("message", (data: Uint8Array, binary: boolean) => {
            if (!binary) resolve(JSON.parse(new TextDecoder().decode(data)));
          })
        ),
        5_000,
        "drain message",
      );
      const result = await drained as { sends: number; drained: boolean };
      assert.equal(result.drained, true);
      assert.ok(result.sends < 1_000);
      ws.close();
      await wsClosed(ws);
    }));
});

describe("liveness", () => {
  it("terminates a peer that does not answer pings, and keeps one that does", () =>
    withServer(
      { heartbeat: { interval: 100, timeout: 50 } },
      async (server, closes) => {
        const ws = await openWs(server.url);
        const silent = await RawClient.open(server.addr.port);
        await until(() => closes.length === 1, 2_000, "silent peer dropped");
        assert.equal(closes[0]!.code, 1006);
        assert.ok(
          silent.frames.some((f) => f.opcode === Opcode.PING),
          "the silent peer was pinged",
        );
        await silent.waitClosed();
        await new Promise((resolve) => setTimeout(resolve, 350));
        assert.equal(ws.readyState, ws.OPEN);
        assert.equal(server.clients.size, 1);
        ws.close();
        await wsClosed(ws);
      },
    ));

  it("destroys the socket when the peer never answers the close frame", () =>
    withServer({ limits: { closeTimeout: 200 } }, async (server, closes) => {
      const client = await RawClient.open(server.addr.port);
      await until(() => server.clients.size === 1, 2_000, "open");
      const started = Date.now();
      for (const conn of server.clients) conn.close(4000, "go");
      await client.waitClosed(2_000);
      assert.ok(Date.now() - started >= 150, "waited for the close timeout");
      assert.equal(client.closeCode, 4000);
      await until(() => closes.length === 1, 2_000, "onClose");
      assert.deepEqual(closes[0], { code: 1006, reason: "", wasClean: false });
    }));
});

describe("shutdown", () => {
  it("close() sends 1001 to every peer and releases everything", async () => {
    const server = await serve({ engine: "codec", port: 0, hostname: "127.0.0.1" });
    const clients = await Promise.all([1, 2, 3].map(() => openWs(server.url)));
    const codes = Promise.all(clients.map(wsClosed));
    await until(() => server.clients.size === 3, 2_000, "three clients");
    await within(server.close(), 5_000, "graceful close");
    assert.deepEqual((await codes).map((c) => c.code), [1001, 1001, 1001]);
    assert.equal(server.clients.size, 0);
    await assert.rejects(openWs(server.url));
  });

  it("close() answers a handshake in progress with 503 before it resolves", async () => {
    let authenticating = false;
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      authenticate: async () => {
        authenticating = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return true;
      },
    });
    const answer = refused(server.url);
    await until(() => authenticating, 2_000, "authentication started");
    await within(server.close(), 5_000, "graceful close");
    assert.equal((await answer).status, 503);
  });

  it("close() destroys a peer that never answers at shutdownTimeout, before the connection's closeTimeout", () =>
    withServer(
      { limits: { closeTimeout: 2_147_483_647 }, shutdownTimeout: 100 },
      async (server, closes) => {
        const client = await RawClient.open(server.addr.port);
        await until(() => server.clients.size === 1, 2_000, "open");
        await within(server.close(), 5_000, "close() past shutdownTimeout");
        await client.waitClosed(2_000);
        assert.equal(client.closeCode, 1001);
        assert.deepEqual(closes, [{ code: 1006, reason: "", wasClean: false }]);
        assert.equal(server.clients.size, 0);
      },
    ));

  it("close() resolves once a silent peer is dropped at its closeTimeout, before shutdownTimeout", () =>
    withServer(
      { limits: { closeTimeout: 100 }, shutdownTimeout: 2_147_483_647 },
      async (server, closes) => {
        const client = await RawClient.open(server.addr.port);
        await until(() => server.clients.size === 1, 2_000, "open");
        await within(server.close(), 5_000, "close() after the connection's closeTimeout");
        await client.waitClosed(2_000);
        assert.equal(client.closeCode, 1001);
        assert.deepEqual(closes, [{ code: 1006, reason: "", wasClean: false }]);
      },
    ));

  it("shuts down when the signal aborts", async () => {
    const controller = new AbortController();
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      signal: controller.signal,
    });
    const ws = await openWs(server.url);
    const closed = wsClosed(ws);
    controller.abort();
    assert.equal((await closed).code, 1001);
    await within(server.close(), 5_000, "close after abort");
  });
});
