/**
 * The handshake of one request on Deno's native sockets (`upgrade()`, `createNativeServer()` and
 * `serve({ engine: "native" })`): the codec's checks BEFORE `Deno.upgradeWebSocket`, which on its
 * own accepts requests the RFC refuses. Kept cheap per handshake and per idle connection: the
 * headers are read once (no `Headers.get` per check) and kept as one string, the decision is
 * synchronous without an `authenticate` hook (no promise, no timer, no closure), and the
 * {@linkcode NativeTransport} itself waits for Deno's `open` event.
 *
 * @module
 */

import type { ServerCore } from "./core.ts";
import { NativeTransport, type NativeWebSocket } from "./native_transport.ts";
import type { UpgradeRequest } from "./types.ts";
import { refusal, type UpgradeDecision, type UpgradeRefusal } from "./upgrade.ts";
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
 * The upgrade request as hooks and the connection see it: the header fields are read once from
 * Deno's `Headers` and kept as one string; `headers` is built again on first access and kept.
 */
export class NativeUpgradeRequest implements UpgradeRequest {
  readonly method: string;
  readonly url: URL;
  readonly remoteAddress: string | undefined;
  /** The header fields (no `Headers.get`, which searches Deno's list on every call). */
  readonly lookup: RawHeaders;
  /** The request head's size as the codec engine counts it, bytes. */
  readonly headSize: number;
  #headers: Headers | undefined;

  constructor(request: Request, url: URL, remoteAddress: string | undefined) {
    this.method = request.method;
    this.url = url;
    this.remoteAddress = remoteAddress;
    const raw: string[] = [];
    let fields = 0;
    for (const [name, value] of request.headers) {
      raw.push(name, value);
      fields += name.length + value.length + 4;
    }
    this.lookup = new RawHeaders(raw);
    this.headSize = headSize(this.method.length, url.pathname.length + url.search.length, fields);
  }

  /** The request headers. */
  get headers(): Headers {
    return this.#headers ??= this.lookup.toHeaders();
  }
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
  const upgradeRequest = new NativeUpgradeRequest(request, url, remoteAddress);
  if (upgradeRequest.headSize > core.limits.maxHeadSize) {
    return toResponse(refusal(431, "the request head is too large\n"));
  }
  const decision = core.negotiate(upgradeRequest, upgradeRequest.lookup);
  if (!(decision instanceof Promise)) {
    return answer(core, request, upgradeRequest, decision, upgradeWebSocket, undefined);
  }
  return authenticated(core, request, upgradeRequest, decision, upgradeWebSocket);
}

/** The decision of an `authenticate` hook, bounded by `handshakeTimeout` and by `close()`. */
async function authenticated<Data>(
  core: ServerCore<Data>,
  request: Request,
  upgradeRequest: NativeUpgradeRequest,
  pending: Promise<UpgradeDecision<Data>>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Response> {
  // `close()` waits for this handshake (a socket that opens after it started gets 1001).
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let decision: UpgradeDecision<Data>;
  try {
    decision = await Promise.race([
      pending,
      new Promise<UpgradeRefusal>((resolve) => {
        timer = setTimeout(
          () => resolve(refusal(503, "the handshake took too long\n")),
          core.limits.handshakeTimeout,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  if (aborted) decision = refusal(503, "the server is shutting down\n");
  const response = answer(core, request, upgradeRequest, decision, upgradeWebSocket, done);
  if (response.status !== 101) done();
  return response;
}

/** Upgrades with Deno for an acceptance; `done` is called once the socket opened or closed. */
function answer<Data>(
  core: ServerCore<Data>,
  request: Request,
  upgradeRequest: NativeUpgradeRequest,
  decision: UpgradeDecision<Data>,
  upgradeWebSocket: UpgradeWebSocket,
  done: (() => void) | undefined,
): Response {
  if (!decision.accept) return toResponse(decision);
  const { protocol, data } = decision;
  const heartbeat = core.limits.heartbeatInterval;
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
  upgradeRequest.lookup.compact();
  NativeTransport.opening(upgraded.socket, core, upgradeRequest, protocol, data, done);
  return upgraded.response;
}
