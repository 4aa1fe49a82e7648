/**
 * The handshake of one request on Deno's native sockets (`upgrade()`, `createNativeServer()` and
 * `serve({ engine: "native" })`): the codec's checks BEFORE `Deno.upgradeWebSocket`, which on its
 * own accepts requests the RFC refuses. Kept cheap per handshake and per idle connection: the
 * headers are read once (no `Headers.get` per check) and not copied, the decision is
 * synchronous without an `authenticate` hook (no promise, no timer, no closure), and the
 * {@linkcode NativeTransport} itself waits for Deno's `open` event.
 *
 * @module
 */

import type { ServerCore } from "./core.ts";
import { NativeTransport, type NativeWebSocket } from "./native_transport.ts";
import type { UpgradeRequest } from "./types.ts";
import { decideWithin, refusal, type UpgradeDecision, type UpgradeRefusal } from "./upgrade.ts";
import { headSize } from "./_binding.ts";
import { RawHeaders } from "./_node_socket.ts";

/** `Deno.upgradeWebSocket`, passed in by the Deno binding (the only file touching `Deno.*`). */
export type UpgradeWebSocket = (
  request: Request,
  options: { idleTimeout?: number },
) => { socket: NativeWebSocket; response: Response };

/** The refusal of a request whose URL cannot be built (a bad `Host` header or target). */
export const BAD_URL = (): UpgradeRefusal => refusal(400, "malformed request\n");

/**
 * The request's URL, or `undefined` when Deno cannot build one: `request.url` throws for a
 * `Host` like `a b` or a bad target, which must become a 400, not a 500 with a stack trace.
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

/**
 * The request's header fields, read once for the handshake's checks (a `Headers.get` per check
 * would search Deno's list each time), and the request head's size as the codec engine counts
 * it. Deno keeps the `Request` (and so its `Headers`) as long as the socket lives: the
 * connection's `headers` is that same object, not a copy.
 */
function readFields(request: Request, url: URL): { lookup: RawHeaders; size: number } {
  const raw: string[] = [];
  let fields = 0;
  // forEach, not for-of: no iterator result and [name, value] array per field.
  request.headers.forEach((value, name) => {
    raw.push(name, value);
    fields += name.length + value.length + 4;
  });
  const target = url.pathname.length + url.search.length;
  return { lookup: new RawHeaders(raw), size: headSize(request.method.length, target, fields) };
}

/**
 * Answers one upgrade request: the 101 response (the connection opens once Deno has sent it), or
 * the refusal. Synchronous unless the server has an `authenticate` hook.
 */
export function nativeUpgrade<Data>(
  core: ServerCore<Data>,
  request: Request,
  url: URL,
  remoteAddress: string | undefined,
  upgradeWebSocket: UpgradeWebSocket,
): Response | Promise<Response> {
  const { lookup, size } = readFields(request, url);
  if (size > core.handshake.maxHeadSize) {
    return toResponse(refusal(431, "the request head is too large\n"));
  }
  const upgradeRequest: UpgradeRequest = {
    method: request.method,
    url,
    headers: request.headers,
    remoteAddress,
  };
  const decision = core.negotiate(upgradeRequest, lookup);
  if (!(decision instanceof Promise)) {
    return answer(core, request, upgradeRequest, decision, upgradeWebSocket, undefined);
  }
  return authenticated(core, request, upgradeRequest, decision, upgradeWebSocket);
}

/** The decision of an `authenticate` hook, bounded by `handshake.timeout` and by `close()`. */
async function authenticated<Data>(
  core: ServerCore<Data>,
  request: Request,
  upgradeRequest: UpgradeRequest,
  pending: Promise<UpgradeDecision<Data>>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Response> {
  // `close()` waits for this handshake (a socket that opens after it started gets 1001).
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
  });
  let decision = await decideWithin(pending, core.handshake.timeout);
  if (aborted) decision = refusal(503, "the server is shutting down\n");
  const response = answer(core, request, upgradeRequest, decision, upgradeWebSocket, done);
  if (response.status !== 101) done();
  return response;
}

/** Upgrades with Deno for an acceptance; `done` is called once the socket opened or closed. */
function answer<Data>(
  core: ServerCore<Data>,
  request: Request,
  upgradeRequest: UpgradeRequest,
  decision: UpgradeDecision<Data>,
  upgradeWebSocket: UpgradeWebSocket,
  done: (() => void) | undefined,
): Response {
  if (!decision.accept) return toResponse(decision);
  const { protocol, data } = decision;
  const heartbeat = core.heartbeat.interval;
  let upgraded: { socket: NativeWebSocket; response: Response };
  try {
    upgraded = upgradeWebSocket(request, {
      // Deno pings after idleTimeout / 2 seconds of silence and closes idleTimeout / 2 later.
      idleTimeout: heartbeat === 0 ? 0 : Math.max(2, Math.ceil((2 * heartbeat) / 1000)),
    });
    // Deno's own `protocol` option only parses offers separated by ", " (not ","): the codec
    // already chose among the offered names, so the header is set here.
    if (protocol !== "") upgraded.response.headers.set("sec-websocket-protocol", protocol);
  } catch (error) {
    core.reportError(error, undefined);
    return toResponse(refusal(400, "the upgrade failed\n"));
  }
  NativeTransport.opening(upgraded.socket, core, upgradeRequest, protocol, data, done);
  return upgraded.response;
}
