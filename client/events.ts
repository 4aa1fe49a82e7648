// This module is browser compatible.
/**
 * The states and events of {@linkcode WirelyClient}, typed by name in
 * {@linkcode ClientEventMap}.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import type { CloseContext } from "./close_policy.ts";
import type { QueuedMessage } from "./queue.ts";

/**
 * Where a client is in its life:
 *
 * - `idle`: created with `autoConnect: false`, not connecting yet;
 * - `connecting`: an attempt is under way (resolving the URL, then the handshake);
 * - `open`: messages flow; sends go straight to the transport;
 * - `closing`: `close()` was called and the closing handshake is under way;
 * - `reconnecting`: waiting for the backoff delay before the next attempt;
 * - `closed`: for good (after `close()`, an abort, a stopping close code or `maxRetries`).
 *
 * @example
 * ```ts
 * import type { ClientState } from "@wirely/wirely/client";
 * const describe = (state: ClientState) => state === "open" ? "send now" : "sends are queued";
 * console.log(describe("reconnecting")); // sends are queued
 * ```
 */
export type ClientState = "idle" | "connecting" | "open" | "closing" | "reconnecting" | "closed";

/**
 * A state change.
 *
 * @example
 * ```ts
 * import type { StateChange } from "@wirely/wirely/client";
 * const change: StateChange = { state: "open", previous: "connecting" };
 * console.log(`${change.previous} -> ${change.state}`); // connecting -> open
 * ```
 */
export interface StateChange {
  /** The new state. */
  readonly state: ClientState;
  /** The state before. */
  readonly previous: ClientState;
}

/**
 * A connection opened.
 *
 * @example
 * ```ts
 * import type { OpenInfo } from "@wirely/wirely/client";
 * const info: OpenInfo = { url: "ws://localhost/", protocol: "", extensions: "", reconnected: false };
 * console.log(info.reconnected); // false
 * ```
 */
export interface OpenInfo {
  /** The URL this attempt connected to. */
  readonly url: string;
  /** The subprotocol the server chose, `""` when none. */
  readonly protocol: string;
  /** The extensions the server accepted, `""` when none. */
  readonly extensions: string;
  /** `true` when an earlier connection of this client had opened. */
  readonly reconnected: boolean;
}

/**
 * A connection or an attempt ended ({@linkcode CloseContext}) and what happens next.
 *
 * @example
 * ```ts
 * import type { ClientCloseEvent } from "@wirely/wirely/client";
 * const event: ClientCloseEvent = {
 *   code: 1012,
 *   reason: "restart",
 *   wasClean: true,
 *   opened: true,
 *   willReconnect: true,
 * };
 * console.log(event.willReconnect); // true
 * ```
 */
export interface ClientCloseEvent extends CloseContext {
  /** Whether a retry is scheduled (a `reconnecting` event follows). */
  readonly willReconnect: boolean;
}

/**
 * A retry was scheduled.
 *
 * @example
 * ```ts
 * import type { ReconnectInfo } from "@wirely/wirely/client";
 * const info: ReconnectInfo = { attempt: 1, delay: 420 };
 * console.log(`retry #${info.attempt} in ${info.delay} ms`); // retry #1 in 420 ms
 * ```
 */
export interface ReconnectInfo {
  /** The retry number since the last reset, starting at 1. */
  readonly attempt: number;
  /** Milliseconds until the attempt starts. */
  readonly delay: number;
}

/**
 * Every event of {@linkcode WirelyClient} by name, with the value its handlers get.
 *
 * - `state`: every state change, before the event that caused it is reported further.
 * - `open`: a connection opened; queued messages were already handed to the transport.
 * - `message`: a text (`string`) or binary (`Uint8Array`) message.
 * - `pong`: a pong frame's payload; only transports that see frames (`tcpTransport`) report it.
 * - `close`: a connection or attempt ended.
 * - `reconnecting`: a retry was scheduled.
 * - `error`: something failed; the client keeps going as its state says.
 * - `unsent`: the client closed with messages still queued; they will not be sent.
 *
 * @example
 * ```ts
 * import type { ClientEventMap } from "@wirely/wirely/client";
 * const message: ClientEventMap["message"] = { type: "text", data: "hi" };
 * console.log(message.type); // text
 * ```
 */
export interface ClientEventMap {
  /** The state changed. */
  state: StateChange;
  /** A connection opened. */
  open: OpenInfo;
  /** A text or binary message arrived. */
  message: Message;
  /** A pong frame arrived (the answer to {@linkcode WirelyClient.ping}, or unsolicited). */
  pong: Uint8Array;
  /** A connection or attempt ended. */
  close: ClientCloseEvent;
  /** A retry was scheduled. */
  reconnecting: ReconnectInfo;
  /** Something failed (a `ClientError`, or what the transport reported). */
  error: Error;
  /** The client closed with these messages still queued. */
  unsent: readonly QueuedMessage[];
}

/**
 * The name of a client event.
 *
 * @example
 * ```ts
 * import type { ClientEventType } from "@wirely/wirely/client";
 * const type: ClientEventType = "reconnecting";
 * console.log(type); // reconnecting
 * ```
 */
export type ClientEventType = keyof ClientEventMap;

/**
 * A handler of the client event `K`.
 *
 * @example
 * ```ts
 * import type { ClientEventHandler } from "@wirely/wirely/client";
 * const onClose: ClientEventHandler<"close"> = (event) => console.log(event.code);
 * onClose({ code: 1000, reason: "", wasClean: true, opened: true, willReconnect: false }); // 1000
 * ```
 */
export type ClientEventHandler<K extends ClientEventType> = (event: ClientEventMap[K]) => void;
