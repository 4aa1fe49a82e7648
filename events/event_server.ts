/**
 * {@linkcode EventServer}: named events with answers, rooms and middleware over wirely's
 * server, on the `wirely.v1` subprotocol. Connections that do not negotiate it keep working
 * with plain messages through your ordinary `onMessage` hook.
 *
 * @example A chat server with answers
 * ```ts
 * import { EventServer } from "@wirely/wirely/events/server";
 * interface ClientToServer { join: (room: string) => number }
 * interface ServerToClient { joined: (id: number) => void }
 * const io = new EventServer<ClientToServer, ServerToClient>();
 * io.onConnection((socket) => {
 *   socket.on("join", (room) => {
 *     socket.join(room);
 *     socket.to(room).emit("joined", socket.id);
 *     return socket.rooms.size;
 *   });
 * });
 * const server = await io.serve({ port: 0, hostname: "127.0.0.1" });
 * console.log(server.url.startsWith("ws://")); // true
 * await server.close();
 * ```
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { ServerConnection } from "../server/connection.ts";
import type { ServedWebSocketServer, ServeOptions } from "../server/serve.ts";
import { serve } from "../server/mod.ts";
import type { ServerOptions, WebSocketServer } from "../server/types.ts";
import { checkTimeout } from "./_core.ts";
import { BroadcastOperator, type BroadcastTarget, type ExceptTarget } from "./broadcast.ts";
import type { EventError } from "./errors.ts";
import { EventSocket, handleFrame, linkOf, linkSocket, type SocketHost } from "./socket.ts";
import type { DefaultEvents, EmitArgs, EventData, EventName } from "./types.ts";
import type { RecoveryOptions } from "./store.ts";
import { EVENTS_PROTOCOL, RECOVERY_PROTOCOL } from "./wire.ts";
import { type Link, ServerRecovery } from "./_recovery.ts";

/**
 * A middleware hook: runs before the handlers of an event; throw (or reject) to refuse the
 * event. The client gets the error: an `EventError`'s `remoteCode ?? code` and message, or
 * `REJECTED` and the message of any other error.
 *
 * `Payload` is the type of `data`: `unknown` for a hook of every event (`io.use(hook)`), the
 * event map's data for a hook of one event (`io.use("join", hook)`), as handlers get it. Like
 * for handlers, that type is what the map promises, not a check of what arrived: a hook that
 * validates untrusted data declares its parameter `data: unknown`.
 *
 * @example
 * ```ts
 * import type { EventMiddleware } from "@wirely/wirely/events/server";
 * const loggedIn: EventMiddleware<{ user?: string }> = (socket) => {
 *   if (socket.data.user === undefined) throw new Error("log in first");
 * };
 * const short: EventMiddleware<undefined, string> = (_socket, text) => {
 *   if (text.length > 500) throw new Error("too long");
 * };
 * console.log(typeof loggedIn, typeof short); // function function
 * ```
 */
export type EventMiddleware<Data = undefined, Payload = unknown, Event extends string = string> = (
  // deno-lint-ignore no-explicit-any
  socket: EventSocket<any, any, Data>,
  data: Payload,
  event: Event,
) => unknown;

/**
 * Options of {@linkcode EventServer}.
 *
 * @example
 * ```ts
 * import type { EventServerOptions } from "@wirely/wirely/events/server";
 * const options: EventServerOptions = { ackTimeout: 5_000, malformed: "close" };
 * console.log(options.malformed); // close
 * ```
 */
export interface EventServerOptions<Data = undefined> {
  /** Milliseconds `emitWithAck` waits for an answer unless its own `timeout` says otherwise. @default 10_000 */
  ackTimeout?: number;
  /** What a malformed frame from a client does besides the error event: `"ignore"` drops it, `"close"` also closes the connection with 1007. @default "ignore" */
  malformed?: "ignore" | "close";
  /** Gets every error of every socket (after the socket's own `onError` handlers). @default undefined (errors go to the socket's handlers only) */
  onError?: (error: EventError, socket: EventSocket<DefaultEvents, DefaultEvents, Data>) => void;
  /** Connection state recovery: a history log and sessions (`true`: in memory, one process; `{ store: new RedisStore(...) }`: a cluster). Clients with `recovery()` get what they missed while away, in order, and their events exactly once; see docs/scale-out.md. @default undefined (none) */
  recovery?: boolean | RecoveryOptions;
}

/**
 * The server of named events. Create it, register `onConnection` and middleware, then start it
 * with {@linkcode EventServer.serve}, or pass {@linkcode EventServer.serverOptions} to another
 * binding (`createWebSocketServer`, `attach`, `createNativeServer`) and call
 * {@linkcode EventServer.bind} with the server it returns.
 *
 * @example Any binding: wrap the options, then bind the server
 * ```ts
 * import { EventServer } from "@wirely/wirely/events/server";
 * import { createWebSocketServer } from "@wirely/wirely/server";
 * const io = new EventServer();
 * const wss = io.bind(createWebSocketServer(io.serverOptions({ maxMessageSize: 65_536 })));
 * console.log(io.sockets.size, wss.clients.size); // 0 0
 * await wss.close();
 * ```
 */
export class EventServer<
  Listen extends object = DefaultEvents,
  Emit extends object = DefaultEvents,
  Data = undefined,
> {
  readonly #options: EventServerOptions<Data>;
  readonly #ackTimeout: number;
  readonly #sockets = new Map<ServerConnection<Data>, EventSocket<Listen, Emit, Data>>();
  readonly #connection = new Set<(socket: EventSocket<Listen, Emit, Data>) => unknown>();
  readonly #middleware: { event: string | undefined; run: EventMiddleware<Data> }[] = [];
  readonly #target: BroadcastTarget;
  readonly #host: SocketHost<Listen, Emit, Data>;
  #server: WebSocketServer<Data> | undefined;
  readonly #recovery: ServerRecovery | undefined;
  #serverOnError: ServerOptions<Data>["onError"];

  /**
   * Creates an event server (not listening yet: see {@linkcode EventServer.serve}).
   *
   * @param options Answer timeout, malformed-frame policy, error hook.
   * @throws {RangeError | TypeError} For a bad option.
   */
  constructor(options: EventServerOptions<Data> = {}) {
    const { ackTimeout = 10_000, malformed = "ignore" } = options;
    checkTimeout("ackTimeout", ackTimeout);
    if (malformed !== "ignore" && malformed !== "close") {
      throw new TypeError(
        `Cannot create server as 'malformed' must be "ignore" or "close": current value is ${
          String(malformed)
        }`,
      );
    }
    this.#options = options;
    this.#ackTimeout = ackTimeout;
    const recovery = options.recovery
      ? new ServerRecovery(options.recovery, (error) => this.#reportError(error))
      : undefined;
    this.#recovery = recovery;
    this.#target = {
      broadcast: (frame, rooms, exceptRooms, except) =>
        recovery
          ? this.#logged(frame, rooms, exceptRooms, except)
          : this.#bound().broadcast(frame, {
            room: rooms,
            exceptRoom: exceptRooms,
            except: except as readonly ServerConnection<Data>[],
            protocol: EVENTS_PROTOCOL,
          }),
    };
    this.#host = {
      ackTimeout,
      before: (socket, event, data) => this.#before(socket, event, data),
      error: (socket, error) => this.#error(socket, error),
      from: (socket, room) => {
        const operator = new BroadcastOperator<Emit>(this.#target).except(socket);
        return room === undefined ? operator : operator.to(room);
      },
    };
  }

  /** Whether this server has connection state recovery (option `recovery`). */
  get recovery(): boolean {
    return this.#recovery !== undefined;
  }

  /** The `wirely.v1` sockets that are open (or closing). */
  get sockets(): ReadonlySet<EventSocket<Listen, Emit, Data>> {
    return new Set(this.#sockets.values());
  }

  /** The socket of a connection, when it negotiated `wirely.v1`. */
  socketOf(conn: ServerConnection<Data>): EventSocket<Listen, Emit, Data> | undefined {
    return this.#sockets.get(conn);
  }

  /** Runs `handler` for every new `wirely.v1` socket (a throw or rejection closes it with 1011). */
  onConnection(handler: (socket: EventSocket<Listen, Emit, Data>) => unknown): () => void {
    this.#connection.add(handler);
    return () => this.#connection.delete(handler);
  }

  /** Adds a middleware hook for every event (`data: unknown`); hooks run in the order added. */
  use(middleware: EventMiddleware<Data>): this;
  /** Adds a middleware hook for one event (`data` typed by the event map); hooks run in the order added. */
  use<E extends EventName<Listen>>(
    event: E,
    middleware: EventMiddleware<Data, EventData<Listen[E]>, E>,
  ): this;
  use(first: string | EventMiddleware<Data>, second?: EventMiddleware<Data, never, never>): this {
    const [event, run] = typeof first === "function"
      ? [undefined, first]
      : [first, second as EventMiddleware<Data> | undefined];
    if (typeof run !== "function") {
      throw new TypeError(
        `Cannot use as 'middleware' must be a function: current value is ${typeof run}`,
      );
    }
    this.#middleware.push({ event, run });
    return this;
  }

  /**
   * `options` with `wirely.v1` first among the subprotocols and hooks that route `wirely.v1`
   * connections to events; your own hooks still run (`onMessage` for plain connections only).
   */
  serverOptions(options: ServerOptions<Data> = {}): ServerOptions<Data> {
    const { protocols, onOpen, onMessage, onClose } = options;
    this.#serverOnError = options.onError;
    const recovery = this.#recovery;
    const ours = recovery ? [RECOVERY_PROTOCOL, EVENTS_PROTOCOL] : [EVENTS_PROTOCOL];
    return {
      ...options,
      protocols: typeof protocols === "function"
        ? (offered, request) =>
          ours.find((name) => offered.includes(name)) ?? protocols(offered, request)
        : [...ours, ...(protocols ?? []).filter((name) => !ours.includes(name))],
      onOpen: (conn) => {
        const results: unknown[] = [onOpen?.(conn)];
        if (ours.includes(conn.protocol)) {
          const socket = new EventSocket(conn, this.#host);
          this.#sockets.set(conn, socket);
          const link = recovery?.link(conn, conn.protocol === RECOVERY_PROTOCOL);
          if (link !== undefined) linkSocket(socket, link);
          if (link?.withSession) {
            // onConnection runs once the session is settled (socket.recovered known).
            link.waitForHello(
              () => this.#connected(socket),
              (frame) => socket.receive(frame),
              (frame) => handleFrame(socket, frame),
            );
          } else {
            for (const handler of [...this.#connection]) results.push(handler(socket));
          }
        }
        const pending = results.filter((result) => result instanceof Promise);
        return pending.length === 0 ? undefined : Promise.all(pending);
      },
      onMessage: (conn, message) => {
        const socket = this.#sockets.get(conn);
        if (socket === undefined) return onMessage?.(conn, message);
        socket.receive(message.data);
      },
      onClose: (conn, info) => {
        const socket = this.#sockets.get(conn);
        this.#sockets.delete(conn);
        const link = socket && linkOf(socket);
        if (link !== undefined) this.#recovery?.unlink(link);
        socket?.closed(info);
        return onClose?.(conn, info);
      },
    };
  }

  /** Uses `server` (made with {@linkcode EventServer.serverOptions}) for broadcasts; returns it. */
  bind<S extends WebSocketServer<Data>>(server: S): S {
    this.#server = server;
    const recovery = this.#recovery;
    if (recovery !== undefined) {
      recovery.start().catch((error) => this.#reportError(error));
      // The store stops with the server (its subscription, the session timer).
      const close = server.close.bind(server);
      server.close = async () => {
        try {
          await close();
        } finally {
          await recovery.stop();
        }
      };
    }
    return server;
  }

  /** Starts a server (see `serve`) with these events; resolves once it listens. */
  async serve(options: ServeOptions<Data> = {}): Promise<ServedWebSocketServer<Data>> {
    return this.bind(await serve({ ...options, ...this.serverOptions(options) }));
  }

  /** A broadcast to the members of `room`. */
  to(room: string): BroadcastOperator<Emit> {
    return new BroadcastOperator<Emit>(this.#target).to(room);
  }

  /** A broadcast to everyone but the members of a room, or a socket (or several). */
  except(target: ExceptTarget | Iterable<ExceptTarget>): BroadcastOperator<Emit> {
    return new BroadcastOperator<Emit>(this.#target).except(target);
  }

  /**
   * Sends an event to every `wirely.v1` client, encoded once.
   *
   * @returns How many connections of this process it was handed to.
   * @throws {InvalidStateError} Before {@linkcode EventServer.bind} or `serve`.
   */
  emit<E extends EventName<Emit>>(event: E, ...args: EmitArgs<Emit[E]>): number {
    return new BroadcastOperator<Emit>(this.#target).emit(event, ...args);
  }

  /** A broadcast through the history log. */
  #logged(
    frame: string | Uint8Array,
    rooms: readonly string[],
    exceptRooms: readonly string[],
    except: readonly ServerConnection<unknown>[],
  ): number {
    const links: Link[] = [];
    for (const conn of except) {
      const socket = this.#sockets.get(conn as ServerConnection<Data>);
      const link = socket && linkOf(socket);
      if (link !== undefined) links.push(link);
    }
    this.#recovery!.broadcast(frame, rooms, exceptRooms, links);
    return 0;
  }

  /** Runs the connection handlers of a socket whose session is settled. */
  #connected(socket: EventSocket<Listen, Emit, Data>): void {
    const fail = (error: unknown): void => {
      this.#reportError(error, socket.conn);
      if (socket.conn.state === "open") socket.conn.close(1011, "");
    };
    for (const handler of [...this.#connection]) {
      try {
        const result = handler(socket);
        if (result instanceof Promise) result.catch(fail);
      } catch (error) {
        fail(error);
      }
    }
  }

  /** An error outside any socket's events (the store, a connection handler): the server's `onError`. */
  #reportError(error: unknown, conn?: ServerConnection<Data>): void {
    if (this.#serverOnError !== undefined) this.#serverOnError(error, conn);
    else console.error("wirely: recovery error", error);
  }

  #bound(): WebSocketServer<Data> {
    if (this.#server === undefined) {
      throw new InvalidStateError("Cannot broadcast before the EventServer is bound to a server");
    }
    return this.#server;
  }

  #before(socket: EventSocket<Listen, Emit, Data>, event: string, data: unknown): unknown {
    const hooks = this.#middleware.filter((hook) =>
      hook.event === undefined || hook.event === event
    );
    if (hooks.length === 0) return undefined;
    const run = (index: number): unknown => {
      for (let i = index; i < hooks.length; i++) {
        const result = hooks[i]!.run(socket, data, event);
        if (result instanceof Promise) return result.then(() => run(i + 1));
      }
      return undefined;
    };
    return run(0);
  }

  #error(socket: EventSocket<Listen, Emit, Data>, error: EventError): void {
    socket.reportError(error);
    this.#options.onError?.(
      error,
      socket as unknown as EventSocket<DefaultEvents, DefaultEvents, Data>,
    );
    if (
      error.code === "MALFORMED_EVENT" && this.#options.malformed === "close" &&
      socket.conn.state === "open"
    ) {
      socket.conn.close(1007, "malformed event");
    }
  }
}
