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
 * It is opt-in and carries its own code: a page that never calls {@linkcode heartbeat} does not
 * ship it.
 *
 * @example Find a dead connection within 20 s + 5 s
 * ```ts
 * import { heartbeat, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", {
 *   heartbeat: heartbeat({ interval: 20_000, timeout: 5_000 }),
 *   autoConnect: false,
 * });
 * client.close();
 * ```
 *
 * @module
 */

import { check, isDelay } from "./_check.ts";
import type { Clock } from "./clock.ts";
import type { Transport } from "./transport.ts";
import { watches } from "./_watches.ts";

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
 * Options of {@linkcode heartbeat}. Times are in milliseconds.
 *
 * @example Ping after 20 s of silence, give up 5 s later
 * ```ts
 * import { heartbeat, type HeartbeatOptions, WirelyClient } from "@wirely/wirely/client";
 * const options: HeartbeatOptions = { interval: 20_000, timeout: 5_000 };
 * const client = new WirelyClient("ws://127.0.0.1:9", {
 *   heartbeat: heartbeat(options),
 *   autoConnect: false,
 * });
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

/**
 * Watches one open connection (made by {@linkcode Heartbeat.watch}).
 *
 * @example
 * ```ts
 * import { heartbeat, systemClock, type Transport } from "@wirely/wirely/client";
 * const transport: Transport = {
 *   bufferedAmount: 0,
 *   send: (data) => console.log("sent", data),
 *   close: () => {},
 *   abort: () => {},
 * };
 * const watch = heartbeat().watch(transport, systemClock, () => console.log("dead"));
 * watch.check(); // sent {"type":"wirely:ping"}
 * console.log(watch.seen('{"type":"wirely:pong"}')); // true (consumed)
 * watch.stop();
 * ```
 */
export interface HeartbeatWatch {
  /**
   * Something arrived: the connection is alive.
   *
   * @param data The message or pong payload that arrived.
   * @returns `true` when `data` is the heartbeat's ping or pong text (the client then does not
   *   deliver it).
   */
  seen(data?: string | Uint8Array): boolean;
  /** Sends a ping now unless one is already waiting for its answer. */
  check(): void;
  /** Stops every timer. */
  stop(): void;
}

/**
 * A heartbeat for the client's `heartbeat` option: its settings (defaults applied) and the
 * code that runs it. Made by {@linkcode heartbeat}.
 *
 * @example
 * ```ts
 * import { heartbeat, type Heartbeat } from "@wirely/wirely/client";
 * const beat: Heartbeat = heartbeat({ timeout: 5_000 });
 * console.log(beat.interval, beat.timeout); // 25000 5000
 * ```
 */
export interface Heartbeat {
  /** Milliseconds of silence before a ping. */
  readonly interval: number;
  /** Milliseconds to wait after a ping. */
  readonly timeout: number;
  /** Text of the ping. */
  readonly ping: string;
  /** Text of the pong. */
  readonly pong: string;
  /**
   * Starts watching a connection that just opened: sends the ping over `transport` after
   * `interval` of silence, calls `onDead` when nothing arrived within `timeout` after a ping.
   */
  watch(transport: Transport, clock: Clock, onDead: () => void): HeartbeatWatch;
}

/**
 * Turns the client's application-level heartbeat on (pass the result as the `heartbeat`
 * option). Defaults are applied and every option is checked here, before any I/O.
 *
 * @param options Times in milliseconds and the ping/pong texts.
 * @returns The heartbeat to pass as `heartbeat` (one value may serve many clients).
 * @throws {RangeError} When a time is not between 1 and 2147483647.
 * @throws {TypeError} When `ping` or `pong` is not a non-empty string.
 *
 * @example
 * ```ts
 * import { heartbeat, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { heartbeat: heartbeat(), autoConnect: false });
 * client.close();
 * ```
 */
export function heartbeat(options: HeartbeatOptions = {}): Heartbeat {
  const { interval = 25_000, timeout = 10_000, ping = HEARTBEAT_PING, pong = HEARTBEAT_PONG } =
    options;
  check(isDelay(interval, 1), "interval", interval);
  check(isDelay(timeout, 1), "timeout", timeout);
  check(typeof ping === "string" && ping, "ping", ping, TypeError);
  check(typeof pong === "string" && pong, "pong", pong, TypeError);
  return {
    interval,
    timeout,
    ping,
    pong,
    watch(transport: Transport, clock: Clock, onDead: () => void): HeartbeatWatch {
      return watch(this, transport, clock, onDead);
    },
  };
}

/** Pings after silence, declares the connection dead after a silent timeout. */
function watch(
  { interval, timeout, ping, pong }: Heartbeat,
  transport: Transport,
  clock: Clock,
  onDead: () => void,
): HeartbeatWatch {
  let lastSeen = clock.now();
  let pingSentAt: number | undefined;
  let cancel: (() => void) | undefined;
  const schedule = (delay: number): void => {
    cancel?.();
    cancel = clock.schedule(tick, delay);
  };
  const sendNow = (now: number): void => {
    pingSentAt = now;
    schedule(timeout);
    transport.send(ping);
  };
  function tick(): void {
    cancel = undefined;
    const now = clock.now();
    if (pingSentAt !== undefined) {
      const waited = now - pingSentAt;
      if (waited >= timeout) onDead();
      // A clock set back makes `waited` negative: never wait longer than one timeout.
      else schedule(Math.min(timeout - waited, timeout));
      return;
    }
    const silence = now - lastSeen;
    if (silence >= interval) sendNow(now);
    else schedule(Math.min(interval - silence, interval));
  }
  schedule(interval);
  const watching: HeartbeatWatch = {
    seen(data?: string | Uint8Array): boolean {
      lastSeen = clock.now();
      if (pingSentAt !== undefined) {
        // Answered: the next check is one interval from now, not at the old deadline.
        pingSentAt = undefined;
        schedule(interval);
      }
      return data === ping || data === pong;
    },
    check(): void {
      if (pingSentAt === undefined) sendNow(clock.now());
    },
    stop(): void {
      cancel?.();
      cancel = undefined;
      watches.delete(transport);
    },
  };
  watches.set(transport, watching);
  return watching;
}
