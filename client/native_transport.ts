// This module is browser compatible.
/**
 * The native transport: the runtime's `WebSocket` (browsers, Deno, Bun, Node 22.4+) or any
 * constructor with the same shape, such as the `ws` package's. Binary messages are read as
 * `ArrayBuffer` (`binaryType = "arraybuffer"`) and delivered as `Uint8Array`.
 *
 * This is the only client module that reads the global `WebSocket`.
 *
 * @module
 */

import { ClientError } from "./errors.ts";
import type { Transport, TransportFactory, TransportListener } from "./transport.ts";

/**
 * The fields of a `close` event the native transport reads.
 *
 * @example
 * ```ts
 * import type { CloseEventLike } from "@wirely/wirely/client";
 * const event: CloseEventLike = { code: 1000, reason: "", wasClean: true };
 * console.log(event.code); // 1000
 * ```
 */
export interface CloseEventLike {
  /** The close code. */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
}

/**
 * The part of the WHATWG `WebSocket` the native transport uses. The global `WebSocket` of
 * browsers, Deno, Bun and Node 22.4+ fits, and so does the `ws` package's class.
 *
 * @example The global constructor fits
 * ```ts
 * import type { WebSocketConstructor } from "@wirely/wirely/client";
 * const ctor: WebSocketConstructor = WebSocket;
 * console.log(typeof ctor); // function
 * ```
 */
export interface WebSocketLike {
  /** How binary messages are delivered; the transport sets `"arraybuffer"`. */
  binaryType: string;
  /** Bytes queued by `send` and not yet written, as the runtime counts them. */
  readonly bufferedAmount: number;
  /** 0 connecting, 1 open, 2 closing, 3 closed; read after an `error` (see the transport). */
  readonly readyState?: number;
  /** The subprotocol the server chose. */
  readonly protocol: string;
  /** The extensions the server accepted. */
  readonly extensions: string;
  /** Sends one message. */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  /** Starts the closing handshake (or fails a connection that is still opening). */
  close(code?: number, reason?: string): void;
  /** Listens for `open` and `error`. */
  addEventListener(type: "open" | "error", listener: (event: unknown) => void): void;
  /** Listens for messages. */
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  /** Listens for the end of the connection. */
  addEventListener(type: "close", listener: (event: CloseEventLike) => void): void;
}

/**
 * A `WebSocket` constructor: the global one or an injected one.
 *
 * @example Inject the `ws` package's class (Node 20 has no global `WebSocket`)
 * ```ts
 * import { nativeTransport, type WebSocketConstructor } from "@wirely/wirely/client";
 * import WebSocket from "ws";
 * const ctor: WebSocketConstructor = WebSocket;
 * console.log(nativeTransport({ WebSocket: ctor }).name); // native
 * ```
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

/**
 * Options of {@linkcode nativeTransport}.
 *
 * @example Inject the `ws` package's class
 * ```ts
 * import { nativeTransport, type NativeTransportOptions } from "@wirely/wirely/client";
 * import WebSocket from "ws";
 * const options: NativeTransportOptions = { WebSocket };
 * console.log(nativeTransport(options).name); // native
 * ```
 */
export interface NativeTransportOptions {
  /** The `WebSocket` constructor to use. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
}

/**
 * A transport over a `WebSocket` constructor: the global one unless one is injected.
 * Text arrives as `string`, binary as `Uint8Array`; `Uint8Array`, text and `Blob` go out.
 *
 * @param options The constructor to use.
 * @returns A factory for {@linkcode WirelyClient}'s `transport` option.
 * @throws {TypeError} When no constructor is given and the runtime has no global `WebSocket`.
 *
 * @example Pick the transport explicitly
 * ```ts
 * import { nativeTransport, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", {
 *   transport: nativeTransport(),
 *   autoConnect: false,
 * });
 * console.log(client.state); // idle
 * client.close();
 * ```
 */
export function nativeTransport(options: NativeTransportOptions = {}): TransportFactory {
  const scope: { WebSocket?: WebSocketConstructor } = globalThis;
  const ctor = options.WebSocket ?? scope.WebSocket;
  if (typeof ctor !== "function") {
    throw new TypeError("No global WebSocket: pass { WebSocket } or tcpTransport()");
  }
  return {
    name: "native",
    connect: (url, protocols, listener) => open(ctor, url, protocols, listener),
  };
}

/**
 * Text as `string`, bytes (`ArrayBuffer` or any view) as a `Uint8Array` over the same memory;
 * `undefined` for anything else. Also what the client's `send` uses.
 */
export function readData(data: unknown): string | Uint8Array | undefined {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return undefined;
}

/** `[object Type]` of a value, for error messages. */
export function typeOf(value: unknown): string {
  return Object.prototype.toString.call(value);
}

/**
 * A close code as the client reports it: a code outside 1000-4999 after an unclean close is
 * 1006 (Deno reports 0 where the standard says 1006).
 */
export function closeCode(code: number, wasClean: boolean): number {
  return wasClean || (Number.isInteger(code) && code >= 1000 && code <= 4999) ? code : 1006;
}

/** A `TRANSPORT_ERROR` carrying what the socket's `error` event said. */
function transportError(event: unknown): ClientError {
  const { error, message } = (event ?? {}) as { error?: unknown; message?: unknown };
  return new ClientError(
    "TRANSPORT_ERROR",
    (typeof message === "string" && message) || "WebSocket error",
    { cause: error },
  );
}

/** One socket as a {@linkcode Transport}; muted (listener dropped) once closed or aborted. */
function open(
  ctor: WebSocketConstructor,
  url: string,
  protocols: readonly string[],
  listener: TransportListener,
): Transport {
  const socket = new ctor(url, protocols.length === 0 ? undefined : [...protocols]);
  let emit: TransportListener | undefined = listener;
  socket.binaryType = "arraybuffer";
  const abort = (): void => {
    emit = undefined;
    try {
      socket.close();
    } catch {
      // Already closed: nothing left to drop.
    }
  };
  // Listeners stay registered for the socket's life (`ws` throws on an `error` nobody hears);
  // once muted they drop what they get.
  socket.addEventListener("open", () => {
    emit?.({ type: "open", protocol: socket.protocol ?? "", extensions: socket.extensions ?? "" });
  });
  socket.addEventListener("message", ({ data }) => {
    const read = readData(data);
    emit?.(
      read !== undefined ? { type: "message", data: read } : {
        type: "error",
        error: new ClientError("UNSUPPORTED_DATA", `Unreadable message: ${typeOf(data)}`),
      },
    );
  });
  socket.addEventListener("error", (event) => {
    emit?.({ type: "error", error: transportError(event) });
    // Node 22's undici fires `error` for a refused connection, stays CONNECTING and never
    // fires `close`; a standard socket is CLOSED by now and its `close` comes next. Give it a
    // turn, then end the attempt as the standard would (1006).
    if (socket.readyState === 0) {
      setTimeout(() => {
        if (emit === undefined) return;
        emit({ type: "close", code: 1006, reason: "", wasClean: false });
        abort();
      }, 0);
    }
  });
  socket.addEventListener("close", ({ code, reason, wasClean }) => {
    emit?.({ type: "close", code: closeCode(code, wasClean), reason, wasClean });
    emit = undefined;
  });
  return {
    get bufferedAmount(): number {
      return socket.bufferedAmount;
    },
    send: (data) => socket.send(data),
    close: (code, reason) => code === undefined ? socket.close() : socket.close(code, reason),
    abort,
  };
}
