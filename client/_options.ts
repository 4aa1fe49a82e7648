// This module is browser compatible.
/**
 * Applies the client's defaults once and checks every option before any I/O; converts URLs
 * and outgoing data.
 *
 * @module
 */

import { Backoff } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type ClosePolicy, defaultClosePolicy } from "./close_policy.ts";
import { ClientError } from "./errors.ts";
import type { Heartbeat } from "./heartbeat.ts";
import { nativeTransport, readData } from "./native_transport.ts";
import type { NetworkSignals } from "./network.ts";
import type { SendData, SendOptions, WirelyClientOptions } from "./options.ts";
import { byteLength, SendQueue } from "./queue.ts";
import type { TransportData, TransportFactory } from "./transport.ts";
import { DEFAULT_CLOSE_TIMEOUT, invalid, MAX_TIMER_DELAY } from "./_check.ts";

const CREATE = "create the client";

/** Client options with defaults applied. */
export interface ClientSettings {
  readonly transport: TransportFactory;
  readonly connectTimeout: number;
  readonly closeTimeout: number;
  readonly backoff: Backoff;
  readonly closePolicy: ClosePolicy;
  readonly queue: SendQueue;
  readonly heartbeat: Heartbeat | undefined;
  readonly autoConnect: boolean;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly network: NetworkSignals | undefined;
  /** Where `error` events nobody listens for go; `undefined`: dropped. */
  readonly unhandledError: ((error: Error) => void) | undefined;
}

/**
 * The default `onUnhandledError`: `console.error` once per distinct code (a `ClientError`'s,
 * a `HandshakeError`'s...) or else name, so a client that can never connect says why once
 * instead of silently, and a retry loop does not flood the log.
 */
function logOncePerCode(): (error: Error) => void {
  const logged = new Set<string>();
  return (error) => {
    const code = (error as { code?: unknown }).code;
    const key = typeof code === "string" ? code : error.name;
    if (logged.has(key)) return;
    logged.add(key);
    console.error(`wirely: unhandled 'error' (${key}, logged once per code)`, error);
  };
}

function checkTimeout(name: string, value: number): void {
  if (!(value > 0 && value <= MAX_TIMER_DELAY)) {
    throw invalid(CREATE, name, `between 1 and ${MAX_TIMER_DELAY}`, value);
  }
}

/** Checks that `value` is `undefined`, `false` or has a function named `method`. */
function checkPlugin(name: string, value: unknown, method: string, rule: string): void {
  if (
    value !== undefined && value !== false &&
    typeof (value as Record<string, unknown>)[method] !== "function"
  ) {
    throw invalid(CREATE, name, rule, typeof value, TypeError);
  }
}

/** Applies defaults and validates; throws `RangeError`/`TypeError`. */
export function resolveSettings(options: WirelyClientOptions): ClientSettings {
  const {
    connectTimeout = 10_000,
    closeTimeout = DEFAULT_CLOSE_TIMEOUT,
    closePolicy = defaultClosePolicy,
    autoConnect = true,
    clock = systemClock,
    signal,
  } = options;
  checkTimeout("connectTimeout", connectTimeout);
  checkTimeout("closeTimeout", closeTimeout);
  if (typeof closePolicy !== "function") {
    throw invalid(CREATE, "closePolicy", "a function", typeof closePolicy, TypeError);
  }
  if (options.transport !== undefined && options.WebSocket !== undefined) {
    throw invalid(CREATE, "transport", "alone (not with 'WebSocket')", "both", TypeError);
  }
  const { network, heartbeat, onUnhandledError = logOncePerCode() } = options;
  checkPlugin("network", network, "subscribe", "false or have a subscribe method");
  checkPlugin("heartbeat", heartbeat, "watch", "made by heartbeat()");
  if (onUnhandledError !== false && typeof onUnhandledError !== "function") {
    throw invalid(
      CREATE,
      "onUnhandledError",
      "a function or false",
      typeof onUnhandledError,
      TypeError,
    );
  }
  const transport = options.transport ?? nativeTransport({ WebSocket: options.WebSocket });
  return {
    transport,
    connectTimeout,
    closeTimeout,
    backoff: new Backoff(options.backoff),
    closePolicy,
    queue: new SendQueue(options.queue),
    heartbeat: heartbeat === false ? undefined : heartbeat,
    autoConnect,
    signal,
    clock,
    network: network === false ? undefined : network,
    unhandledError: onUnhandledError === false ? undefined : onUnhandledError,
  };
}

/**
 * Turns a URL into the string a transport connects to: `ws:`/`wss:` (`http:`/`https:` mapped),
 * no fragment.
 * @throws {TypeError} When it is not a URL of those schemes.
 */
export function toWebSocketUrl(value: string | URL): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
    url.protocol = url.protocol.replace(/^http/, "ws");
  } catch {
    // Not a URL: refused below.
  }
  if (url?.protocol !== "ws:" && url?.protocol !== "wss:") {
    const current = JSON.stringify(String(value));
    throw invalid("connect", "url", "a ws: or wss: URL", current, TypeError);
  }
  url.hash = "";
  return url.href;
}

/** Normalizes a `protocols` value to a fresh list. */
export function toProtocolList(value: string | readonly string[]): string[] {
  const list = typeof value === "string" ? [value] : [...value];
  for (const name of list) {
    if (typeof name !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw invalid("connect", "protocols", "HTTP tokens", JSON.stringify(name), TypeError);
    }
  }
  return list;
}

/** Converts what `send` accepts to what a transport takes (views over the same bytes). */
export function toOutgoing(data: SendData): TransportData {
  const read = readData(data);
  if (read !== undefined) return read;
  if (typeof Blob === "function" && data instanceof Blob) return data;
  const type = Object.prototype.toString.call(data);
  throw invalid("send", "data", "a string, ArrayBuffer, ArrayBufferView or Blob", type, TypeError);
}

/** Checks per-send options; returns them with defaults applied. */
export function resolveSendOptions(options: SendOptions): { volatile: boolean; ttl: number } {
  const { volatile = false, ttl = Infinity } = options;
  if (!(ttl > 0)) {
    throw invalid("send", "ttl", "> 0", ttl);
  }
  return { volatile, ttl };
}

/** Checks `close()` arguments the way the WebSocket API does, before anything changes. */
export function checkCloseArguments(code: number, reason: string): void {
  if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
    throw invalid("close", "code", "1000 or 3000-4999", code);
  }
  const size = byteLength(reason);
  if (size > 123) {
    throw invalid("close", "reason", "at most 123 UTF-8 bytes", `${size} bytes`);
  }
}

/** The error a client's `opened` promise rejects with once it closed. */
export function closedError(cause: unknown): ClientError {
  return new ClientError("CLOSED", "The client closed before the connection opened", { cause });
}
