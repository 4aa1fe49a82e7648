// Shared helpers for the server tests (no tests here): bounded waits, a `ws` client, and a raw
// TCP client that speaks frames byte by byte.
import assert from "node:assert/strict";
import * as net from "node:net";
import process from "node:process";
import WebSocket from "ws";
import { encodeFrame } from "../codec/frame_encoder.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import type { Frame } from "../codec/frame.ts";
import { until, within } from "../testing/async.ts";
export { until, within };

export { WebSocket };

/** Whether the tests run in Deno (native WebSocket client available). */
export const inDeno: boolean = (globalThis as { Deno?: unknown }).Deno !== undefined;

/**
 * The kinds of this process's active handles (sockets, servers, timers: Node's
 * `process.getActiveResourcesInfo()`, which Deno implements for its `node:` modules and timers
 * but not for `Deno.serve`), or `undefined` where the runtime cannot tell.
 */
export function activeResources(): string[] | undefined {
  const scope = process as { getActiveResourcesInfo?: () => string[] };
  return scope.getActiveResourcesInfo?.();
}

/** The entries of `now` beyond those of `baseline` (a multiset difference). */
export function beyond(now: readonly string[], baseline: readonly string[]): string[] {
  const left = [...baseline];
  return now.filter((kind) => {
    const i = left.indexOf(kind);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

/** A received `ws` message. */
export interface WsMessage {
  data: Uint8Array;
  binary: boolean;
}

/** Messages of a `ws` client; `next()` waits for the next one (5 s at most). */
export interface Inbox {
  next(): Promise<WsMessage>;
}

const inboxes = new WeakMap<WebSocket, Inbox>();

/**
 * Opens a `ws` client and waits for `open` (5 s at most). Its messages are collected from the
 * start (a server may send in the same packet as its 101): read them with {@linkcode messages}.
 */
export function openWs(
  url: string,
  protocols?: string | string[],
  options?: WebSocket.ClientOptions,
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { maxPayload: 64 * 1_048_576, ...options });
  messages(ws);
  return within(
    new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    }),
    5_000,
    `open ${url}`,
  );
}

/** The inbox of a `ws` client (created on first call; {@linkcode openWs} creates it early). */
export function messages(ws: WebSocket): Inbox {
  const existing = inboxes.get(ws);
  if (existing) return existing;
  const queue: WsMessage[] = [];
  const waiters: ((message: WsMessage) => void)[] = [];
  ws.on("message", (data: Uint8Array, binary: boolean) => {
    const message = { data: new Uint8Array(data), binary };
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const inbox: Inbox = {
    next: () => {
      const message = queue.shift();
      if (message) return Promise.resolve(message);
      return within(new Promise((resolve) => waiters.push(resolve)), 5_000, "next message");
    },
  };
  inboxes.set(ws, inbox);
  return inbox;
}

/** Waits for a `ws` client's close event (5 s at most). */
export function wsClosed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: "" });
  return within(
    new Promise((resolve) => {
      ws.once(
        "close",
        (code: number, reason: Uint8Array) =>
          resolve({ code, reason: new TextDecoder().decode(reason) }),
      );
    }),
    5_000,
    "ws close",
  );
}

/** Connects a `ws` client that must be refused; resolves with the HTTP status and body. */
export function refused(
  url: string,
  protocols?: string[],
  options?: WebSocket.ClientOptions,
): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url, protocols, options);
  return within(
    new Promise((resolve, reject) => {
      ws.once("open", () => reject(new Error("the upgrade was accepted")));
      ws.once("error", (error) => reject(error));
      ws.once("unexpected-response", (request, response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => body += chunk);
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body });
          request.destroy();
        });
      });
    }),
    5_000,
    `refusal of ${url}`,
  );
}

const MASK = new Uint8Array([1, 2, 3, 4]);

/** A TCP client that sends raw bytes and decodes the server's frames. */
export class RawClient {
  readonly socket: net.Socket;
  /** The HTTP response head, once received. */
  head = "";
  readonly frames: Frame[] = [];
  closed = false;
  #buffer = new Uint8Array(0);
  #decoder = new FrameDecoder({ role: "client", maxPayloadSize: Infinity, allowedRsv: 4 });

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("error", () => {});
    socket.on("close", () => this.closed = true);
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<RawClient> {
    return within(
      new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => resolve(new RawClient(socket)));
        socket.once("error", reject);
      }),
      5_000,
      "tcp connect",
    );
  }

  /** Connects and completes a valid handshake (throws unless the answer is 101). */
  static async open(
    port: number,
    path = "/",
    extra: Record<string, string> = {},
  ): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.write(upgradeRequest(path, extra));
    await client.waitFor(() => client.head !== "", "101 response");
    if (!client.head.startsWith("HTTP/1.1 101")) throw new Error(`refused: ${client.head}`);
    return client;
  }

  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Sends one frame, masked unless `masked` is false. */
  sendFrame(
    opcode: number,
    payload: Uint8Array | string,
    masked = true,
    fin = true,
    rsv1 = false,
  ): void {
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.write(encodeFrame(opcode, bytes, { fin, rsv1, mask: masked ? MASK : undefined }));
  }

  /** Waits (2 s at most by default) until `check` holds. */
  waitFor(check: () => boolean, what: string, ms = 2_000): Promise<void> {
    return until(check, ms, what);
  }

  /** Waits for the transport to close. */
  waitClosed(ms = 2_000): Promise<void> {
    return until(() => this.closed, ms, "raw socket close");
  }

  /** The first close frame's code, if one arrived. */
  get closeCode(): number | undefined {
    const frame = this.frames.find((f) => f.opcode === 0x8);
    if (frame === undefined || frame.payload.length < 2) return undefined;
    return (frame.payload[0]! << 8) | frame.payload[1]!;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Uint8Array): void {
    if (this.head === "") {
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
      const text = new TextDecoder("latin1").decode(joined);
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) {
        this.#buffer = joined;
        return;
      }
      this.head = text.slice(0, end + 4);
      chunk = joined.subarray(end + 4);
      this.#buffer = new Uint8Array(0);
      if (!this.head.startsWith("HTTP/1.1 101")) return;
    }
    if (chunk.length > 0) this.#decoder.push(chunk.slice(), (frame) => this.frames.push(frame));
  }
}

/** A valid upgrade request head with optional extra header lines. */
export function upgradeRequest(path = "/", extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join("")}\r\n`;
}

/**
 * Sends a text message ("héllo") and 100,000 bytes through an echo server on `ws` and checks that
 * both come back unchanged and of the same kind (the examples' echo check).
 */
export async function expectEcho(ws: WebSocket): Promise<void> {
  const inbox = messages(ws);
  ws.send("héllo");
  const text = await inbox.next();
  assert.equal(text.binary, false);
  assert.equal(new TextDecoder().decode(text.data), "héllo");
  const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
  ws.send(bytes);
  const binary = await inbox.next();
  assert.equal(binary.binary, true);
  assert.deepEqual(binary.data, bytes);
}
