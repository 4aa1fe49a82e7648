// This module is browser compatible.
/**
 * The heartbeat's timer logic for one open connection.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { HEARTBEAT_PING, HEARTBEAT_PONG, type HeartbeatOptions } from "./heartbeat.ts";

/** Heartbeat options with every default applied. */
export interface HeartbeatSettings {
  /** Milliseconds of silence before a ping. */
  readonly interval: number;
  /** Milliseconds to wait after a ping. */
  readonly timeout: number;
  /** Text of the ping. */
  readonly ping: string;
  /** Text of the pong. */
  readonly pong: string;
}

/**
 * Applies defaults and checks ranges.
 *
 * @param options `true` for the defaults, `false` to turn the heartbeat off, or options.
 * @returns The settings, or `undefined` when off.
 * @throws {RangeError} When a time is not a positive finite number.
 * @throws {TypeError} When `ping` or `pong` is not a non-empty string.
 */
export function resolveHeartbeat(
  options: HeartbeatOptions | boolean | undefined,
): HeartbeatSettings | undefined {
  if (options === undefined || options === false) return undefined;
  const {
    interval = 25_000,
    timeout = 10_000,
    ping = HEARTBEAT_PING,
    pong = HEARTBEAT_PONG,
  } = options === true ? {} : options;
  for (const [name, value] of [["interval", interval], ["timeout", timeout]] as const) {
    if (!(value > 0 && value <= 2_147_483_647)) {
      throw new RangeError(
        `Cannot configure the heartbeat as '${name}' must be between 1 and 2147483647: current value is ${value}`,
      );
    }
  }
  for (const [name, value] of [["ping", ping], ["pong", pong]] as const) {
    if (typeof value !== "string" || value === "") {
      throw new TypeError(
        `Cannot configure the heartbeat as '${name}' must be a non-empty string: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  return { interval, timeout, ping, pong };
}

/** Watches one open connection: pings after silence, declares it dead after a silent timeout. */
export class Heartbeat {
  readonly #settings: HeartbeatSettings;
  readonly #clock: Clock;
  readonly #sendPing: () => void;
  readonly #onDead: () => void;
  #lastSeen = 0;
  #pingSentAt: number | undefined;
  #cancel: (() => void) | undefined;

  constructor(
    settings: HeartbeatSettings,
    clock: Clock,
    sendPing: () => void,
    onDead: () => void,
  ) {
    this.#settings = settings;
    this.#clock = clock;
    this.#sendPing = sendPing;
    this.#onDead = onDead;
  }

  /** Starts watching (the connection just opened). */
  start(): void {
    this.#lastSeen = this.#clock.now();
    this.#pingSentAt = undefined;
    this.#schedule(this.#settings.interval);
  }

  /** Stops every timer. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Something arrived: the connection is alive. */
  seen(): void {
    this.#lastSeen = this.#clock.now();
    if (this.#pingSentAt === undefined) return;
    // Answered: the next check is one interval from now, not at the old deadline.
    this.#pingSentAt = undefined;
    this.#schedule(this.#settings.interval);
  }

  /** Sends a ping now unless one is already waiting for an answer. */
  check(): void {
    if (this.#pingSentAt !== undefined) return;
    this.#ping(this.#clock.now());
  }

  #ping(now: number): void {
    this.#pingSentAt = now;
    this.#schedule(this.#settings.timeout);
    this.#sendPing();
  }

  #schedule(delay: number): void {
    this.#cancel?.();
    this.#cancel = this.#clock.schedule(() => this.#tick(), delay);
  }

  #tick(): void {
    this.#cancel = undefined;
    const now = this.#clock.now();
    const { interval, timeout } = this.#settings;
    if (this.#pingSentAt !== undefined) {
      const waited = now - this.#pingSentAt;
      if (waited >= timeout) {
        this.#onDead();
        return;
      }
      // A clock set back makes `waited` negative: never wait longer than one timeout.
      this.#schedule(Math.min(timeout - waited, timeout));
      return;
    }
    const silence = now - this.#lastSeen;
    if (silence >= interval) this.#ping(now);
    else this.#schedule(Math.min(interval - silence, interval));
  }
}
