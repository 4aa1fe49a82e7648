/**
 * A {@linkcode Target} over a real TCP connection to a `ws://` URL. It writes the HTTP upgrade
 * request itself, checks the 101 answer (including `Sec-WebSocket-Accept`), then moves raw
 * frame bytes. Uses `node:net`, which works in Deno, Node and Bun. Every wait is bounded.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import type {
  ConnectOptions,
  Target,
  TargetLimits,
  TargetSession,
  TransportRead,
} from "./target.ts";

/** Options of {@linkcode TcpTarget}. */
export interface TcpTargetOptions {
  /** Limits of the target, if known. @default {} (unknown) */
  limits?: TargetLimits;
  /** Longest wait for the TCP connection and the 101 answer, in milliseconds. @default 5000 */
  connectTimeoutMs?: number;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HEAD = 16 * 1024;

/** Echo target at a `ws://host:port/path` URL. */
export class TcpTarget implements Target {
  readonly name: string;
  readonly limits: TargetLimits;
  readonly deterministic = false;
  readonly #url: URL;
  readonly #connectTimeoutMs: number;

  /**
   * @param url A `ws://` URL.
   * @param options Limits and timeouts.
   */
  constructor(url: string | URL, options: TcpTargetOptions = {}) {
    this.#url = new URL(url);
    if (this.#url.protocol !== "ws:") {
      throw new TypeError(
        `Cannot create a TCP target as 'url' must be ws://: current value is ${this.#url.href}`,
      );
    }
    this.name = this.#url.href;
    this.limits = options.limits ?? {};
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  }

  /** The URL's `host:port`, for request heads. */
  get host(): string {
    return this.#url.host;
  }

  /** See {@linkcode Target.request}: the status line of the answer to a raw request head. */
  async request(head: string): Promise<string> {
    const socket = connect({
      host: this.#url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(this.#url.port || 80),
    });
    const session = new TcpSession(socket);
    try {
      await session.send(new TextEncoder().encode(head));
      let answer = "";
      const deadline = performance.now() + this.#connectTimeoutMs;
      while (!answer.includes("\r\n") && performance.now() < deadline) {
        const read = await session.read(deadline - performance.now());
        if (read.type !== "bytes") break;
        answer += new TextDecoder("latin1").decode(read.bytes);
      }
      const end = answer.indexOf("\r\n");
      return end === -1 ? "no status line" : answer.slice(0, end);
    } finally {
      await session.dispose();
    }
  }

  async connect(options: ConnectOptions = {}): Promise<TargetSession> {
    const socket = connect({
      host: this.#url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(this.#url.port || 80),
    });
    socket.setNoDelay(true);
    const session = new TcpSession(socket);
    try {
      await session.handshake(this.#url, this.#connectTimeoutMs, options.extensions);
    } catch (error) {
      await session.dispose();
      throw error;
    }
    return session;
  }
}

class TcpSession implements TargetSession {
  readonly #socket: Socket;
  #queue: Uint8Array[] = [];
  #ended = false;
  #error: string | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    socket.on("end", end);
    socket.on("close", end);
    // A reset after the target closed is an ordinary end of the stream.
    socket.on("error", (error: Error) => {
      this.#error ??= error.message;
      end();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves when data or the end arrives, or after `ms`. */
  #waitEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The target's `Sec-WebSocket-Extensions` answer (`""`: none). */
  extensions = "";

  async handshake(url: URL, timeoutMs: number, offer?: string): Promise<void> {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const request = [
      `GET ${url.pathname}${url.search} HTTP/1.1`,
      `Host: ${url.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...(offer === undefined ? [] : [`Sec-WebSocket-Extensions: ${offer}`]),
      "",
      "",
    ].join("\r\n");
    await this.send(new TextEncoder().encode(request));
    const deadline = performance.now() + timeoutMs;
    let head = new Uint8Array(0);
    for (;;) {
      const end = findHeadEnd(head);
      if (end >= 0) {
        const rest = head.subarray(end + 4);
        if (rest.length > 0) this.#queue.unshift(rest);
        const text = new TextDecoder().decode(head.subarray(0, end));
        this.extensions = await checkResponse(text, key, offer !== undefined);
        return;
      }
      if (head.length > MAX_HEAD) throw new Error("the upgrade response head is too large");
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        continue;
      }
      if (this.#ended) {
        const why = this.#error === undefined ? "" : `: ${this.#error}`;
        throw new Error(`the connection ended during the upgrade${why}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no upgrade response within ${timeoutMs} ms`);
      await this.#waitEvent(left);
    }
  }

  send(bytes: Uint8Array): Promise<void> {
    if (this.#ended || this.#socket.destroyed || this.#socket.writableEnded) {
      return Promise.resolve();
    }
    // Write errors (the target closed first) surface as the end of the stream, not here.
    return new Promise((resolve) => this.#socket.write(bytes, () => resolve()));
  }

  async read(maxWaitMs: number): Promise<TransportRead> {
    for (let waited = false;; waited = true) {
      const chunk = this.#queue.shift();
      if (chunk !== undefined) return { type: "bytes", bytes: chunk };
      if (this.#ended) return { type: "eof" };
      if (waited) return { type: "idle" };
      await this.#waitEvent(maxWaitMs);
    }
  }

  dispose(): Promise<void> {
    this.#ended = true;
    this.#socket.destroy();
    return Promise.resolve();
  }
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Checks the 101 answer; returns its `Sec-WebSocket-Extensions` (`""`: none). */
async function checkResponse(head: string, key: string, offered: boolean): Promise<string> {
  const [statusLine = "", ...lines] = head.split("\r\n");
  if (!/^HTTP\/1\.1 101\b/.test(statusLine)) {
    throw new Error(`the target answered the upgrade with "${statusLine}"`);
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
  const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
  if (headers.get("sec-websocket-accept") !== accept) {
    throw new Error(`wrong Sec-WebSocket-Accept: ${headers.get("sec-websocket-accept")}`);
  }
  if (headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new Error(`wrong Upgrade header: ${headers.get("upgrade")}`);
  }
  const extensions = headers.get("sec-websocket-extensions") ?? "";
  if (extensions !== "" && !offered) {
    throw new Error("the target accepted an extension the suite did not offer");
  }
  return extensions;
}
