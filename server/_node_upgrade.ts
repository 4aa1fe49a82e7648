/**
 * The handshake of one upgrade request on a Node socket, shared by `serve()`'s `node:net`
 * listener (`serve.node.ts`) and by servers on an app's own `http.Server` (`node_server.ts`):
 * the decision (synchronous without an `authenticate` hook), the refusal or the 101 answer, then
 * the connection. Only the objects Node hands over are used (type-only `node:*` imports).
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import { ACCEPT_GUID, computeAccept } from "../codec/accept_key.ts";
import { writeResponseHead } from "../codec/http_write.ts";
import type { ServerCore } from "./core.ts";
import { switchingProtocolsHead, type UpgradeDecision, type UpgradeRefusal } from "./upgrade.ts";
import { NodeSocket, type NodeUpgradeRequest } from "./_node_socket.ts";
import type { RequestLine } from "./upgrade.ts";
import { headSize } from "./_binding.ts";

/** RFC 6455's sample key: a native SHA-1 is used only if it answers it as the codec does. */
const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

type HashFunction = (algorithm: string, data: string, encoding: string) => string;

/**
 * The accept value with the runtime's one-shot `crypto.hash` (Node 20.12+, Deno, Bun), found
 * without importing `node:crypto` (the Deno entry exports this file): about 0.4 µs against 1.2 µs
 * for the codec's JavaScript SHA-1 on Node 20. Falls back to the codec's {@linkcode computeAccept}.
 */
export const acceptOf: (key: string) => string = (() => {
  const process = (globalThis as {
    process?: { getBuiltinModule?: (name: string) => unknown };
  }).process;
  const hash = (process?.getBuiltinModule?.("node:crypto") as { hash?: unknown } | undefined)
    ?.hash;
  if (typeof hash !== "function") return computeAccept;
  const native = (key: string): string =>
    (hash as HashFunction)("sha1", key + ACCEPT_GUID, "base64");
  try {
    return native(SAMPLE_KEY) === computeAccept(SAMPLE_KEY) ? native : computeAccept;
  } catch {
    return computeAccept;
  }
})();

/** Ignores socket errors (a socket's `close` follows). */
export const noop = (): void => {};

/**
 * Decides on `request` and answers it on `socket`: a refusal, or the 101 answer and the
 * connection (`head`: bytes the peer sent after its request head).
 */
export function upgradeSocket<Data>(
  core: ServerCore<Data>,
  socket: NetSocket,
  head: Uint8Array,
  request: NodeUpgradeRequest,
  line: RequestLine,
): void {
  const decision = core.negotiate(request, request.lookup, line);
  // Without an `authenticate` hook the decision is immediate: no promise, timer or tracking.
  if (!(decision instanceof Promise)) {
    answer(core, socket, head, request, decision);
    return;
  }
  let aborted = false;
  const abort = (): void => {
    aborted = true;
    socket.destroy();
  };
  const done = core.trackHandshake(abort);
  const timer = setTimeout(abort, core.handshake.timeout);
  decision.then((decided) => {
    clearTimeout(timer);
    if (!aborted) answer(core, socket, head, request, decided);
  }).catch((error) => {
    core.reportError(error, undefined);
    socket.destroy();
  }).finally(done);
}

/** Writes the refusal, or the 101 answer and opens the connection. */
function answer<Data>(
  core: ServerCore<Data>,
  socket: NetSocket,
  head: Uint8Array,
  request: NodeUpgradeRequest,
  decision: UpgradeDecision<Data>,
): void {
  if (socket.destroyed) return;
  if (!decision.accept) {
    writeRefusal(socket, decision);
    return;
  }
  socket.setNoDelay(true);
  socket.setTimeout(0);
  const { key, protocol, extensionsHeader = "", extensions } = decision;
  socket.write(switchingProtocolsHead(key, protocol, extensionsHeader, acceptOf), "latin1");
  core.openBytes(new NodeSocket(socket, head), request, protocol, decision.data, extensions);
  request.settle();
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

/** Answers and closes: the socket is destroyed once the answer is flushed. */
export function writeRefusal(socket: Duplex, answer: UpgradeRefusal): void {
  if (socket.destroyed) return;
  socket.once("finish", destroyThis);
  socket.write(writeResponseHead(answer.status, answer.reason, answer.headers));
  socket.end(answer.body);
}

/** The path of a request target (`/chat` of `/chat?room=1`). */
export function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** Bytes of a `node:http` request head as sent (request line, header lines, blank line). */
export function nodeHeadSize(request: IncomingMessage): number {
  let fields = 0;
  for (const field of request.rawHeaders) fields += field.length + 2;
  return headSize(request.method?.length ?? 0, request.url?.length ?? 0, fields);
}
