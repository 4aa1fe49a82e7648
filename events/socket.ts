/**
 * {@linkcode EventSocket}: the server side of one `wirely.v1` connection.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { CloseInfo } from "../server/types.ts";
import { type AnyHandler, EventCore } from "./_core.ts";
import type { Link } from "./_recovery.ts";
import type { BroadcastOperator } from "./broadcast.ts";
import type { EventError } from "./errors.ts";
import { encodeEvent } from "./wire.ts";
import type {
  AckArgs,
  AckOptions,
  DefaultEvents,
  EmitArgs,
  EventAnswer,
  EventHandler,
  EventName,
} from "./types.ts";

/** Sets a socket's link to the history log (server with `recovery`). */
// deno-lint-ignore no-explicit-any
export let linkSocket: (socket: EventSocket<any, any, any>, link: Link) => void;
/** A socket's link to the history log, if any. */
// deno-lint-ignore no-explicit-any
export let linkOf: (socket: EventSocket<any, any, any>) => Link | undefined;
/** Gives a client event to a socket's handlers (past the session layer). */
// deno-lint-ignore no-explicit-any
export let handleFrame: (socket: EventSocket<any, any, any>, frame: string | Uint8Array) => void;

/** What a socket needs from its {@linkcode EventServer}; implemented by the server. */
export interface SocketHost<Listen extends object, Emit extends object, Data> {
  /** Default answer timeout, milliseconds. */
  readonly ackTimeout: number;
  /** Runs the middleware of `event`; a throw or rejection refuses it. */
  before(socket: EventSocket<Listen, Emit, Data>, event: string, data: unknown): unknown;
  /** Reports an error of `socket` (to its handlers and the server's `onError`). */
  error(socket: EventSocket<Listen, Emit, Data>, error: EventError): void;
  /** A broadcast from `socket`: to `room`, everyone but the sender. */
  from(socket: EventSocket<Listen, Emit, Data>, room: string | undefined): BroadcastOperator<Emit>;
}

/**
 * One client of an {@linkcode EventServer} that negotiated `wirely.v1`: handle its events,
 * emit to it (with or without an answer), put it in rooms, broadcast from it.
 *
 * Handler errors do not close the connection: the client gets an error answer (when it asked
 * for one) and the error goes to `onError`.
 *
 * @example A chat handler
 * ```ts
 * import type { EventSocket } from "@wirely/wirely/events/server";
 * interface ClientToServer { join: (room: string) => number; say: (text: string) => void }
 * interface ServerToClient { said: (line: { room: string; text: string }) => void }
 * function onConnection(socket: EventSocket<ClientToServer, ServerToClient>): void {
 *   let room = "lobby";
 *   socket.on("join", (name) => {
 *     socket.leave(room);
 *     socket.join(room = name);
 *     return socket.rooms.size;
 *   });
 *   socket.on("say", (text) => socket.to(room).emit("said", { room, text }));
 * }
 * console.log(typeof onConnection); // function
 * ```
 */
export class EventSocket<
  Listen extends object = DefaultEvents,
  Emit extends object = DefaultEvents,
  Data = undefined,
> {
  /** The underlying connection (request, headers, plain `send`, `close`, ...). */
  readonly conn: ServerConnection<Data>;
  readonly #core: EventCore;
  readonly #host: SocketHost<Listen, Emit, Data>;
  readonly #errorHandlers = new Set<(error: EventError) => void>();
  readonly #closeHandlers = new Set<(info: CloseInfo) => void>();
  #link: Link | undefined;

  /**
   * Created by {@linkcode EventServer} for each `wirely.v1` connection; users never call it.
   *
   * @param conn The connection.
   * @param host The event server.
   */
  constructor(conn: ServerConnection<Data>, host: SocketHost<Listen, Emit, Data>) {
    this.conn = conn;
    this.#host = host;
    this.#core = new EventCore({
      send: (frame) => {
        // With a session, answers go through the history log; questions to the client do not.
        const link = this.#link;
        if (link !== undefined && !isEvent(frame)) return link.send(frame);
        conn.send(frame);
        return true;
      },
      error: (error) => host.error(this, error),
      before: (event, data) => host.before(this, event, data),
    }, host.ackTimeout);
  }

  /** The connection's id (unique in its server). */
  get id(): number {
    return this.conn.id;
  }

  /** `true` when this connection resumed a session: rooms restored, missed events replayed (server with `recovery`, client with `recovery()`). */
  get recovered(): boolean {
    return this.#link?.recovered ?? false;
  }

  /** The recovery session id (`""` without a session). */
  get session(): string {
    const link = this.#link;
    return link?.withSession ? link.key : "";
  }

  /** Your per-connection data (the connection's `data`). */
  get data(): Data {
    return this.conn.data;
  }

  set data(value: Data) {
    this.conn.data = value;
  }

  /** The rooms this socket is in. */
  get rooms(): ReadonlySet<string> {
    return this.conn.rooms;
  }

  /** Answers still awaited from this client. */
  get pendingAcks(): number {
    return this.#core.pendingAcks;
  }

  /** Joins `room` (also from inside a handler). */
  join(room: string): void {
    this.conn.join(room);
    this.#link?.save();
  }

  /** Leaves `room`. */
  leave(room: string): void {
    this.conn.leave(room);
    this.#link?.save();
  }

  /** A broadcast to the members of `room` except this socket (chain `to`/`except` for more). */
  to(room: string): BroadcastOperator<Emit> {
    return this.#host.from(this, room);
  }

  /** A broadcast to every client except this socket. */
  get broadcast(): BroadcastOperator<Emit> {
    return this.#host.from(this, undefined);
  }

  /** Handles an event from this client (see {@linkcode EventHandler} for answers). */
  on<E extends EventName<Listen>>(event: E, handler: EventHandler<Listen[E]>): () => void {
    return this.#core.on(event, handler as AnyHandler);
  }

  /** Like {@linkcode EventSocket.on}, for the next event only. */
  once<E extends EventName<Listen>>(event: E, handler: EventHandler<Listen[E]>): () => void {
    return this.#core.once(event, handler as AnyHandler);
  }

  /** Removes a handler, or every handler of `event` when none is given. */
  off<E extends EventName<Listen>>(event: E, handler?: EventHandler<Listen[E]>): void {
    this.#core.off(event, handler as AnyHandler | undefined);
  }

  /**
   * Sends an event to this client.
   *
   * @returns `false` when the socket's buffer is full (as `ServerConnection.send`).
   * @throws {InvalidStateError} When the connection is not open.
   */
  emit<E extends EventName<Emit>>(event: E, ...args: EmitArgs<Emit[E]>): boolean {
    const link = this.#link;
    if (link !== undefined) return link.send(encodeEvent(event, (args as unknown[])[0], 0));
    return this.#core.emit(event, (args as unknown[])[0]);
  }

  /**
   * Sends an event and waits for the client's answer; rejects with an `EventError`
   * (`ACK_TIMEOUT`, `ACK_DISCONNECTED`, `REJECTED`) or the error that kept it from being sent.
   */
  emitWithAck<E extends EventName<Emit>>(
    event: E,
    ...args: AckArgs<Emit[E]>
  ): Promise<EventAnswer<Emit[E]>> {
    const [data, options] = args as unknown as [unknown, AckOptions | undefined];
    return this.#core.emitWithAck(event, data, options?.timeout) as Promise<EventAnswer<Emit[E]>>;
  }

  /** Handles this socket's errors (malformed frames, failed handlers). */
  onError(handler: (error: EventError) => void): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  /** Called once when the connection has closed (awaited answers are already rejected). */
  onClose(handler: (info: CloseInfo) => void): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  /** Closes the connection (see `ServerConnection.close`). */
  disconnect(code: number = 1000, reason: string = ""): void {
    this.conn.close(code, reason);
  }

  /** Feeds one message of the connection (called by the server). */
  receive(data: string | Uint8Array): void {
    if (this.#link?.receive(data)) return;
    this.#core.receive(data);
  }

  static {
    // The server with `recovery` links sockets to the history log; no public method for it.
    linkSocket = (socket, link) => socket.#link = link;
    linkOf = (socket) => socket.#link;
    handleFrame = (socket, frame) => socket.#core.receive(frame);
  }

  /** Tells this socket's error handlers (called by the server). */
  reportError(error: EventError): void {
    for (const handler of [...this.#errorHandlers]) handler(error);
  }

  /** The connection closed: reject awaited answers, run close handlers (called by the server). */
  closed(info: CloseInfo): void {
    this.#core.rejectAll(
      "ACK_DISCONNECTED",
      `The connection closed (${info.code}) before the answer`,
    );
    for (const handler of [...this.#closeHandlers]) handler(info);
  }
}

/** An event frame (text `["e",...`, binary kind 0x65), not an answer. */
function isEvent(frame: string | Uint8Array): boolean {
  return typeof frame === "string" ? frame[2] === "e" : frame[0] === 0x65;
}
