/**
 * The per-connection objects of the `node:http` binding, kept small (memory per idle
 * connection): the {@linkcode ByteSocket} adapter, whose socket listeners are shared functions (the
 * handlers hang on the socket under a symbol), and the {@linkcode UpgradeRequest}, whose
 * `headers` and `url` are built on first use from what Node already parsed.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import type { ByteSocket, ByteSocketHandlers } from "./transport.ts";
import { canShareReads, shareReads } from "./_node_shared_read.ts";
import type { UpgradeRequest } from "./types.ts";
import type { HeaderLookup } from "./upgrade.ts";

const HANDLERS: unique symbol = Symbol("wirely.handlers");

type Wired = NetSocket & { [HANDLERS]?: ByteSocketHandlers };

function onData(this: Wired, chunk: Uint8Array): void {
  this[HANDLERS]!.data(chunk);
}
/** A read into the buffer shared by every socket (see `_node_shared_read.ts`). */
function onSharedRead(this: Wired, length: number, buffer: Uint8Array): void {
  this[HANDLERS]!.data(new Uint8Array(buffer.buffer, buffer.byteOffset, length));
}
function onEnd(this: Wired): void {
  this[HANDLERS]!.end();
}
function onDrain(this: Wired): void {
  this[HANDLERS]!.drain();
}
function destroyThis(this: Wired): void {
  this.destroy();
}
function onClose(this: Wired): void {
  this[HANDLERS]!.closed();
}

/**
 * Node's (and Bun's) global `Buffer`, read from the global object: Deno's entry loads this module
 * too (for {@linkcode RawHeaders}) and must not import `node:buffer`.
 */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } })
  .Buffer;

/**
 * The buffer of a received payload that spans reads: memory that is not zeroed first (the
 * decoder writes every byte of it), as a plain `Uint8Array` (not a `Buffer`, whose `slice`
 * shares memory where a `Uint8Array`'s copies). Absent without a global `Buffer`.
 */
const allocateUnzeroed = NodeBuffer === undefined ? undefined : (size: number): Uint8Array => {
  const buffer = NodeBuffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
};

/** Adapts a `node:net` socket to the runtime-neutral {@linkcode ByteSocket}. */
export class NodeSocket implements ByteSocket {
  readonly #socket: Wired;
  /** Bytes read with the request head; released once delivered (a view of the read buffer). */
  #head: Uint8Array | undefined;
  /** Whether the transport paused reading (the binding may hand over a paused socket). */
  #paused = false;
  /** See `ByteSocket.reusesReadBuffer`: the socket will read into the shared buffer. */
  readonly reusesReadBuffer: boolean;

  constructor(socket: NetSocket, head: Uint8Array) {
    this.#socket = socket;
    this.#head = head.length > 0 ? head : undefined;
    this.reusesReadBuffer = canShareReads(socket);
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** See `ByteSocket.allocate`. */
  get allocate(): ((size: number) => Uint8Array) | undefined {
    return allocateUnzeroed;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.#socket;
    if (chunks.length === 1) return socket.write(chunks[0]!);
    socket.cork();
    let ok = true;
    for (const chunk of chunks) ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  /**
   * Half-closes; once the closing handshake is over (`handshakeDone`), closes the TCP connection
   * instead (RFC 6455 7.1.1): with nothing left to write (the close frame went straight to the
   * kernel, which sends it before the FIN) at once, with no shutdown call and no read of the
   * peer's end; otherwise (and on TLS, whose layer may still hold bytes) once flushed.
   */
  end(handshakeDone?: boolean): boolean {
    const socket = this.#socket;
    if (handshakeDone === true) {
      if (socket.writableLength === 0 && !(socket as { encrypted?: boolean }).encrypted) {
        socket.destroy();
        return true;
      }
      socket.once("finish", destroyThis);
    }
    socket.end();
    return false;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  pause(): void {
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket.resume();
  }

  listen(handlers: ByteSocketHandlers): void {
    const socket = this.#socket;
    if (socket.destroyed) {
      queueMicrotask(() => handlers.closed());
      return;
    }
    socket[HANDLERS] = handlers;
    socket.on("close", onClose);
    socket.on("drain", onDrain);
    // Data flows from the next microtask, after onOpen ran: first the bytes read with the head.
    queueMicrotask(() => {
      if (socket.destroyed) return;
      const head = this.#head;
      this.#head = undefined;
      if (head !== undefined) handlers.data(head);
      // The check again: node:http may have read more into the stream since the constructor.
      if (this.reusesReadBuffer && canShareReads(socket)) {
        shareReads(socket, onSharedRead);
        // A paused stream may still be reading: stop the handle now that reads bypass the stream.
        if (this.#paused) socket.pause();
      } else socket.on("data", onData);
      socket.on("end", onEnd);
      // serve() pauses the socket once the head is read; node:http leaves it unpaused.
      if (!this.#paused) socket.resume();
    });
  }
}

/** `Headers.get` over Node's raw header list: any case, repeated fields joined with `", "`. */
export class RawHeaders implements HeaderLookup {
  /** Node's list (names and values), or after {@linkcode RawHeaders.compact} one string. */
  #raw: readonly string[] | string;

  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const raw = this.#list();
    const length = name.length;
    let value: string | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const field = raw[i]!;
      if (field.length !== length || !equalsIgnoringCase(field, name)) continue;
      const text = trimWhitespace(raw[i + 1]!);
      value = value === null ? text : `${value}, ${text}`;
    }
    return value;
  }

  /** A `Headers` with every field. */
  toHeaders(): Headers {
    const headers = new Headers();
    const raw = this.#list();
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    return headers;
  }

  /**
   * Keeps the fields as one string joined by line feeds (which Node's parser refuses in names
   * and values): one string instead of one per name and value, for the connection's lifetime.
   */
  compact(): void {
    const raw = this.#raw;
    if (typeof raw === "string" || raw.length === 0) return;
    const joined = raw.join("\n");
    let lines = 1;
    for (let at = joined.indexOf("\n"); at !== -1; at = joined.indexOf("\n", at + 1)) lines++;
    if (lines === raw.length) this.#raw = joined;
  }

  #list(): readonly string[] {
    const raw = this.#raw;
    return typeof raw === "string" ? raw.split("\n") : raw;
  }
}

/**
 * Whether two header names of equal length are equal in any ASCII case (header names are
 * tokens): compared in place, without the strings `toLowerCase` allocates on every handshake.
 */
function equalsIgnoringCase(a: string, b: string): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) {
    if (foldCase(a.charCodeAt(i)) !== foldCase(b.charCodeAt(i))) return false;
  }
  return true;
}

/** `A`-`Z` as `a`-`z`; other UTF-16 units unchanged. */
function foldCase(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

/** Like `Headers`: without leading and trailing spaces and tabs (Node's parser keeps none). */
function trimWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Characters that end or change a URL's host part. */
const UNSAFE_HOST = /[/?#@\\]/;

/**
 * The upgrade request as hooks and the connection see it. `headers` and `url` are built on
 * first access and kept (the same object every time).
 */
export class NodeUpgradeRequest implements UpgradeRequest {
  readonly method: string;
  readonly remoteAddress: string | undefined;
  /** The request's header lookup (no `Headers` object). */
  readonly lookup: RawHeaders;
  /** The request target until `url` is built from it. */
  #target: string;
  readonly #tls: boolean;
  #url: URL | undefined;
  #headers: Headers | undefined;

  /**
   * @param method The request method.
   * @param target The request target as sent.
   * @param rawHeaders Names and values alternating, as Node's `rawHeaders`.
   * @param socket The request's socket (its address, and whether it is TLS).
   * @throws {TypeError} If the request target cannot be a URL (the binding answers 400).
   */
  constructor(method: string, target: string, rawHeaders: readonly string[], socket: NetSocket) {
    // The one method of a valid upgrade: kept as the shared literal, not a string per request.
    this.method = method === "GET" ? "GET" : method;
    this.lookup = new RawHeaders(rawHeaders);
    this.#target = target;
    this.#tls = "encrypted" in socket && socket.encrypted === true;
    this.remoteAddress = socket.remoteAddress;
    // An origin-form target ("/path", not "//host") always resolves: others are checked now.
    if (this.#target[0] !== "/" || this.#target[1] === "/") void this.url;
  }

  /** The request target resolved against the `Host` header (`localhost` if it has none). */
  get url(): URL {
    if (this.#url !== undefined) return this.#url;
    const scheme = this.#tls ? "https:" : "http:";
    const target = this.#target;
    const host = this.lookup.get("host") ?? "localhost";
    try {
      // An origin-form target ("/path", not "//" or "/\\", which would name a host) after a
      // host without "/?#@\\" resolves to the same URL as one string: one parse, not two.
      this.#url = target[0] === "/" && target[1] !== "/" && target[1] !== "\\" &&
          host !== "" && !UNSAFE_HOST.test(host)
        ? new URL(`${scheme}//${host}${target}`)
        : new URL(target, `${scheme}//${host}`);
    } catch {
      this.#url = new URL(target, `${scheme}//localhost`);
    }
    this.#target = "";
    return this.#url;
  }

  /** The request headers. */
  get headers(): Headers {
    return this.#headers ??= this.lookup.toHeaders();
  }

  /** The handshake is over: keep the headers compactly until someone asks for them. */
  settle(): void {
    this.lookup.compact();
  }
}
