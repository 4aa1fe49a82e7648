// permessage-deflate on the codec engine, at the frame level with a raw TCP client: each offer
// (defaults, client_max_window_bits, either no_context_takeover, server window bits down to 9,
// client window bits 9) x payload sizes around the threshold and frame-header lengths x whole or
// 1000-byte frames, checked from RSV1 and the inflated echo; and the server keeping a client's
// window when `clientNoContextTakeover: false` lets the client take its context over.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { constants, createDeflateRaw, type DeflateRaw } from "node:zlib";
import { Opcode } from "../codec/constants.ts";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { serve, type ServedWebSocketServer, type ServerOptions } from "./mod.ts";
import { RawClient } from "./_helpers_test.ts";

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo server on the codec engine; `options` on top. */
async function echoServer(options: ServerOptions = {}): Promise<ServedWebSocketServer> {
  const server = await serve({
    port: 0,
    hostname: "127.0.0.1",
    engine: "codec",
    heartbeat: { interval: 0 },
    onMessage: (conn, message) => conn.send(message.data),
    ...options,
  });
  cleanups.push(() => server.close());
  return server;
}

function pattern(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i % 17) * 3);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Inflates a frame the server compressed (or returns it as is). */
function payloadOf(frame: { rsv1: boolean; payload: Uint8Array }): Uint8Array {
  if (!frame.rsv1) return frame.payload;
  const tailed = new Uint8Array(frame.payload.length + 4);
  tailed.set(frame.payload);
  tailed.set([0, 0, 0xff, 0xff], frame.payload.length);
  return zlibDeflate.inflate(tailed, { maxOutputLength: 4 * 1_048_576 })!;
}

/** Sends `data` compressed with `windowBits`, in frames of `fragment` bytes (0: one frame). */
function sendCompressed(
  raw: RawClient,
  data: Uint8Array,
  windowBits: number,
  fragment: number,
): void {
  const full = zlibDeflate.deflate(data, { windowBits, level: 6, memLevel: 8 });
  const packed = full.subarray(0, full.length - 4);
  const step = fragment === 0 ? Math.max(1, packed.length) : fragment;
  for (let i = 0; i === 0 || i < packed.length; i += step) {
    const fin = i + step >= packed.length;
    raw.sendFrame(
      i === 0 ? Opcode.BINARY : Opcode.CONTINUATION,
      packed.subarray(i, i + step),
      true,
      fin,
      i === 0,
    );
  }
}

describe("permessage-deflate matrix: offers x sizes x fragmentation (raw client)", () => {
  const OFFERS: [string, RegExp, number][] = [
    [
      "permessage-deflate",
      /^permessage-deflate; server_no_context_takeover; client_no_context_takeover$/,
      15,
    ],
    ["permessage-deflate; client_max_window_bits", /client_no_context_takeover$/, 15],
    ["permessage-deflate; client_no_context_takeover", /client_no_context_takeover$/, 15],
    ["permessage-deflate; server_no_context_takeover", /server_no_context_takeover/, 15],
    ["permessage-deflate; server_max_window_bits=9", /server_max_window_bits=9$/, 15],
    [
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9",
      /server_max_window_bits=12$/,
      9,
    ],
  ];
  const SIZES = [0, 1, 125, 1023, 1024, 65_536, 300_000];
  for (const [offer, answer, clientBits] of OFFERS) {
    it(`${offer}: echoes every size, whole and in 1000-byte frames`, async () => {
      const server = await echoServer();
      const raw = await RawClient.open(server.addr.port, "/", {
        "Sec-WebSocket-Extensions": offer,
      });
      cleanups.push(() => raw.destroy());
      const header = /\r\nsec-websocket-extensions: ([^\r]*)\r\n/i.exec(raw.head)?.[1] ?? "";
      assert.match(header, answer);
      let expected = 0;
      for (const size of SIZES) {
        for (const fragment of [0, 1000]) {
          const data = pattern(size);
          sendCompressed(raw, data, clientBits, fragment);
          expected++;
          await raw.waitFor(() => raw.frames.length >= expected, `echo of ${size}`, 5_000);
          const echo = raw.frames[expected - 1]!;
          assert.equal(echo.rsv1, size >= 1024, `RSV1 of the ${size}-byte echo`);
          assert.deepEqual(
            Uint8Array.from(payloadOf(echo)),
            data,
            `echo of ${size} bytes in ${fragment || "one"}`,
          );
        }
      }
    });
  }

  it("clientNoContextTakeover: false lets a client refer to its earlier messages", async () => {
    const server = await echoServer({ perMessageDeflate: { clientNoContextTakeover: false } });
    const raw = await RawClient.open(server.addr.port, "/", {
      "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    });
    cleanups.push(() => raw.destroy());
    assert.match(raw.head, /extensions: permessage-deflate; server_no_context_takeover\r\n/);
    const deflater: DeflateRaw = createDeflateRaw();
    const compress = (data: Uint8Array): Promise<Uint8Array> =>
      new Promise((resolve) => {
        const chunks: Uint8Array[] = [];
        const onData = (chunk: Uint8Array) => chunks.push(chunk);
        deflater.on("data", onData);
        deflater.write(data);
        deflater.flush(constants.Z_SYNC_FLUSH, () => {
          deflater.off("data", onData);
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const chunk of chunks) all.set(chunk, at), at += chunk.length;
          resolve(all.subarray(0, all.length - 4));
        });
      });
    const message = text("the same sentence, again and again. ".repeat(40));
    for (let i = 1; i <= 4; i++) {
      const packed = await compress(message);
      // After the first, the message is mostly back-references into the previous ones.
      if (i > 1) assert.ok(packed.length < 30, `message ${i} compressed to ${packed.length}`);
      raw.sendFrame(Opcode.BINARY, packed, true, true, true);
      await raw.waitFor(() => raw.frames.length >= i, `echo ${i}`, 5_000);
      assert.deepEqual(Uint8Array.from(payloadOf(raw.frames[i - 1]!)), message);
    }
    deflater.close();
  });
});
