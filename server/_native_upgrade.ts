/**
 * The handshake of one request on Deno's native sockets (`upgrade()`, `createNativeServer()` and
 * `serve({ engine: "native" })`): the codec's checks BEFORE `Deno.upgradeWebSocket`, which on its
 * own accepts requests the RFC refuses. Kept cheap per handshake and per idle connection: the
 * checks ask Deno's `Headers` for the few fields they read (Deno answers each from its parsed
 * head; enumerating the fields would make Deno build a list of them, and a sorted copy, that it
 * keeps with the request as long as the socket lives: 1.7 KiB of heap per connection, unless
 * `handshake.keepHeaders` asks for it), the decision is synchronous without an `authenticate`
 * hook (no promise, no timer, no closure), and the {@linkcode NativeTransport} itself waits for
 * Deno's `open` event.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { ServerCore } from "./core.ts";
import { NativeTransport, type NativeWebSocket } from "./native_transport.ts";
import type { UpgradeRequest } from "./types.ts";
import { refusal, type UpgradeDecision } from "./upgrade.ts";
import { headTooLarge, toResponse, trackDecision } from "./_fetch_upgrade.ts";
import { RawHeaders } from "./_node_socket.ts";

/** `Deno.upgradeWebSocket`, passed in by the Deno binding (the only file touching `Deno.*`). */
export type UpgradeWebSocket = (
  request: Request,
  options: { idleTimeout?: number },
) => { socket: NativeWebSocket; response: Response };

/**
 * Every header field the handshake's checks read: `validateUpgradeRequest` (codec/handshake.ts)
 * and the `handshake.origins` policy. A check that reads another field must be added here.
 */
export const HANDSHAKE_FIELDS: readonly string[] = [
  "host",
  "upgrade",
  "connection",
  "sec-websocket-version",
  "sec-websocket-key",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "origin",
];

/**
 * The upgrade request as hooks and the connection see it. Its `headers` are Deno's own object:
 * once Deno has upgraded the request they can no longer be read, unless `handshake.keepHeaders`
 * had every field read before (then Deno keeps them).
 */
class NativeUpgradeRequest implements UpgradeRequest {
  readonly method: string;
  readonly url: URL;
  readonly remoteAddress: string | undefined;
  #headers: Headers | undefined;

  constructor(method: string, url: URL, headers: Headers, remoteAddress: string | undefined) {
    this.method = method;
    this.url = url;
    this.remoteAddress = remoteAddress;
    this.#headers = headers;
  }

  get headers(): Headers {
    if (this.#headers === undefined) {
      throw new InvalidStateError(
        "cannot read the request headers once open: Deno's native engine keeps them only with " +
          "'handshake.keepHeaders' (or read them in authenticate)",
      );
    }
    return this.#headers;
  }

  /** Deno has upgraded the request: its headers are gone (not kept). */
  release(): void {
    this.#headers = undefined;
  }
}

/**
 * The fields the checks read, and their bytes in the head: with `every`, all the fields (read
 * once with `forEach`: Deno builds and keeps its list, which `conn.headers` then needs);
 * otherwise only {@linkcode HANDSHAKE_FIELDS}, each asked of Deno once.
 */
function readFields(headers: Headers, every: boolean): { lookup: RawHeaders; fields: number } {
  const raw: string[] = [];
  let fields = 0;
  if (every) {
    headers.forEach((value, name) => {
      raw.push(name, value);
      fields += name.length + value.length + 4;
    });
  } else {
    for (let i = 0; i < HANDSHAKE_FIELDS.length; i++) {
      const name = HANDSHAKE_FIELDS[i]!;
      const value = headers.get(name);
      if (value === null) continue;
      raw.push(name, value);
      fields += name.length + value.length + 4;
    }
  }
  return { lookup: new RawHeaders(raw), fields };
}

/**
 * Answers one upgrade request: the 101 response (the connection opens once Deno has sent it), or
 * the refusal. Synchronous unless the server has an `authenticate` hook. `handshake.maxHeadSize`
 * counts the request line and the fields read (every field with `handshake.keepHeaders`).
 */
export function nativeUpgrade<Data>(
  core: ServerCore<Data>,
  request: Request,
  url: URL,
  remoteAddress: string | undefined,
  upgradeWebSocket: UpgradeWebSocket,
): Response | Promise<Response> {
  const { method, headers } = request;
  const { lookup, fields } = readFields(headers, core.handshake.keepHeaders);
  const tooLarge = headTooLarge(core.handshake.maxHeadSize, method, url, fields);
  if (tooLarge !== undefined) return tooLarge;
  const upgradeRequest = new NativeUpgradeRequest(method, url, headers, remoteAddress);
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
  upgradeRequest: NativeUpgradeRequest,
  pending: Promise<UpgradeDecision<Data>>,
  upgradeWebSocket: UpgradeWebSocket,
): Promise<Response> {
  // `close()` waits for this handshake (a socket that opens after it started gets 1001).
  const { decision, done } = await trackDecision(core, pending);
  const response = answer(core, request, upgradeRequest, decision, upgradeWebSocket, done);
  if (decision.accept && response.status !== 101) done();
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
  if (!core.handshake.keepHeaders) upgradeRequest.release();
  NativeTransport.opening(upgraded.socket, core, upgradeRequest, protocol, data, done);
  return upgraded.response;
}
