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
import type {
  Transport,
  TransportData,
  TransportEvent,
  TransportFactory,
  TransportListener,
} from "./transport.ts";

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
    throw new TypeError(
      "Cannot create a native transport as there is no global WebSocket: pass one as { WebSocket }, or pass transport: tcpTransport() from @wirely/wirely/client/tcp",
    );
  }
  return {
    name: "native",
    connect(url: string, protocols: readonly string[], listener: TransportListener): Transport {
      return new NativeTransport(ctor, url, protocols, listener);
    },
  };
}

/** Reads an incoming message's data as text or bytes; `undefined` for anything else. */
function readData(data: unknown): string | Uint8Array | undefined {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return undefined;
}

/**
 * The close code a transport reports: a code outside 1000-4999 after an unclean close (Deno's
 * `WebSocket` says 0 for a refused connection, a refused handshake, a peer that vanished and a
 * frame it failed) is an abnormal closure, 1006, as the WebSocket standard and every other
 * runtime say.
 */
export function closeCode(code: number, wasClean: boolean): number {
  if (wasClean || (Number.isInteger(code) && code >= 1000 && code <= 4999)) return code;
  return 1006;
}

/** Builds the error of an `error` event; `ws` puts the cause in `event.error`. */
function transportError(event: unknown): ClientError {
  let cause: unknown = undefined;
  let detail = "";
  if (typeof event === "object" && event !== null) {
    if ("error" in event) cause = event.error;
    if ("message" in event && typeof event.message === "string") detail = event.message;
  }
  const message = detail === "" ? "the WebSocket reported an error" : detail;
  return new ClientError("TRANSPORT_ERROR", message, { cause });
}

class NativeTransport implements Transport {
  readonly #socket: WebSocketLike;
  #listener: TransportListener | undefined;

  constructor(
    ctor: WebSocketConstructor,
    url: string,
    protocols: readonly string[],
    listener: TransportListener,
  ) {
    this.#socket = new ctor(url, protocols.length === 0 ? undefined : [...protocols]);
    this.#listener = listener;
    const socket = this.#socket;
    socket.binaryType = "arraybuffer";
    // Listeners stay registered for the socket's life (`ws` throws on an `error` nobody hears);
    // once muted they drop what they get.
    socket.addEventListener("open", () => {
      this.#emit({
        type: "open",
        protocol: socket.protocol ?? "",
        extensions: socket.extensions ?? "",
      });
    });
    socket.addEventListener("message", (event) => {
      const data = readData(event.data);
      if (data !== undefined) {
        this.#emit({ type: "message", data });
      } else {
        const error = new ClientError(
          "UNSUPPORTED_DATA",
          `Cannot read a message of type ${Object.prototype.toString.call(event.data)}`,
        );
        this.#emit({ type: "error", error });
      }
    });
    socket.addEventListener("error", (event) => {
      this.#emit({ type: "error", error: transportError(event) });
      // Node 22's undici fires `error` for a refused connection, stays CONNECTING and never
      // fires `close`; a standard socket is CLOSED by now and its `close` comes next. Give it a
      // turn, then end the attempt as the standard would (1006).
      if (socket.readyState === 0) {
        setTimeout(() => {
          if (this.#listener === undefined) return;
          this.#emit({ type: "close", code: 1006, reason: "", wasClean: false });
          this.abort();
        }, 0);
      }
    });
    socket.addEventListener("close", (event) => {
      const { reason, wasClean } = event;
      // Deno 2.9 says 0 where the standard says 1006 (refused, vanished, failed frame).
      const code = closeCode(event.code, wasClean);
      this.#emit({ type: "close", code, reason, wasClean });
      this.#listener = undefined;
    });
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  send(data: TransportData): void {
    this.#socket.send(data);
  }

  close(code?: number, reason?: string): void {
    if (code === undefined) this.#socket.close();
    else this.#socket.close(code, reason);
  }

  abort(): void {
    this.#listener = undefined;
    try {
      this.#socket.close();
    } catch {
      // Already closed: nothing left to drop.
    }
  }

  #emit(event: TransportEvent): void {
    this.#listener?.(event);
  }
}
