// What a peer can make the server read and hold: after the server failed a connection it reads
// no more than a close frame needs (RFC 6455 7.1.7), and a peer that never reads its echoes
// stops being read from (codec engine) or is closed with 1008 (native engine of Deno or Bun, which cannot pause).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import process from "node:process";
import { serve, type ServerConnection, type ServerEngine } from "./mod.ts";
import { CLOSED_READ_BUDGET } from "./_codec_transport.ts";
import { encodeFrame } from "../codec/frame_encoder.ts";
import { inBun } from "../testing/runtime.ts";
import { inDeno, RawClient, until, upgradeRequest, within } from "./_helpers_test.ts";

const MiB = 1_048_576;
const MASK = new Uint8Array([1, 2, 3, 4]);

/** Resolves `true` on `drain`, `false` if the socket closed or nothing drained within `ms`. */
function drained(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      clearTimeout(timer);
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(value);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/**
 * Writes `chunk` up to `count` times, as fast as the server reads; stops early when the socket
 * closes or the server stopped reading (no drain within `stallMs`). Returns the bytes written.
 */
async function flood(
  socket: net.Socket,
  chunk: Uint8Array,
  count: number,
  stallMs: number,
): Promise<number> {
  let written = 0;
  for (let i = 0; i < count && !socket.destroyed && socket.writable; i++) {
    const ok = socket.write(chunk);
    written += chunk.length;
    if (!ok && !(await drained(socket, stallMs))) break;
  }
  return written;
}

/**
 * A peer that keeps sending after the server's close frame and FIN (half-open allowed, as a
 * hostile peer would): upgraded, then it sends an unmasked frame (1002).
 */
async function failingPeer(port: number): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  socket.on("error", () => {});
  let text = "";
  socket.on("data", (chunk: Uint8Array) => text += new TextDecoder("latin1").decode(chunk));
  await within(new Promise((resolve) => socket.once("connect", resolve)), 5_000, "connect");
  socket.write(upgradeRequest());
  await until(() => text.includes("\r\n\r\n"), 2_000, "the 101 answer");
  assert.ok(text.startsWith("HTTP/1.1 101"), text);
  socket.write(encodeFrame(0x1, new TextEncoder().encode("unmasked"))); // no mask: 1002
  return { socket, received: () => text };
}

describe("reads after the server failed a connection (codec engine)", () => {
  it("reads at most a small budget after a 1002, however much the peer pushes", async () => {
    let conn: ServerConnection | undefined;
    const closes: { code: number; received: number }[] = [];
    const server = await serve({
      engine: "codec",
      port: 0,
      hostname: "127.0.0.1",
      limits: {
        closeTimeout: 1_000, // then the socket is destroyed: bytes are what is measured
        maxMessageSize: 65_536, // the budget after a failure is 64 KiB + maxMessageSize
      },
      onOpen: (c) => void (conn = c),
      onClose: (c, info) => void closes.push({ code: info.code, received: c.bytesReceived }),
    });
    try {
      const peer = await failingPeer(server.addr.port);
      await until(() => conn !== undefined && conn.state !== "open", 2_000, "the failure");
      const before = conn!.bytesReceived;
      const written = await within(
        flood(peer.socket, new Uint8Array(65_536).fill(0x42), 512, 2_000),
        20_000,
        "the flood",
      );
      peer.socket.destroy();
      await until(() => closes.length === 1, 5_000, "onClose");
      const after = closes[0]!.received - before;
      console.log(`peer wrote ${written} bytes after the 1002; the server read ${after}`);
      assert.equal(closes[0]!.code, 1002);
      // The budget plus the chunk that crossed it (a read is at most 64 KiB on Node, more on Deno).
      const budget = CLOSED_READ_BUDGET + 65_536;
      assert.ok(after <= budget + MiB, `the server read ${after} bytes after failing`);
    } finally {
      await within(server.close(), 8_000, "server close");
    }
  });
});

/** A server whose echo of 1 MiB messages a peer never reads; returns what it measured. */
async function slowReader(engine: ServerEngine): Promise<{
  written: number;
  received: number;
  maxBuffered: number;
  state: string;
  code: number | undefined;
  rssGrowth: number;
}> {
  const cap = 4 * MiB;
  let conn: ServerConnection | undefined;
  let maxBuffered = 0;
  let code: number | undefined;
  const server = await serve({
    engine,
    port: 0,
    hostname: "127.0.0.1",
    limits: { maxBufferedBytes: cap, maxMessageSize: 2 * MiB },
    heartbeat: { interval: 0 },
    onOpen: (c) => void (conn = c),
    onMessage: (c, message) => {
      if (c.state !== "open") return;
      c.send(message.data);
      maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
    },
    onClose: (_c, info) => void (code = info.code),
  });
  try {
    const client = await RawClient.open(server.addr.port);
    client.socket.pause(); // never read the echoes
    await until(() => conn !== undefined, 2_000, "onOpen");
    const rss = process.memoryUsage().rss;
    const message = encodeFrame(0x2, new Uint8Array(MiB).fill(7), { mask: MASK });
    // 256 MiB if the server reads without bound; it stops well before when it pauses.
    const written = await within(flood(client.socket, message, 256, 1_000), 60_000, "the flood");
    const rssGrowth = process.memoryUsage().rss - rss;
    const result = {
      written,
      received: conn!.bytesReceived,
      maxBuffered,
      state: conn!.state,
      code,
      rssGrowth,
    };
    console.log(`${engine}: ${JSON.stringify(result)}`);
    client.destroy();
    return result;
  } finally {
    await within(server.close(), 15_000, "server close");
  }
}

describe("a peer that never reads its echoes", () => {
  it("codec engine: stops reading from it while its backlog is over half the cap", async () => {
    const cap = 4 * MiB;
    const r = await slowReader("codec");
    assert.equal(r.state, "open", "the connection is throttled, not closed");
    assert.ok(r.maxBuffered <= cap + MiB + 64, `backlog ${r.maxBuffered}`);
    // Half the cap waiting in our buffer, the kernels' socket buffers, and one read in flight.
    assert.ok(r.received <= 48 * MiB, `the server read ${r.received} bytes`);
    assert.ok(r.rssGrowth <= 256 * MiB, `RSS grew by ${r.rssGrowth} bytes`);
  });

  it(
    "native engine: cannot pause reading, closes it with 1008 once the backlog passes the cap",
    { skip: inDeno || inBun ? false : "the native engine needs Deno or Bun" },
    async () => {
      const cap = 4 * MiB;
      const r = await slowReader("native");
      assert.equal(r.code, 1008);
      assert.equal(r.state, "closed");
      assert.ok(r.maxBuffered <= cap + 2 * MiB, `backlog ${r.maxBuffered}`);
      assert.ok(r.received <= 64 * MiB, `the server read ${r.received} bytes`);
      assert.ok(r.rssGrowth <= 256 * MiB, `RSS grew by ${r.rssGrowth} bytes`);
    },
  );
});
