/**
 * Defaults and validation of {@linkcode ServerOptions}, applied once when a server is created.
 *
 * @module
 */

import {
  DEFAULT_MAX_HEAD_SIZE,
  defaultMaxFramesPerMessage,
  MAX_TIMER_DELAY,
} from "../codec/_limits.ts";
import type { ServerOptions } from "./types.ts";

/** The limits a connection and a binding read, with every default applied. */
export interface Limits {
  /** Largest incoming message, bytes. */
  readonly maxMessageSize: number;
  /** Most frames per incoming message. */
  readonly maxFramesPerMessage: number;
  /** Slow-consumer cap, bytes waiting in the socket. */
  readonly maxBufferedBytes: number;
  /** Closing handshake deadline, milliseconds. */
  readonly closeTimeout: number;
  /** Request head / authentication deadline, milliseconds. */
  readonly handshakeTimeout: number;
  /** Largest request head, bytes. */
  readonly maxHeadSize: number;
  /** Ping period, milliseconds (0 = off). */
  readonly heartbeatInterval: number;
  /** Pong deadline, milliseconds. */
  readonly heartbeatTimeout: number;
  /** Whether the application-level heartbeat message is answered. */
  readonly appHeartbeat: boolean;
}

/** Default limits, documented on {@linkcode ServerOptions}. */
export const DEFAULT_LIMITS: Limits = {
  maxMessageSize: 1_048_576,
  maxFramesPerMessage: defaultMaxFramesPerMessage(1_048_576),
  maxBufferedBytes: 16_777_216,
  closeTimeout: 10_000,
  handshakeTimeout: 5_000,
  maxHeadSize: DEFAULT_MAX_HEAD_SIZE,
  heartbeatInterval: 30_000,
  heartbeatTimeout: 10_000,
  appHeartbeat: true,
};

/**
 * Applies defaults and checks every limit of `options`.
 *
 * @throws {RangeError} If a limit is out of range (the message names the option and value).
 * @throws {TypeError} If a hook or policy has the wrong type.
 */
export function resolveLimits<Data>(options: ServerOptions<Data>): Limits {
  const maxMessageSize = size(
    "maxMessageSize",
    options.maxMessageSize,
    DEFAULT_LIMITS.maxMessageSize,
  );
  const limits: { -readonly [K in keyof Limits]: Limits[K] } = {
    maxMessageSize,
    // The default follows the size limit (see ServerOptions.maxFramesPerMessage).
    maxFramesPerMessage: size(
      "maxFramesPerMessage",
      options.maxFramesPerMessage,
      defaultMaxFramesPerMessage(maxMessageSize),
    ),
    maxBufferedBytes: size(
      "maxBufferedBytes",
      options.maxBufferedBytes,
      DEFAULT_LIMITS.maxBufferedBytes,
    ),
    closeTimeout: delay("closeTimeout", options.closeTimeout, DEFAULT_LIMITS.closeTimeout, 1),
    handshakeTimeout: delay(
      "handshakeTimeout",
      options.handshakeTimeout,
      DEFAULT_LIMITS.handshakeTimeout,
      1,
    ),
    maxHeadSize: size("maxHeadSize", options.maxHeadSize, DEFAULT_LIMITS.maxHeadSize),
    heartbeatInterval: delay(
      "heartbeatInterval",
      options.heartbeatInterval,
      DEFAULT_LIMITS.heartbeatInterval,
      0,
    ),
    heartbeatTimeout: 0, // set below, from the interval when unset
    appHeartbeat: options.appHeartbeat ?? DEFAULT_LIMITS.appHeartbeat,
  };
  if (typeof limits.appHeartbeat !== "boolean") {
    throw new TypeError(
      `Cannot create server as 'appHeartbeat' must be a boolean: current value is ${
        String(limits.appHeartbeat)
      }`,
    );
  }
  limits.heartbeatTimeout = delay(
    "heartbeatTimeout",
    options.heartbeatTimeout,
    defaultHeartbeatTimeout(limits.heartbeatInterval),
    1,
  );
  if (
    options.heartbeatTimeout !== undefined && limits.heartbeatInterval > 0 &&
    limits.heartbeatTimeout >= limits.heartbeatInterval
  ) {
    throw new RangeError(
      `Cannot create server as 'heartbeatTimeout' must be < 'heartbeatInterval' (${limits.heartbeatInterval}): current value is ${limits.heartbeatTimeout}`,
    );
  }
  const { origins, protocols, refuseUnknownProtocols } = options;
  if (refuseUnknownProtocols !== undefined && typeof refuseUnknownProtocols !== "boolean") {
    throw new TypeError(
      `Cannot create server as 'refuseUnknownProtocols' must be a boolean: current value is ${
        String(refuseUnknownProtocols)
      }`,
    );
  }
  if (origins !== undefined && typeof origins !== "function" && !Array.isArray(origins)) {
    throw new TypeError(
      `Cannot create server as 'origins' must be an array or a function: current value is ${
        String(origins)
      }`,
    );
  }
  if (protocols !== undefined && typeof protocols !== "function" && !Array.isArray(protocols)) {
    throw new TypeError(
      `Cannot create server as 'protocols' must be an array or a function: current value is ${
        String(protocols)
      }`,
    );
  }
  for (
    const hook of ["authenticate", "onOpen", "onMessage", "onClose", "onError"] as const
  ) {
    const value: unknown = options[hook];
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(
        `Cannot create server as '${hook}' must be a function: current value is ${String(value)}`,
      );
    }
  }
  return limits;
}

/**
 * The pong deadline when `heartbeatTimeout` is not set: 10 s, or half the interval when that is
 * shorter (at least 1 ms), so that any valid `heartbeatInterval` works on its own.
 */
export function defaultHeartbeatTimeout(interval: number): number {
  if (interval === 0) return DEFAULT_LIMITS.heartbeatTimeout;
  return Math.max(1, Math.min(DEFAULT_LIMITS.heartbeatTimeout, Math.floor(interval / 2)));
}

/** A size in bytes or a count: an integer >= 1, or `Infinity`. */
function size(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value !== Infinity && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(
      `Cannot create server as '${name}' must be an integer >= 1 or Infinity: current value is ${value}`,
    );
  }
  return value;
}

/** A delay in milliseconds: an integer from `min` to 2^31 - 1. */
function delay(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > MAX_TIMER_DELAY) {
    throw new RangeError(
      `Cannot create server as '${name}' must be an integer from ${min} to ${MAX_TIMER_DELAY}: current value is ${value}`,
    );
  }
  return value;
}
