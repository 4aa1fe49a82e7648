/**
 * Defaults and validation of {@linkcode ServerOptions}, applied once when a server is created.
 * The resolved settings keep the groups of the options (`limits`, `handshake`, `heartbeat`);
 * errors name an option by its path (`'limits.maxMessageSize'`).
 *
 * @module
 */

import {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_MAX_HEAD_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  defaultMaxFramesPerMessage,
  MAX_TIMER_DELAY,
} from "../codec/_limits.ts";
import type { ServerOptions } from "./types.ts";

/** The per-connection limits a transport enforces (`options.limits`), every default applied. */
export interface Limits {
  /** Largest incoming message, bytes. */
  readonly maxMessageSize: number;
  /** Most frames per incoming message. */
  readonly maxFramesPerMessage: number;
  /** Slow-consumer cap, bytes waiting in the socket. */
  readonly maxBufferedBytes: number;
  /** Closing-handshake deadline of one connection, milliseconds. */
  readonly closeTimeout: number;
}

/** The handshake limits a binding enforces (`options.handshake`), every default applied. */
export interface HandshakeLimits {
  /** Request head / authentication deadline, milliseconds. */
  readonly timeout: number;
  /** Largest request head, bytes. */
  readonly maxHeadSize: number;
  /** Whether Deno's native engine keeps every request header after the upgrade. */
  readonly keepHeaders: boolean;
}

/** The heartbeat (`options.heartbeat`), every default applied. */
export interface HeartbeatSettings {
  /** Ping period, milliseconds (0 = no pings). */
  readonly interval: number;
  /** Pong deadline, milliseconds. */
  readonly timeout: number;
  /** Whether the application-level heartbeat message is answered. */
  readonly appMessage: boolean;
}

/** Every setting of a server with the defaults applied. */
export interface ServerSettings {
  /** Per-connection limits. */
  readonly limits: Limits;
  /** Handshake limits. */
  readonly handshake: HandshakeLimits;
  /** Heartbeat. */
  readonly heartbeat: HeartbeatSettings;
  /** How long `close()` waits before destroying what is left, milliseconds. */
  readonly shutdownTimeout: number;
}

/** Default settings, documented on {@linkcode ServerOptions}. */
export const DEFAULT_SETTINGS: ServerSettings = {
  limits: {
    maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
    maxFramesPerMessage: defaultMaxFramesPerMessage(DEFAULT_MAX_MESSAGE_SIZE),
    maxBufferedBytes: 16_777_216,
    closeTimeout: DEFAULT_CLOSE_TIMEOUT,
  },
  handshake: { timeout: 5_000, maxHeadSize: DEFAULT_MAX_HEAD_SIZE, keepHeaders: false },
  heartbeat: { interval: 30_000, timeout: 10_000, appMessage: true },
  shutdownTimeout: 10_000,
};

/** The heartbeat of `heartbeat: false`: no pings, the heartbeat message delivered. */
const HEARTBEAT_OFF: HeartbeatSettings = {
  interval: 0,
  timeout: DEFAULT_SETTINGS.heartbeat.timeout,
  appMessage: false,
};

/**
 * Applies defaults and checks every option.
 *
 * @throws {RangeError} If a limit is out of range (the message names the option's path and value).
 * @throws {TypeError} If a group, hook or policy has the wrong type.
 */
export function resolveServerOptions<Data>(options: ServerOptions<Data>): ServerSettings {
  const limits = group("limits", options.limits);
  const handshake = group("handshake", options.handshake);
  const maxMessageSize = size(
    "limits.maxMessageSize",
    limits.maxMessageSize,
    DEFAULT_SETTINGS.limits.maxMessageSize,
  );
  const settings: ServerSettings = {
    limits: {
      maxMessageSize,
      // The default follows the size limit (see ServerLimitOptions.maxFramesPerMessage).
      maxFramesPerMessage: size(
        "limits.maxFramesPerMessage",
        limits.maxFramesPerMessage,
        defaultMaxFramesPerMessage(maxMessageSize),
      ),
      maxBufferedBytes: size(
        "limits.maxBufferedBytes",
        limits.maxBufferedBytes,
        DEFAULT_SETTINGS.limits.maxBufferedBytes,
      ),
      closeTimeout: delay(
        "limits.closeTimeout",
        limits.closeTimeout,
        DEFAULT_SETTINGS.limits.closeTimeout,
        1,
      ),
    },
    handshake: {
      timeout: delay(
        "handshake.timeout",
        handshake.timeout,
        DEFAULT_SETTINGS.handshake.timeout,
        1,
      ),
      maxHeadSize: size(
        "handshake.maxHeadSize",
        handshake.maxHeadSize,
        DEFAULT_SETTINGS.handshake.maxHeadSize,
      ),
      keepHeaders: handshake.keepHeaders ?? DEFAULT_SETTINGS.handshake.keepHeaders,
    },
    heartbeat: resolveHeartbeat(options.heartbeat),
    shutdownTimeout: delay(
      "shutdownTimeout",
      options.shutdownTimeout,
      DEFAULT_SETTINGS.shutdownTimeout,
      1,
    ),
  };
  checkPolicies(handshake);
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
  return settings;
}

function resolveHeartbeat(value: ServerOptions<unknown>["heartbeat"]): HeartbeatSettings {
  if (value === false) return HEARTBEAT_OFF;
  const options = group("heartbeat", value, " or false");
  const interval = delay(
    "heartbeat.interval",
    options.interval,
    DEFAULT_SETTINGS.heartbeat.interval,
    0,
  );
  checkBoolean("heartbeat.appMessage", options.appMessage);
  const appMessage = options.appMessage ?? DEFAULT_SETTINGS.heartbeat.appMessage;
  const timeout = delay(
    "heartbeat.timeout",
    options.timeout,
    defaultHeartbeatTimeout(interval),
    1,
  );
  if (options.timeout !== undefined && interval > 0 && timeout >= interval) {
    throw new RangeError(
      `Cannot create server as 'heartbeat.timeout' must be < 'heartbeat.interval' (${interval}): current value is ${timeout}`,
    );
  }
  return { interval, timeout, appMessage };
}

/** A `TypeError` for an option that is set to something other than a boolean. */
function checkBoolean(path: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(
      `Cannot create server as '${path}' must be a boolean: current value is ${String(value)}`,
    );
  }
}

function checkPolicies(handshake: NonNullable<ServerOptions<unknown>["handshake"]>): void {
  const { origins, protocols, refuseUnknownProtocols, keepHeaders } = handshake;
  checkBoolean("handshake.refuseUnknownProtocols", refuseUnknownProtocols);
  checkBoolean("handshake.keepHeaders", keepHeaders);
  if (origins !== undefined && typeof origins !== "function" && !Array.isArray(origins)) {
    throw new TypeError(
      `Cannot create server as 'handshake.origins' must be an array or a function: current value is ${
        String(origins)
      }`,
    );
  }
  if (protocols !== undefined && typeof protocols !== "function" && !Array.isArray(protocols)) {
    throw new TypeError(
      `Cannot create server as 'handshake.protocols' must be an array or a function: current value is ${
        String(protocols)
      }`,
    );
  }
}

/**
 * The pong deadline when `heartbeat.timeout` is not set: 10 s, or half the interval when that is
 * shorter (at least 1 ms), so that any valid `heartbeat.interval` works on its own.
 */
export function defaultHeartbeatTimeout(interval: number): number {
  const fallback = DEFAULT_SETTINGS.heartbeat.timeout;
  if (interval === 0) return fallback;
  return Math.max(1, Math.min(fallback, Math.floor(interval / 2)));
}

/** An option group: `undefined` (all defaults) or an object (`false` too where `extra` says). */
function group<T extends object>(name: string, value: T | undefined, extra = ""): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Cannot create server as '${name}' must be an object${extra}: current value is ${
        String(value)
      }`,
    );
  }
  return value;
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
