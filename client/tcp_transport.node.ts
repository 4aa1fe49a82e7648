/**
 * The codec transport: wirely's handshake and framing over `node:net` / `node:tls` (Node, and
 * Deno through its `node:net` compatibility). Unlike the WebSocket API it can send custom
 * request headers and real ping frames, and its `bufferedAmount` is the socket's own count.
 * With its socket opener (`_tcp_connect.node.ts`, `_proxy_tunnel.node.ts`), the only client code
 * that touches `node:*`; import it from `@wirely/wirely/client/tcp`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type * as net from "node:net";
import { Connection } from "../codec/connection.ts";
import { HandshakeError, InvalidStateError } from "../codec/errors.ts";
import { validateUpgradeResponse } from "../codec/handshake_client.ts";
import type { Extension } from "../codec/extension.ts";
import type { ExtensionOffer } from "../codec/extensions.ts";
import type { PerMessageDeflateOptions } from "../codec/permessage_deflate.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import { receiveAndProcess } from "../codec/receive_loop.ts";
import { ClientError } from "./errors.ts";
import { OrderedSends } from "./_ordered_sends.ts";
import {
  acceptedExtensions,
  extensionOffers,
  resolveTcpOptions,
  type TcpSettings,
  type TcpTransportOptions,
} from "./_tcp_options.ts";
import { prepareRequest } from "./_tcp_request.ts";
import { connectSocket } from "./_tcp_connect.node.ts";
import type {
  Transport,
  TransportData,
  TransportEvent,
  TransportFactory,
  TransportListener,
} from "./transport.ts";

/**
 * The buffer of a received payload that spans reads: memory that is not zeroed first (the
 * decoder writes every byte of it), as a plain `Uint8Array`, not a `Buffer`.
 */
function allocateUnzeroed(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}

export type { TcpTransportOptions };

/**
 * A transport that speaks WebSocket itself over TCP (`ws://`) or TLS (`wss://`): the runtime
 * needs no `WebSocket` (Node 20), custom request headers go out, `ping()` sends real ping frames
 * (answers come as `pong` events and count as life for the heartbeat), and `bufferedAmount` is
 * the socket's `writableLength`. A refused handshake reports the codec's `HandshakeError`
 * (with `status`), then closes with 1006 and, when the server answered another status than
 * 101, that `status` (the default close policy stops on a 4xx but 408 and 429).
 *
 * @param options Headers, TLS trust, limits.
 * @returns A factory for {@linkcode WirelyClient}'s `transport` option.
 * @throws {TypeError} When `headers` sets a handshake header or holds a bad name or value.
 * @throws {RangeError} When a limit or timeout is out of range.
 *
 * @example A client on Node 20 with an authorization header
 * ```ts
 * import { WirelyClient } from "@wirely/wirely/client";
 * import { tcpTransport } from "@wirely/wirely/client/tcp";
 * const client = new WirelyClient("ws://127.0.0.1:9", {
 *   transport: tcpTransport({ headers: { authorization: "Bearer t0k3n" } }),
 *   autoConnect: false,
 * });
 * console.log(client.state); // idle
 * client.close();
 * ```
 */
export function tcpTransport(options: TcpTransportOptions = {}): TransportFactory {
  const settings = resolveTcpOptions(options);
  return {
    name: "tcp",
    connect(url: string, protocols: readonly string[], listener: TransportListener): Transport {
      return new TcpTransport(settings, url, protocols, listener);
    },
  };
}

/** What the connection reports (derived, so the codec's file layout does not matter here). */
type ConnectionEvent = ReturnType<Connection["takeEvents"]>[number];

/** Where the attempt stands: the HTTP handshake, the WebSocket connection, or done. */
type Phase = "handshake" | "validating" | "open" | "closed";

class TcpTransport implements Transport {
  /** Undefined while a proxy tunnel is being opened. */
  #socket: net.Socket | undefined;
  /** Cancels the proxy tunnel being opened. */
  #tunnel: AbortController | undefined;
  readonly #connection: Connection;
  readonly #closeTimeout: number;
  #listener: TransportListener | undefined;
  #phase: Phase = "handshake";
  #parser: HttpHeadParser<"response">;
  /** The request's key and offered subprotocols, for checking the response. */
  readonly #key: string;
  readonly #protocols: string[];
  /** Chunks that arrived while the handshake response was being checked. */
  #held: Uint8Array[] = [];
  /** Sends waiting behind a `Blob` being read, to keep call order. */
  readonly #sends: OrderedSends = new OrderedSends(
    () => this.#phase === "open" && this.#connection.state === "open",
    (data) => this.#sendNow(data),
    (error) => this.#emit({ type: "error", error }),
  );
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** A flush of the sends of this tick is queued (one write for all of them). */
  #flushQueued = false;
  /** Size of the sends not written yet (as `bufferedAmount` counts: UTF-16 units for text). */
  #unflushed = 0;
  /** The socket ended while the handshake response was being checked. */
  #endedEarly = false;
  /** The extensions offered in the request. */
  readonly #offers: ExtensionOffer[];
  /** permessage-deflate tuning, when offered. */
  readonly #deflate: PerMessageDeflateOptions | undefined;

  constructor(
    settings: TcpSettings,
    url: string,
    protocols: readonly string[],
    listener: TransportListener,
  ) {
    const offers = extensionOffers(settings);
    const { secure, host, port, key, head } = prepareRequest(
      url,
      protocols,
      settings.headers,
      offers,
    );
    this.#listener = listener;
    this.#key = key;
    this.#protocols = [...protocols];
    this.#offers = offers;
    this.#deflate = settings.deflate;
    this.#closeTimeout = settings.closeTimeout;
    this.#parser = new HttpHeadParser("response", { maxHeadSize: settings.maxHeadSize });
    this.#connection = new Connection({
      role: "client",
      state: "connecting",
      maxMessageSize: settings.maxMessageSize,
      allocate: allocateUnzeroed,
    });
    // A tunnel may open after the attempt was closed: its socket is dropped then.
    this.#tunnel = connectSocket(
      settings,
      { secure, host, port },
      (socket) => this.#phase === "closed" ? socket.destroy() : this.#start(socket, head),
      (error) => this.#refuse(error),
    );
  }

  /** Takes the connected (or connecting) socket and sends the upgrade request. */
  #start(socket: net.Socket, head: Uint8Array): void {
    this.#socket = socket;
    this.#tunnel = undefined;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => {
      this.#onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on("end", () => this.#onEnd());
    socket.on("close", () => {
      clearTimeout(this.#closeTimer);
      this.#onEnd();
    });
    socket.on("error", (cause: Error) => {
      this.#emit({
        type: "error",
        error: new ClientError("TRANSPORT_ERROR", cause.message, { cause }),
      });
    });
    socket.resume(); // a tunnel comes paused
    socket.write(head);
  }

  get bufferedAmount(): number {
    return (this.#socket?.writableLength ?? 0) + this.#sends.bytes + this.#unflushed;
  }

  send(data: TransportData): void {
    if (this.#phase !== "open") {
      throw new InvalidStateError(`cannot send: the transport is ${this.#phase}`);
    }
    this.#sends.send(data);
  }

  ping(data?: Uint8Array): void {
    this.#connection.ping(data);
    this.#flush();
  }

  close(code?: number, reason?: string): void {
    if (this.#phase === "closed") return;
    if (this.#phase !== "open") {
      this.#drop();
      this.#finish({ type: "close", code: 1006, reason: "", wasClean: false });
      return;
    }
    this.#connection.close(code, reason);
    this.#flush();
  }

  abort(): void {
    this.#listener = undefined;
    this.#phase = "closed";
    clearTimeout(this.#closeTimer);
    this.#drop();
  }

  /** Destroys the socket, or cancels the tunnel still being opened. */
  #drop(): void {
    this.#socket?.destroy();
    this.#tunnel?.abort();
  }

  /**
   * Frames a message now and writes it at the end of the tick, with every other message sent in
   * the same tick: one system call for a burst (an echo of the messages of one read, a loop of
   * sends) instead of one per message. Order is kept: every write goes through the connection.
   */
  #sendNow(data: string | Uint8Array): void {
    if (typeof data === "string") this.#connection.sendText(data);
    else this.#connection.sendBinary(data);
    this.#unflushed += data.length;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #onData(chunk: Uint8Array): void {
    if (this.#phase === "open") {
      // Messages before a close or a bad frame in the chunk are reported first. A bug in wirely
      // (the connection queued a 1011 close) is reported rather than thrown out of a socket event.
      receiveAndProcess(this.#connection, chunk, () => this.#flush(), (cause) => {
        const message = "The codec failed on received data";
        this.#emit({
          type: "error",
          error: new ClientError("TRANSPORT_ERROR", message, { cause }),
        });
      });
    } else if (this.#phase === "validating") {
      this.#held.push(chunk);
    } else if (this.#phase === "handshake") {
      let response;
      try {
        response = this.#parser.push(chunk);
      } catch (error) {
        this.#refuse(error);
        return;
      }
      if (response === undefined) return;
      this.#held.push(this.#parser.takeRest());
      this.#phase = "validating";
      const check = { key: this.#key, protocols: this.#protocols, extensions: this.#offers };
      validateUpgradeResponse(response, check).then(
        (info) => this.#opened(info.protocol ?? "", response.headers, info.extensions),
        (error) => this.#refuse(error),
      );
    }
  }

  #opened(protocol: string, headers: Headers, accepted: ExtensionOffer[]): void {
    if (this.#phase !== "validating") return;
    let negotiated: Extension[];
    try {
      negotiated = acceptedExtensions(this.#deflate, accepted);
    } catch (error) {
      this.#refuse(error);
      return;
    }
    this.#phase = "open";
    this.#connection.open(negotiated);
    const extensions = headers.get("sec-websocket-extensions") ?? "";
    this.#emit({ type: "open", protocol, extensions });
    const held = this.#held;
    this.#held = [];
    for (const chunk of held) {
      if (this.#phase !== "open") break;
      if (chunk.length > 0) this.#onData(chunk);
    }
    if (this.#endedEarly) this.#onEnd();
  }

  #refuse(error: unknown): void {
    if (this.#phase === "closed") return;
    const reported = error instanceof Error ? error : new Error(String(error));
    this.#emit({ type: "error", error: reported });
    this.#drop();
    // The close policy sees the status of a refusal (401, 503...), not a bare 1006.
    const close = { type: "close", code: 1006, reason: "", wasClean: false } as const;
    if (error instanceof HandshakeError && error.code === "BAD_STATUS") {
      // The reason: the start of the response body that came with the head ("no token").
      const body = this.#held[0]?.subarray(0, 123) ?? new Uint8Array();
      const reason = new TextDecoder().decode(body).trim();
      this.#finish({ ...close, reason, status: error.status });
    } else {
      this.#finish(close);
    }
  }

  /** The socket ended or closed: the peer is done (or the network is gone). */
  #onEnd(): void {
    if (this.#phase === "closed") return;
    if (this.#phase === "validating") {
      // The response is still being checked: its frames are held; end after them.
      this.#endedEarly = true;
      return;
    }
    if (this.#phase !== "open") {
      this.#drop();
      this.#finish({ type: "close", code: 1006, reason: "", wasClean: false });
      return;
    }
    this.#connection.receiveEof();
    this.#flush();
  }

  /** Writes the connection's bytes, reports its events, and ends the socket when it must. */
  #flush(): void {
    this.#unflushed = 0;
    const connection = this.#connection;
    const socket = this.#socket;
    if (socket === undefined) return;
    const out = connection.takeBytes();
    if (out.length > 0 && !socket.destroyed) {
      // A frame's header and payload (and every frame of a burst) go out in one system call.
      if (out.length === 1) socket.write(out[0]!);
      else {
        socket.cork();
        for (const bytes of out) socket.write(bytes);
        socket.uncork();
      }
    }
    for (const event of connection.takeEvents()) this.#report(event);
    if (connection.shouldCloseTransport) {
      if (!socket.destroyed) socket.end();
      // The peer gets the close frame; it may not answer the FIN, so it gets `closeTimeout` to.
      this.#startCloseTimer();
    } else if (connection.state === "closing") {
      this.#startCloseTimer();
    }
  }

  #startCloseTimer(): void {
    if (this.#closeTimer !== undefined) return;
    // Destroying the socket fires its `close`, which ends the connection with what it has.
    this.#closeTimer = setTimeout(() => this.#socket?.destroy(), this.#closeTimeout);
  }

  #report(event: ConnectionEvent): void {
    switch (event.type) {
      case "text":
      case "binary":
        this.#emit({ type: "message", data: event.data });
        break;
      case "pong":
        this.#emit({ type: "pong", data: event.data });
        break;
      case "error":
        this.#emit({ type: "error", error: event.error });
        break;
      case "close": {
        const { code, reason, wasClean } = event;
        this.#finish({ type: "close", code, reason, wasClean });
        break;
      }
      case "ping":
        break; // The connection answers with a pong.
    }
  }

  /** Reports the `close` event once; nothing is reported afterwards. */
  #finish(event: TransportEvent & { type: "close" }): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    this.#sends.clear();
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(event);
  }

  #emit(event: TransportEvent): void {
    this.#listener?.(event);
  }
}
