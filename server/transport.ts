/**
 * The server's message-level seam, the mirror of the client's `Transport`: a
 * {@linkcode ServerTransport} carries whole messages of one upgraded connection and reports
 * what happens to it through {@linkcode ServerTransportEvents}. `ServerConnection` sees only
 * this interface. Two transports ship: the codec over a {@linkcode ByteSocket} (Node, Deno's
 * `"codec"` engine) and Deno's native `WebSocket`; a runtime whose socket speaks messages
 * (Bun, uWebSockets.js, Cloudflare) implements this interface, one that gives bytes implements
 * {@linkcode ByteSocket} and gets the codec on top.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import type { PreparedMessage } from "./prepared_message.ts";
import type { CloseInfo, ServerSendOptions } from "./types.ts";

/**
 * What a {@linkcode ServerTransport} reports to its connection. The order is fixed: `message`,
 * `ping`, `pong` and `drain` any number of times, then `closed` exactly once, last.
 *
 * @example Log what a transport reports
 * ```ts
 * import type { ServerTransportEvents } from "@wirely/wirely/server";
 * const events: ServerTransportEvents = {
 *   message: (message) => console.log(message.type),
 *   ping: () => {},
 *   pong: () => {},
 *   drain: () => console.log("room to send again"),
 *   error: (error) => console.error(error),
 *   closed: (info) => console.log("closed", info.code),
 * };
 * events.message({ type: "text", data: "hi" }); // text
 * ```
 */
export interface ServerTransportEvents {
  /** A whole message, already checked against `maxMessageSize`. */
  message(message: Message): void;
  /** A ping arrived (the transport answered it). */
  ping(data: Uint8Array): void;
  /** A pong arrived. */
  pong(data: Uint8Array): void;
  /** The send buffer went back below its high-water mark after a send returned `false`. */
  drain(): void;
  /** A bug inside the transport (it closed with 1011 already); reported, never thrown. */
  error(error: unknown): void;
  /** The transport is released: how the connection ended (1006 without a closing handshake). */
  closed(info: CloseInfo): void;
}

/**
 * One upgraded connection as a server binding hands it over: whole messages out and in, the
 * closing handshake, and flow control. Implement it to plug a runtime whose socket speaks
 * messages into wirely (then pass it to `ServerHandle.open()`); the binding keeps no other
 * state per connection.
 *
 * Rules (the server's `limits`, from `ServerHandle.limits`): `send*` on a transport that is not
 * `open` throws `InvalidStateError`; a send that finds more than `maxBufferedBytes` waiting
 * fails the connection with 1008 and returns `false`; a message over `maxMessageSize` fails it
 * with 1009 and is not delivered; `close()` validates its code and reason like the codec
 * (RangeError), does nothing once closing, and releases the transport after `closeTimeout` if
 * the peer does not answer; a drop without a closing handshake reports 1006.
 *
 * @example A loopback transport for tests: what is sent comes back as a message
 * ```ts
 * import type { ServerTransport, ServerTransportEvents } from "@wirely/wirely/server";
 * let events: ServerTransportEvents | undefined;
 * let state: "open" | "closing" | "closed" = "open";
 * const loopback: ServerTransport = {
 *   get state() { return state; },
 *   bufferedAmount: 0,
 *   bytesReceived: 0,
 *   canPing: false,
 *   listen: (e) => { events = e; },
 *   send: (data) => {
 *     events?.message(typeof data === "string" ? { type: "text", data } : { type: "binary", data });
 *     return true;
 *   },
 *   sendPrepared: (message) => loopback.send(message.binary ? message.payload : message.text),
 *   ping: () => {},
 *   close: (code, reason) => {
 *     state = "closed";
 *     events?.closed({ code, reason, wasClean: true });
 *   },
 *   terminate: () => loopback.close(1006, ""),
 *   pauseReading: () => {},
 * };
 * loopback.listen({
 *   message: (m) => console.log(m.data), ping() {}, pong() {}, drain() {}, error() {},
 *   closed: (info) => console.log(info.code),
 * });
 * loopback.send("hi"); // hi
 * loopback.close(1000, ""); // 1000
 * ```
 */
export interface ServerTransport {
  /** `open`, `closing` once a close started (or failed), `closed` once released. */
  readonly state: "open" | "closing" | "closed";
  /** Bytes sent but not yet handed to the operating system (as well as the runtime knows). */
  readonly bufferedAmount: number;
  /** Bytes received from the peer so far (the heartbeat watches it). */
  readonly bytesReceived: number;
  /** Whether {@linkcode ServerTransport.ping} reaches the peer (`false`: it does nothing). */
  readonly canPing: boolean;
  /** Registers the events; called once by the connection, before anything is delivered. */
  listen(events: ServerTransportEvents): void;
  /**
   * Sends a text (string) or binary message; `options.compress: false` asks an extension that
   * compresses (permessage-deflate) to leave it alone (a transport without one ignores it).
   * @returns `false` when the send buffer is full: wait for `drain`.
   */
  send(data: string | Uint8Array, options?: ServerSendOptions): boolean;
  /** Sends a message prepared once for many connections (a broadcast). Returns like `send`. */
  sendPrepared(message: PreparedMessage): boolean;
  /** Sends a ping of at most 125 bytes, where the runtime can (see `canPing`). */
  ping(data?: Uint8Array): void;
  /** Starts the closing handshake; the transport is released after the peer's answer or `closeTimeout`. */
  close(code: number, reason: string): void;
  /** Releases the transport at once, without a closing handshake (`closed` says 1006). */
  terminate(): void;
  /** Stops (`true`) or restarts reading from the peer, where the runtime can. */
  pauseReading(paused: boolean): void;
}

/**
 * What a {@linkcode ByteSocket} calls when something happens: `data` any number of times, then
 * `end` (the peer stopped sending) and finally `closed` exactly once.
 *
 * @example
 * ```ts
 * import type { ByteSocketHandlers } from "@wirely/wirely/server";
 * const handlers: ByteSocketHandlers = {
 *   data: (chunk) => console.log("got", chunk.length, "bytes"),
 *   end: () => {},
 *   drain: () => {},
 *   closed: () => {},
 * };
 * handlers.data(new Uint8Array(3)); // got 3 bytes
 * ```
 */
export interface ByteSocketHandlers {
  /** Bytes from the peer; the transport takes ownership of the chunk. */
  data(chunk: Uint8Array): void;
  /** The peer ended its side of the stream (TCP FIN). */
  end(): void;
  /** The write buffer went back below its high-water mark. */
  drain(): void;
  /** The socket is closed for good (after an error too). Called once. */
  closed(): void;
}

/**
 * A bidirectional byte stream after the HTTP upgrade (the `node:net` socket in the Node
 * binding): what a runtime that gives bytes implements to get wirely's codec on top, through
 * `ServerHandle.openBytes()`.
 *
 * @example An in-memory socket
 * ```ts
 * import type { ByteSocket, ByteSocketHandlers } from "@wirely/wirely/server";
 * const written: Uint8Array[] = [];
 * let handlers: ByteSocketHandlers | undefined;
 * const socket: ByteSocket = {
 *   bufferedAmount: 0,
 *   write(chunks) { written.push(...chunks); return true; },
 *   end() { handlers?.closed(); },
 *   destroy() { handlers?.closed(); },
 *   pause() {},
 *   resume() {},
 *   listen(h) { handlers = h; },
 * };
 * socket.write([new Uint8Array([0x81, 0x00])]);
 * console.log(written.length); // 1
 * ```
 */
export interface ByteSocket {
  /** Bytes written but not yet handed to the operating system. */
  readonly bufferedAmount: number;
  /**
   * Writes chunks in order, as one batch when the socket can.
   * @returns `false` when the write buffer is above its high-water mark (wait for `drain`).
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /**
   * Flushes what is buffered, then closes the sending side (TCP FIN).
   *
   * @param handshakeDone The close frames crossed (a clean close): RFC 6455 7.1.1 has the server
   * close the TCP connection then, so a socket may close it whole instead of waiting for the
   * peer's FIN. `false` or absent (a failed connection): only the sending side, and keep reading,
   * so that a peer still sending gets no reset that could discard our close frame.
   * @returns `true` when the connection is closed already (its `closed` handler follows).
   */
  end(handshakeDone?: boolean): boolean | void;
  /** Closes at once, dropping anything still buffered. */
  destroy(): void;
  /** Stops reading from the peer (read backpressure). */
  pause(): void;
  /** Starts reading again after {@linkcode ByteSocket.pause}. */
  resume(): void;
  /** Registers the handlers; called once, before any data is delivered. */
  listen(handlers: ByteSocketHandlers): void;
  /**
   * Makes the buffer of a received payload that spans reads, when the runtime has a cheaper way
   * than a zeroed `Uint8Array` (Node: memory that is not zeroed first, since every byte is
   * written before use). Absent: `new Uint8Array(size)`.
   */
  readonly allocate?: (size: number) => Uint8Array;
  /**
   * `true` when the chunk given to `ByteSocketHandlers.data` is a view of memory the socket
   * reuses for its next read once the handler returns (Node's plain TCP sockets, which wirely
   * reads into one buffer shared by all of them): the codec then copies what it keeps. Absent or
   * `false`: the chunk belongs to the codec from then on.
   */
  readonly reusesReadBuffer?: boolean;
}
