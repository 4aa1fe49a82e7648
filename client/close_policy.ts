// This module is browser compatible.
/**
 * Whether the client reconnects after a connection (or an attempt) ended, by the HTTP status
 * of a refused handshake (where the transport saw it) or else by close code.
 *
 * The default policy ({@linkcode defaultClosePolicy}) first looks at `status`, the HTTP status
 * of a refused handshake. Only `tcpTransport` sees it; the WebSocket API (browsers, the native
 * transport) reports a refused handshake as a bare 1006:
 *
 * | Handshake status | Meaning | Decision |
 * | --- | --- | --- |
 * | 408, 429 | request timeout, too many requests | retry (as 1006) |
 * | other 4xx (400, 401, 403, 404, ...) | the request is wrong: credentials, path, origin | stop |
 * | 5xx, others | the server cannot take it now (503 while shutting down) | retry (as 1006) |
 *
 * Then, or when there is no status, the close code:
 *
 * | Close code | Meaning | Decision |
 * | --- | --- | --- |
 * | 1006 | no close frame: network error, refused, timed out | retry |
 * | 1001 | going away (server restart, page navigation) | retry |
 * | 1005 | close frame without a code | retry |
 * | 1011 | internal server error (often transient: a crash, a bad deploy) | retry |
 * | 1012 | service restart | retry |
 * | 1013 | try again later | retry, 5 s more than the usual backoff delay |
 * | 1014 | bad gateway | retry |
 * | 1000 | the server closed on purpose | stop |
 * | 1002, 1003, 1007, 1008, 1009, 1010 | the client sent something the server will not take | stop |
 * | 1015 | TLS handshake failed (a certificate does not fix itself) | stop |
 * | 3000, 3003 | unauthorized, forbidden (IANA registry): a refusal after the upgrade | stop |
 * | other 3000-3999 | registered library codes (3008 timeout, ...) | retry |
 * | 4000-4499 | application codes: transient | retry |
 * | 4500-4999 | application codes: final | stop |
 * | anything else | not a valid close code | stop |
 *
 * A `close()` by the user never reconnects, whatever the policy says.
 *
 * A server that refuses a browser client must say so after the upgrade, as the browser cannot
 * see an HTTP status: accept the handshake, then close with 3000 (unauthorized, like 401) or
 * 3003 (forbidden, like 403), or any code of 4500-4999 for another final refusal, with the
 * reason in the close reason. Every client stops there; a 4xx status stops only `tcpTransport`.
 *
 * @module
 */

import { check } from "./_check.ts";

/**
 * How a connection or a connection attempt ended, as the close policy sees it.
 *
 * @example
 * ```ts
 * import type { CloseContext } from "@wirely/wirely/client";
 * const refused: CloseContext = { code: 1006, reason: "", wasClean: false, opened: false };
 * console.log(refused.opened); // false
 * ```
 */
export interface CloseContext {
  /** The close code; 1006 when the network failed or an attempt timed out. */
  readonly code: number;
  /** The close reason, `""` when none. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** Whether this connection had opened (`false`: the attempt failed). */
  readonly opened: boolean;
  /**
   * The HTTP status with which the server refused the handshake, when the transport saw it
   * (`tcpTransport`); absent otherwise, and always in browsers and the native transport.
   */
  readonly status?: number;
}

/**
 * What to do after a close: retry (optionally waiting `minDelay` milliseconds more than the
 * backoff delay) or stop for good.
 *
 * @example
 * ```ts
 * import type { CloseDecision } from "@wirely/wirely/client";
 * const later: CloseDecision = { action: "retry", minDelay: 10_000 };
 * console.log(later.action); // retry
 * ```
 */
export type CloseDecision =
  | {
    readonly action: "retry";
    /** Milliseconds added to the backoff delay. @default {0} */
    readonly minDelay?: number;
  }
  | { readonly action: "stop" };

/**
 * Decides whether to reconnect after a close. Pass one as the client's `closePolicy`.
 *
 * @example Also stop on 4001, otherwise as the default does
 * ```ts
 * import { type ClosePolicy, defaultClosePolicy } from "@wirely/wirely/client";
 * const policy: ClosePolicy = (close) =>
 *   close.code === 4001 ? { action: "stop" } : defaultClosePolicy(close);
 * console.log(policy({ code: 4001, reason: "", wasClean: true, opened: true }).action); // stop
 * ```
 */
export type ClosePolicy = (close: CloseContext) => CloseDecision;

/**
 * Options of {@linkcode createClosePolicy}.
 *
 * @example
 * ```ts
 * import { type ClosePolicyOptions, createClosePolicy } from "@wirely/wirely/client";
 * const options: ClosePolicyOptions = { tryAgainLaterDelay: 30_000 };
 * const policy = createClosePolicy(options);
 * console.log(policy({ code: 1013, reason: "", wasClean: true, opened: true }));
 * // { action: "retry", minDelay: 30000 }
 * ```
 */
export interface ClosePolicyOptions {
  /** Milliseconds added to the backoff delay after 1013 (try again later). @default {5_000} */
  tryAgainLaterDelay?: number;
}

const RETRY: CloseDecision = { action: "retry" };
const STOP: CloseDecision = { action: "stop" };
/** Codes 1000-1015 that retry, as bits (1001, 1005, 1006, 1011, 1012, 1014). */
const RETRY_CODES = 0b101100001100010;

/**
 * Builds the default close policy (see the module documentation for the table) with a custom
 * delay after 1013.
 *
 * @param options The extra delay after 1013.
 * @returns A close policy.
 * @throws {RangeError} When `tryAgainLaterDelay` is negative or not finite.
 *
 * @example Back off a full minute when the server says "try again later"
 * ```ts
 * import { createClosePolicy } from "@wirely/wirely/client";
 * const policy = createClosePolicy({ tryAgainLaterDelay: 60_000 });
 * console.log(policy({ code: 1013, reason: "", wasClean: true, opened: true }));
 * // { action: "retry", minDelay: 60000 }
 * ```
 */
export function createClosePolicy(options: ClosePolicyOptions = {}): ClosePolicy {
  const { tryAgainLaterDelay = 5_000 } = options;
  check(
    tryAgainLaterDelay >= 0 && tryAgainLaterDelay < Infinity,
    "tryAgainLaterDelay",
    tryAgainLaterDelay,
  );
  const tryAgainLater: CloseDecision = { action: "retry", minDelay: tryAgainLaterDelay };
  return ({ code, status }) => {
    if (status! >= 400 && status! < 500 && status !== 408 && status !== 429) return STOP;
    if (code === 1013) return tryAgainLater;
    return (code >= 1000 && code < 1016
        ? RETRY_CODES >> (code - 1000) & 1
        : code >= 3000 && code < 4500 && code !== 3000 && code !== 3003)
      ? RETRY
      : STOP;
  };
}

/**
 * The default close policy: retry after network failures and transient server conditions,
 * stop after a deliberate close or a refusal (table in the module documentation).
 *
 * @example
 * ```ts
 * import { defaultClosePolicy } from "@wirely/wirely/client";
 * const info = { reason: "", wasClean: true, opened: true };
 * console.log(defaultClosePolicy({ ...info, code: 1012 }).action); // retry
 * console.log(defaultClosePolicy({ ...info, code: 1008 }).action); // stop
 * const refused = { code: 1006, reason: "", wasClean: false, opened: false };
 * console.log(defaultClosePolicy({ ...refused, status: 401 }).action); // stop
 * console.log(defaultClosePolicy({ ...refused, status: 503 }).action); // retry
 * ```
 */
export const defaultClosePolicy: ClosePolicy = createClosePolicy();
