/**
 * The request side of a binding whose runtime hands it a fetch-API `Request` (Bun's
 * `server.upgrade()`, Deno's `upgradeWebSocket()`): the request as hooks see it, with its URL
 * and head size checked, and the server's decision, tracked (so `close()` waits for it) and
 * bounded by `handshake.timeout` while `authenticate` runs. Touches no runtime API.
 *
 * @module
 */

import type { ServerCore } from "./core.ts";
import { BAD_URL, toResponse, urlOf } from "./native_server.ts";
import type { UpgradeRequest } from "./types.ts";
import { decideWithin, refusal, type UpgradeAcceptance, type UpgradeRefusal } from "./upgrade.ts";
import { headSize } from "./_binding.ts";

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
  let fields = 0;
  for (const [name, value] of request.headers) fields += name.length + value.length + 4;
  const size = headSize(request.method.length, url.pathname.length + url.search.length, fields);
  if (size > core.handshake.maxHeadSize) {
    return toResponse(refusal(431, "the request head is too large\n"));
  }
  return { method: request.method, url, headers: request.headers, remoteAddress };
}

/** A decision on an upgrade, and the function that ends its tracking. */
export interface TrackedDecision<Data> {
  /** The acceptance, or the refusal (503 when `close()` came first or `authenticate` timed out). */
  decision: UpgradeAcceptance<Data> | UpgradeRefusal;
  /** Ends the handshake's tracking: call it once the socket opened, or at once on a refusal. */
  done: () => void;
}

/**
 * Decides on `request` with the handshake tracked by the core (a `close()` meanwhile calls
 * `onAbort` and turns the answer into 503) and, while `authenticate` runs, bounded by
 * `handshake.timeout` (then 503). On a refusal the tracking is already ended.
 */
export async function decideTracked<Data>(
  core: ServerCore<Data>,
  request: UpgradeRequest,
  onAbort?: () => void,
): Promise<TrackedDecision<Data>> {
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
    onAbort?.();
  });
  // Only `authenticate` can make the decision wait: no timer per handshake without it.
  let decision = !core.hasAuthenticate
    ? await core.negotiate(request)
    : await decideWithin(core.negotiate(request), core.handshake.timeout);
  if (aborted || core.closing) decision = refusal(503, "the server is shutting down\n");
  if (!decision.accept) done();
  return { decision, done };
}
