/**
 * Reads the request head of each new socket of `serve()`'s `node:net` listener with the codec's
 * {@linkcode HttpHeadParser}, within the server's limits: `handshake.maxHeadSize` (431 as soon as the head
 * passes it), `handshake.timeout` from the connection to the end of the head (the socket is
 * dropped), strict HTTP/1.1 syntax (400). A complete head goes to the upgrade (`path`: 404 for
 * other paths); a plain HTTP request gets the codec's refusal (400/405/426) and the socket is
 * closed. Type-only `node:*` imports: the listener itself is in `serve.node.ts`.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import { HandshakeError } from "../codec/errors.ts";
import { handshakeErrorResponse } from "../codec/handshake.ts";
import { HttpHeadParser, type HttpRequestHead } from "../codec/http_head.ts";
import type { ServerCore } from "./core.ts";
import { refusal } from "./upgrade.ts";
import { NodeUpgradeRequest } from "./_node_socket.ts";
import { noop, pathOf, upgradeSocket, writeRefusal } from "./_node_upgrade.ts";

/** Header fields a request head may have (Node's `http` keeps at most 2000 and drops the rest). */
export const MAX_HEAD_FIELDS = 2_000;

const READING: unique symbol = Symbol("wirely.head");

/** What a socket keeps while its head arrives (dropped once it is complete). */
interface Reading {
  readonly reader: HeadReader<unknown>;
  readonly parser: HttpHeadParser<"request">;
  /** When the head must have arrived (`performance.now()` milliseconds). */
  readonly deadline: number;
}

type ReadingSocket = NetSocket & { [READING]?: Reading };

// Shared listeners (none created per socket): the state hangs on the socket under a symbol.
function onHeadData(this: ReadingSocket, chunk: Uint8Array): void {
  const reading = this[READING];
  if (reading === undefined) return;
  let head: HttpRequestHead | undefined;
  try {
    head = reading.parser.push(chunk);
  } catch (error) {
    reading.reader.release(this);
    if (error instanceof HandshakeError) {
      writeRefusal(this, { accept: false, ...handshakeErrorResponse(error) });
    } else {
      this.destroy();
    }
    return;
  }
  if (head === undefined) return;
  reading.reader.release(this);
  reading.reader.route(this, head, reading.parser.takeRest());
}

function onClosedWhileReading(this: ReadingSocket): void {
  this[READING]?.reader.release(this);
}

/** The head reading of one server's sockets. */
export class HeadReader<Data> {
  /** Sockets whose head has not arrived yet (destroyed when the server closes). */
  readonly sockets: Set<NetSocket> = new Set();
  readonly #core: ServerCore<Data>;
  readonly #path: string | undefined;
  /**
   * One timer for every socket's `handshake.timeout` (not one per socket): it fires at the
   * deadline of the oldest socket still reading, the first of {@linkcode HeadReader.sockets}
   * (they all have the same timeout, so the set is in deadline order).
   */
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #sweep = (): void => this.#expire();

  constructor(core: ServerCore<Data>, path: string | undefined) {
    this.#core = core;
    this.#path = path;
  }

  /** Starts reading the head of a new socket (its handshake timer starts now). */
  accept(socket: NetSocket): void {
    const { maxHeadSize, timeout: handshakeTimeout } = this.#core.handshake;
    const reading: Reading = {
      reader: this as HeadReader<unknown>,
      parser: new HttpHeadParser("request", {
        maxHeadSize: maxHeadSize === Infinity ? Number.MAX_SAFE_INTEGER : maxHeadSize,
        maxHeaders: MAX_HEAD_FIELDS,
      }),
      deadline: performance.now() + handshakeTimeout,
    };
    (socket as ReadingSocket)[READING] = reading;
    this.sockets.add(socket);
    this.#timer ??= setTimeout(this.#sweep, handshakeTimeout);
    socket.on("error", noop);
    socket.on("close", onClosedWhileReading);
    socket.on("data", onHeadData);
  }

  /** The head is complete, refused, or the socket closed: stop reading (paused until handed on). */
  release(socket: ReadingSocket): void {
    const reading = socket[READING];
    if (reading === undefined) return;
    socket[READING] = undefined;
    this.sockets.delete(socket);
    if (this.sockets.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    socket.off("data", onHeadData);
    socket.off("close", onClosedWhileReading);
    socket.pause();
  }

  /** Drops the sockets past their deadline; the timer follows the oldest one left. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const socket of this.sockets) {
      const deadline = (socket as ReadingSocket)[READING]?.deadline ?? 0;
      if (deadline > now) {
        this.#timer = setTimeout(this.#sweep, deadline - now);
        return;
      }
      // Released (and removed from the set) by its close.
      this.release(socket);
      socket.destroy();
    }
  }

  /** Answers a complete head: 404 off `path`, else the upgrade (or the codec's refusal). */
  route(socket: NetSocket, head: HttpRequestHead, rest: Uint8Array): void {
    if (this.#path !== undefined && pathOf(head.target) !== this.#path) {
      writeRefusal(socket, refusal(404, "not found\n"));
      return;
    }
    let request: NodeUpgradeRequest;
    try {
      request = new NodeUpgradeRequest(head.method, head.target, head.rawHeaders, socket);
    } catch {
      writeRefusal(socket, refusal(400, "malformed request\n"));
      return;
    }
    upgradeSocket(this.#core, socket, rest, request, { url: head.target });
  }
}
