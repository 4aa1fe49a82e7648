// This module is browser compatible.
/**
 * The application-level heartbeat: a text message the client sends after a silence, answered
 * by the server (wirely's server answers it; any server can). It works where ping frames are
 * out of reach (browsers). Any incoming message counts as a sign of life; deadlines are
 * computed from wall-clock time, so throttled timers in background tabs only delay a check,
 * never cause a false verdict on their own.
 *
 * With the heartbeat on, incoming text messages equal to `ping` or `pong` are consumed by the
 * client and not delivered as messages (an echo server sends the ping back: that counts as a
 * sign of life too).
 *
 * @module
 */

/**
 * The default heartbeat request: `{"type":"wirely:ping"}`.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_PING, HEARTBEAT_PONG } from "@wirely/wirely/client";
 * // What a server that is not wirely's answers to the client's heartbeat:
 * const answer = (text: string): string | undefined => text === HEARTBEAT_PING ? HEARTBEAT_PONG : undefined;
 * console.log(answer('{"type":"wirely:ping"}')); // {"type":"wirely:pong"}
 * ```
 */
export const HEARTBEAT_PING: string = '{"type":"wirely:ping"}';
/**
 * The default heartbeat answer: `{"type":"wirely:pong"}`.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_PONG } from "@wirely/wirely/client";
 * console.log(JSON.parse(HEARTBEAT_PONG).type); // wirely:pong
 * ```
 */
export const HEARTBEAT_PONG: string = '{"type":"wirely:pong"}';

/**
 * Options of the client's `heartbeat`. Times are in milliseconds.
 *
 * @example Ping after 20 s of silence, give up 5 s later
 * ```ts
 * import { type HeartbeatOptions, WirelyClient } from "@wirely/wirely/client";
 * const heartbeat: HeartbeatOptions = { interval: 20_000, timeout: 5_000 };
 * const client = new WirelyClient("ws://127.0.0.1:9", { heartbeat, autoConnect: false });
 * client.close();
 * ```
 */
export interface HeartbeatOptions {
  /** Milliseconds of silence (nothing received) before a ping is sent. @default {25_000} */
  interval?: number;
  /** Milliseconds after a ping with nothing received before the connection is dropped and retried; independent of `interval` (any two positive values are valid: a dead connection is found within `interval + timeout`). @default {10_000} */
  timeout?: number;
  /** Text sent as the ping. @default {'{"type":"wirely:ping"}'} */
  ping?: string;
  /** Text the server answers with; consumed, not delivered. @default {'{"type":"wirely:pong"}'} */
  pong?: string;
}
