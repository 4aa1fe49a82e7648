// Field defects of the codec engine (node:http + wirely's codec: Deno's "codec" engine under
// `deno test`, the Node binding under `node --test`), each over a real socket: the request line
// and Host checks, messages before a protocol error, UTF-8 checked inside a frame, and the
// frame-count limit that follows the size limit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Opcode } from "../codec/constants.ts";
import { encodeFrame, encodeFrameHeader } from "../codec/frame_encoder.ts";
import { serve, type ServeOptions } from "./mod.ts";
import { messages, openWs, RawClient, upgradeRequest, within, wsClosed } from "./_helpers_test.ts";

const MASK = new Uint8Array([1, 2, 3, 4]);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Starts a codec-engine echo server; `run` gets it and it is always closed. */
async function withServer(
  options: ServeOptions,
  run: (server: Awaited<ReturnType<typeof serve>>) => Promise<void>,
): Promise<void> {
  const server = await serve({
    engine: "codec",
    port: 0,
    hostname: "127.0.0.1",
    onMessage: (conn, message) => {
      if (conn.state === "open") conn.send(message.data);
    },
    ...options,
  });
  try {
    await run(server);
  } finally {
    await within(server.close(), 5_000, "server close");
  }
}

/** The status line the server answers a raw request head with. */
async function statusOf(port: number, head: string): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.write(head);
    await client.waitFor(() => client.head !== "", "response head");
    return client.head.split("\r\n")[0]!;
  } finally {
    client.destroy();
  }
}

function masked(opcode: number, data: Uint8Array | string, fin = true): Uint8Array {
  const payload = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return encodeFrame(opcode, payload, { fin, mask: MASK });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** What a RawClient received after the 101, as "text:a" / "close:1002" / "opcode:length". */
function received(client: RawClient): string[] {
  return client.frames.map((frame) => {
    if (frame.opcode === Opcode.TEXT) return `text:${text(frame.payload)}`;
    if (frame.opcode === Opcode.CLOSE) {
      return `close:${(frame.payload[0]! << 8) | frame.payload[1]!}`;
    }
    return `${frame.opcode}:${frame.payload.length}`;
  });
}

describe("codec engine: the request line and Host", () => {
  it("refuses an HTTP/1.0 upgrade with 400 and still accepts HTTP/1.1", () =>
    withServer({}, async (server) => {
      const port = server.addr.port;
      const http10 = upgradeRequest("/").replace("HTTP/1.1", "HTTP/1.0");
      assert.match(await statusOf(port, http10), /^HTTP\/1\.1 400 /);
      assert.match(await statusOf(port, upgradeRequest("/")), /^HTTP\/1\.1 101 /);
    }));

  it("refuses the target * and an authority-form target with 400", () =>
    withServer({}, async (server) => {
      const port = server.addr.port;
      assert.match(await statusOf(port, upgradeRequest("*")), /^HTTP\/1\.1 400 /);
      assert.match(await statusOf(port, upgradeRequest("127.0.0.1:80")), /^HTTP\/1\.1 400 /);
    }));

  it("accepts an absolute-form target (on Bun too: serve() reads the head itself)", () =>
    withServer({}, async (server) => {
      const absolute = upgradeRequest(`ws://127.0.0.1:${server.addr.port}/chat`);
      assert.match(await statusOf(server.addr.port, absolute), /^HTTP\/1\.1 101 /);
    }));

  it("refuses a Host with a space or a second host with 400", () =>
    withServer({}, async (server) => {
      const port = server.addr.port;
      for (const host of ["exa mple.com", "a.example, b.example", "a.example:80 x", "@evil"]) {
        const head = upgradeRequest("/", { Host: host });
        assert.match(await statusOf(port, head), /^HTTP\/1\.1 400 /, `Host: ${host}`);
      }
      for (const host of ["example.com:8080", "[::1]:80", "127.0.0.1", "xn--bcher-kva.example"]) {
        const head = upgradeRequest("/", { Host: host });
        assert.match(await statusOf(port, head), /^HTTP\/1\.1 101 /, `Host: ${host}`);
      }
    }));
});

describe("codec engine: messages before a protocol error or a close in the same write", () => {
  it("echoes a and b, then closes with 1002 on a reserved opcode (one write)", () =>
    withServer({}, async (server) => {
      const client = await RawClient.open(server.addr.port);
      const reserved = masked(Opcode.BINARY, "r");
      reserved[0] = 0x83; // FIN + reserved opcode 3
      client.write(concat(masked(Opcode.TEXT, "a"), masked(Opcode.TEXT, "b"), reserved));
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.deepEqual(received(client), ["text:a", "text:b", "close:1002"]);
      await client.waitClosed();
    }));

  it("echoes a, then closes with 1002 on a stray continuation and on an RSV bit", () =>
    withServer({}, async (server) => {
      const rsv = encodeFrame(Opcode.TEXT, new Uint8Array([0x63]), { rsv1: true, mask: MASK });
      for (const bad of [masked(Opcode.CONTINUATION, "c"), rsv]) {
        const client = await RawClient.open(server.addr.port);
        client.write(concat(masked(Opcode.TEXT, "a"), bad));
        await client.waitFor(() => client.closeCode !== undefined, "close frame");
        assert.deepEqual(received(client), ["text:a", "close:1002"]);
        await client.waitClosed();
      }
    }));

  it("echoes a message, then answers the close frame that came in the same write", () =>
    withServer({}, async (server) => {
      const client = await RawClient.open(server.addr.port);
      const close = masked(Opcode.CLOSE, new Uint8Array([0x03, 0xe8]));
      client.write(concat(masked(Opcode.TEXT, "last words"), close));
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.deepEqual(received(client), ["text:last words", "close:1000"]);
      await client.waitClosed();
    }));
});

describe("codec engine: invalid UTF-8 inside one text frame", () => {
  it("closes with 1007 before the rest of a 1 MiB text frame arrives", () =>
    withServer({}, async (server) => {
      const client = await RawClient.open(server.addr.port);
      const header = encodeFrameHeader(Opcode.TEXT, 1_048_576, { mask: MASK });
      // "ok" then 0xff: no UTF-8 text can hold it. The other 1,048,573 bytes never come.
      const start = new Uint8Array([0x6f, 0x6b, 0xff]).map((b, i) => b ^ MASK[i]!);
      client.write(concat(header, start));
      await client.waitFor(() => client.closeCode !== undefined, "close frame");
      assert.deepEqual(received(client), ["close:1007"]);
      await client.waitClosed();
    }));
});

describe("codec engine: the frame-count limit follows maxMessageSize", () => {
  it("echoes 4 MiB sent by ws in 256-byte fragments with maxMessageSize 16 MiB", () =>
    withServer({ limits: { maxMessageSize: 16 * 1_048_576 } }, async (server) => {
      const ws = await openWs(server.url);
      const inbox = messages(ws);
      const size = 4 * 1_048_576;
      const data = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
      for (let at = 0; at < size; at += 256) {
        ws.send(data.subarray(at, at + 256), { fin: at + 256 >= size, binary: true });
      }
      const echo = await inbox.next();
      assert.equal(echo.data.length, size);
      assert.ok(echo.data.every((b, i) => b === ((i * 7) & 0xff)), "echo differs");
      ws.close();
      await wsClosed(ws);
    }));

  it("still closes a flood of 1-byte fragments with 1009", () =>
    withServer({ limits: { maxMessageSize: 16 * 1_048_576 } }, async (server) => {
      const client = await RawClient.open(server.addr.port);
      const limit = (16 * 1_048_576) / 256;
      const one = masked(Opcode.CONTINUATION, new Uint8Array(1), false);
      const flood = new Uint8Array(one.length * limit);
      for (let i = 0; i < limit; i++) flood.set(one, i * one.length);
      client.write(masked(Opcode.BINARY, new Uint8Array(1), false));
      client.write(flood);
      await client.waitFor(() => client.closeCode !== undefined, "close frame", 10_000);
      assert.equal(client.closeCode, 1009);
      await client.waitClosed();
    }));
});
