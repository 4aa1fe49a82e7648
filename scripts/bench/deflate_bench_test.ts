// Smoke test of the permessage-deflate benchmark's generator (`deno task bench:deflate`): tiny
// counts against wirely's codec engine and a ws server with deflate; only counting is checked
// (every message comes back, compressed: RSV1 seen on the wire), no rates or timing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { constants, inflateRawSync } from "node:zlib";
import { WebSocketServer } from "ws";
import { serve } from "../../server/mod.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";
import { DeflateSession } from "./deflate_load.ts";
import { chatMessages, deflateMessage } from "./deflate_messages.ts";

const RUN_MS = 150;

async function startWs(): Promise<BenchServer> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true },
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(data, { binary })));
  const address = wss.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    connections: () => wss.clients.size,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

describe("permessage-deflate benchmark generator", () => {
  let wirely: BenchServer;
  let ws: BenchServer;
  before(async () => {
    wirely = await startWirely(serve, "codec");
    ws = await startWs();
  });
  after(async () => {
    await wirely.stop();
    await ws.stop();
  });

  it("chat messages are distinct JSON of at least 1 KiB that compress and inflate back", () => {
    const messages = chatMessages(32);
    assert.equal(new Set(messages).size, 32);
    for (const text of messages) {
      assert.ok(text.length >= 1024 && text.length < 1200, `${text.length} bytes`);
      assert.equal(typeof JSON.parse(text).user.name, "string");
      const data = new TextEncoder().encode(text);
      const packed = deflateMessage(data);
      assert.ok(packed.length < data.length * 0.8, `${packed.length} of ${data.length}`);
      const tail = new Uint8Array([0, 0, 0xff, 0xff]);
      const whole = new Uint8Array([...packed, ...tail]);
      assert.equal(
        new TextDecoder().decode(inflateRawSync(whole, { finishFlush: constants.Z_SYNC_FLUSH })),
        text,
      );
    }
  });

  for (const name of ["wirely", "ws"] as const) {
    const port = () => (name === "wirely" ? wirely : ws).port;

    it(`${name}: echo on 3 connections; every message comes back compressed`, async () => {
      const session = await DeflateSession.open({
        kind: "echo",
        port: port(),
        connections: 3,
        deflate: true,
        window: 4,
      });
      const result = await session.run(RUN_MS, 2_000);
      await session.close();
      assert.ok(result.drained);
      assert.ok(result.ops > 0, `echoed ${result.ops}`);
      assert.equal(result.compressed, result.ops);
      assert.ok(result.wireIn < result.ops * 1024, `${result.wireIn} bytes for ${result.ops}`);
    });

    it(`${name}: idle connections exchange 2 messages each, all compressed`, async () => {
      const session = await DeflateSession.open({
        kind: "idle",
        port: port(),
        connections: 10,
        deflate: true,
        window: 1,
      });
      const result = await session.exchange(2, 10_000);
      await session.close();
      assert.ok(result.drained);
      assert.equal(result.ops, 20);
      assert.equal(result.compressed, 20);
    });

    it(`${name}: without the offer, echoes come back uncompressed`, async () => {
      const session = await DeflateSession.open({
        kind: "idle",
        port: port(),
        connections: 2,
        deflate: false,
        window: 1,
      });
      const result = await session.exchange(1, 10_000);
      await session.close();
      assert.equal(result.ops, 2);
      assert.equal(result.compressed, 0);
    });
  }

  it("wirely: broadcast reaches each of 5 receivers, compressed", async () => {
    const session = await DeflateSession.open({
      kind: "broadcast",
      port: wirely.port,
      connections: 5,
      deflate: true,
      window: 4,
    });
    assert.equal(session.size, 6);
    const result = await session.run(RUN_MS, 2_000);
    await session.close();
    assert.ok(result.drained);
    assert.ok(result.ops > 0, `delivered ${result.ops}`);
    assert.equal(result.compressed, result.ops);
  });
});
