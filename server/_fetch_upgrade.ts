/**
 * The request side shared by the bindings whose runtime hands them a fetch-API `Request` (Bun's
 * `server.upgrade()`, Deno's native engine in `_native_upgrade.ts`): the URL check (400), the
 * request head's size against `handshake.maxHeadSize` (431), the response of a refusal, and the
 * server's decision, tracked (so `close()` waits for it) and bounded by `handshake.timeout`
 * while `authenticate` runs. Touches no runtime API.
 *
 * @module
 */

import type { ServerCore } from "./core.ts";
import type { UpgradeRequest } from "./types.ts";
import {
  decideWithin,
  refusal,
  type UpgradeAcceptance,
  type UpgradeDecision,
  type UpgradeRefusal,
} from "./upgrade.ts";
import { headSize } from "./_binding.ts";

/** The refusal of a request whose URL cannot be built (a bad `Host` header or target). */
export const BAD_URL = (): UpgradeRefusal => refusal(400, "malformed request\n");

/**
 * The request's URL, or `undefined` when the runtime cannot build one: Deno's `request.url`
 * throws for a `Host` like `a b` or a bad target, which must become a 400, not a 500 with a
 * stack trace.
 */
export function urlOf(request: Request): URL | undefined {
  try {
    return new URL(request.url);
  } catch {
    return undefined;
  }
}

/** The HTTP response of a refusal. */
export function toResponse(answer: UpgradeRefusal): Response {
  return new Response(answer.body, {
    status: answer.status,
    statusText: answer.reason,
    headers: answer.headers,
  });
}

/** The bytes every field of `headers` took in the head (`name: value` and CRLF). */
export function fieldBytes(headers: Headers): number {
  let fields = 0;
  // forEach, not for-of: no iterator result and [name, value] array per field.
  headers.forEach((value, name) => {
    fields += name.length + value.length + 4;
  });
  return fields;
}

/**
 * The 431 answer when a head (the request line of `method` and `url`, then `fields` bytes of
 * header fields) is over `maxHeadSize`; `undefined` when it fits.
 */
export function headTooLarge(
  maxHeadSize: number,
  method: string,
  url: URL,
  fields: number,
): Response | undefined {
  const size = headSize(method.length, url.pathname.length + url.search.length, fields);
  if (size <= maxHeadSize) return undefined;
  return toResponse(refusal(431, "the request head is too large\n"));
}

/**
 * The upgrade request of `request`, or the response that refuses it: 400 when no URL can be
 * built from it (a `Host` like `a b`), 431 when its head is over `handshake.maxHeadSize`.
 */
export function fetchUpgradeRequest<Data>(
  core: ServerCore<Data>,
  request: Request,
  remoteAddress: string | undefined,
): UpgradeRequest | Response {
  const url = urlOf(request);
  if (url === undefined) return toResponse(BAD_URL());
  const { method, headers } = request;
  const tooLarge = headTooLarge(core.handshake.maxHeadSize, method, url, fieldBytes(headers));
  if (tooLarge !== undefined) return tooLarge;
  return { method, url, headers, remoteAddress };
}

/** A decision on an upgrade, and the function that ends its tracking. */
export interface TrackedDecision<Data> {
  /** The acceptance, or the refusal (503 when `close()` came first or `authenticate` timed out). */
  decision: UpgradeAcceptance<Data> | UpgradeRefusal;
  /** Ends the handshake's tracking: call it once the socket opened, or at once on a refusal. */
  done: () => void;
}

/**
 * Waits for `pending` (what `core.negotiate()` returned) with the handshake tracked by the core
 * (a `close()` meanwhile calls `onAbort` and turns the answer into 503) and, while
 * `authenticate` runs, bounded by `handshake.timeout` (then 503). On a refusal the tracking is
 * already ended.
 */
export async function trackDecision<Data>(
  core: ServerCore<Data>,
  pending: UpgradeDecision<Data> | Promise<UpgradeDecision<Data>>,
  onAbort?: () => void,
): Promise<TrackedDecision<Data>> {
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
    onAbort?.();
  });
  // Only `authenticate` makes the decision a promise: no timer per handshake without it.
  let decision = pending instanceof Promise
    ? await decideWithin(pending, core.handshake.timeout)
    : pending;
  if (aborted || core.closing) decision = refusal(503, "the server is shutting down\n");
  if (!decision.accept) done();
  return { decision, done };
}

/** {@linkcode trackDecision} of `core`'s decision on `request`. */
export function decideTracked<Data>(
  core: ServerCore<Data>,
  request: UpgradeRequest,
  onAbort?: () => void,
): Promise<TrackedDecision<Data>> {
  return trackDecision(core, core.negotiate(request), onAbort);
}
