// Interop over real sockets on both engines of serve(), with three clients (ws, Deno's WebSocket,
// python-websockets): text and binary echoes at the sizes where the frame header changes (0, 1,
// 125, 126, 65535, 65536 bytes), 1 MiB and 16 MiB, compared in full; and messages the client
// sends in several frames (ws with `send(data, { fin: false })`, python with an iterable; the
// WebSocket API of Deno cannot fragment).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { serve, type ServedWebSocketServer, type ServerEngine } from "./mod.ts";
import { runPython, skipWithoutPythonWebsockets } from "../testing/python.ts";
import { inBun } from "../testing/runtime.ts";
import { inDeno, until, WebSocket, within } from "./_helpers_test.ts";

const MIB = 1_048_576;
const SIZES = [0, 1, 125, 126, 65_535, 65_536, MIB, 16 * MIB];
/** Milliseconds for one echo (16 MiB each way on a busy 2-core machine takes well under 1 s). */
const ECHO_MS = 20_000;
const PYTHON_CLIENT = fileURLToPath(new URL("./testdata/python_sizes.py", import.meta.url));

type Data = string | Uint8Array;

/** `size` bytes with a period of 251 (never aligned with the 4-byte mask). */
function bytesOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

/** A string whose UTF-8 encoding is `size` bytes, mostly 2-byte characters. */
function textOf(size: number): string {
  return "é".repeat(size >> 1) + "a".repeat(size & 1);
}

function assertSame(got: Data, want: Data, what: string): void {
  if (typeof want === "string") {
    assert.equal(typeof got, "string", `${what}: got a binary message`);
    assert.ok(got === want, `${what}: got ${got.length} characters, want ${want.length}`);
    return;
  }
  assert.ok(got instanceof Uint8Array, `${what}: got a text message`);
  const same = Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want);
  assert.ok(same, `${what}: got ${got.length} bytes that differ from the ${want.length} sent`);
}

/** A connected client: messages in arrival order, text as strings. */
interface Peer {
  send(data: Data): void;
  next(what: string): Promise<Data>;
  close(): Promise<number>;
}

function inbox(): { push(data: Data): void; next(what: string): Promise<Data> } {
  const queue: Data[] = [];
  const waiters: ((data: Data) => void)[] = [];
  return {
    push: (data) => {
      const waiter = waiters.shift();
      if (waiter) waiter(data);
      else queue.push(data);
    },
    next: (what) => {
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      return within(new Promise((resolve) => waiters.push(resolve)), ECHO_MS, what);
    },
  };
}

async function wsPeer(url: string): Promise<Peer & { ws: WebSocket }> {
  const ws = new WebSocket(url, { maxPayload: 64 * MIB });
  const messages = inbox();
  ws.on("message", (data: Buffer, binary: boolean) => {
    messages.push(binary ? new Uint8Array(data) : data.toString("utf8"));
  });
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  await within(
    new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    }),
    5_000,
    "ws open",
  );
  return {
    ws,
    send: (data) => ws.send(data),
    next: messages.next,
    close: () => (ws.close(1000), within(closed, 5_000, "ws close")),
  };
}

async function denoPeer(url: string): Promise<Peer> {
  const ws = new globalThis.WebSocket(url);
  ws.binaryType = "arraybuffer";
  const messages = inbox();
  ws.onmessage = (event) => {
    messages.push(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
  };
  const closed = new Promise<number>((resolve) => ws.onclose = (event) => resolve(event.code));
  await within(
    new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    }),
    5_000,
    "Deno WebSocket open",
  );
  return {
    send: (data) => ws.send(data as string | Uint8Array<ArrayBuffer>),
    next: messages.next,
    close: () => (ws.close(1000), within(closed, 5_000, "Deno WebSocket close")),
  };
}

async function echoEverySize(peer: Peer): Promise<void> {
  for (const size of SIZES) {
    const text = textOf(size);
    peer.send(text);
    assertSame(await peer.next(`text echo of ${size} B`), text, `text of ${size} B`);
    const bytes = bytesOf(size);
    peer.send(bytes);
    assertSame(await peer.next(`binary echo of ${size} B`), bytes, `binary of ${size} B`);
  }
  assert.equal(await peer.close(), 1000);
}

/** Sends `parts` as the frames of one ws message (`fin: false` on all but the last). */
function sendFragments(ws: WebSocket, parts: Uint8Array[], binary: boolean): void {
  parts.forEach((part, i) => ws.send(part, { binary, fin: i === parts.length - 1 }));
}

const PYTHON_SKIP = skipWithoutPythonWebsockets(PYTHON_CLIENT);

for (const engine of ["codec", "native"] as ServerEngine[]) {
  const skip = engine === "native" && !inDeno && !inBun
    ? "the native engine needs Deno or Bun"
    : false;
  describe(`interop at every size (engine "${engine}")`, { skip }, () => {
    let server: ServedWebSocketServer;

    before(async () => {
      server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        limits: { maxMessageSize: 16 * MIB },
        onMessage: (conn, message) => {
          if (conn.state === "open") conn.send(message.data);
        },
      });
    });

    after(async () => {
      await within(server.close(), 5_000, "server close");
      assert.equal(server.clients.size, 0);
    });

    it("ws: text and binary echo from 0 B to 16 MiB", async () => {
      await echoEverySize(await wsPeer(server.url));
    });

    it("ws: messages sent in several frames, with a ping between two of them", async () => {
      const peer = await wsPeer(server.url);
      const pong = new Promise<Buffer>((resolve) => peer.ws.once("pong", resolve));
      const text = new TextEncoder().encode("héllo wörld");
      // The first cut splits the 2 bytes of "é" across two frames.
      sendFragments(peer.ws, [text.subarray(0, 2), text.subarray(2, 7), text.subarray(7)], false);
      assertSame(await peer.next("3-frame text"), "héllo wörld", "3-frame text");
      const small = bytesOf(1000);
      peer.ws.send(new Uint8Array(0), { binary: true, fin: false });
      peer.ws.ping("between frames");
      sendFragments(
        peer.ws,
        [small.subarray(0, 500), small.subarray(500), new Uint8Array(0)],
        true,
      );
      assertSame(await peer.next("binary with empty frames"), small, "binary with empty frames");
      assert.equal((await within(pong, 5_000, "pong")).toString(), "between frames");
      const big = bytesOf(16 * MIB);
      const parts = Array.from(
        { length: 256 },
        (_, i) => big.subarray(i * 65_536, (i + 1) * 65_536),
      );
      sendFragments(peer.ws, parts, true);
      assertSame(await peer.next("16 MiB in 256 frames"), big, "16 MiB in 256 frames");
      assert.equal(await peer.close(), 1000);
    });

    it("Deno's WebSocket: text and binary echo from 0 B to 16 MiB", {
      skip: inDeno ? false : "Deno's WebSocket client exists only in Deno",
    }, async () => {
      await echoEverySize(await denoPeer(server.url));
    });

    it("python-websockets: echo from 0 B to 16 MiB and fragmented messages", {
      skip: PYTHON_SKIP,
    }, async () => {
      const { code, output } = await runPython(PYTHON_CLIENT, [server.url], 60_000);
      assert.equal(code, 0, output);
      assert.equal(output.match(/^ok /gm)?.length, 2 * SIZES.length + 4 + 1, output);
      await until(() => server.clients.size === 0, 5_000, "python connection released");
    });
  });
}
