/**
 * The backplane contract: the {@linkcode BroadcastEnvelope} servers exchange, the
 * {@linkcode PubSubAdapter} that carries it between server processes (and the
 * {@linkcode AdapterServer} it delivers to), and the in-process {@linkcode MemoryAdapter}.
 *
 * @module
 */

/**
 * A broadcast on its way between server processes. Every server resolves `rooms`,
 * `exceptRooms` and `protocol` against its own connections, so a broadcast reaches the same
 * connections as if all of them were on one server.
 *
 * @example
 * ```ts
 * import type { BroadcastEnvelope } from "@wirely/wirely/server";
 * const envelope: BroadcastEnvelope = {
 *   source: "server-a",
 *   rooms: ["lobby", "news"],
 *   exceptRooms: ["muted"],
 *   binary: false,
 *   payload: new TextEncoder().encode("hello"),
 * };
 * console.log(envelope.rooms.length); // 2
 * ```
 */
export interface BroadcastEnvelope {
  /** Id of the server that published it (it delivered to its own connections already). */
  readonly source: string;
  /** The rooms whose members receive it (their union); empty: every connection. */
  readonly rooms: readonly string[];
  /** Members of these rooms do not receive it (even when they are in one of `rooms`). */
  readonly exceptRooms: readonly string[];
  /** Binary message (`false`: text, and `payload` is valid UTF-8). */
  readonly binary: boolean;
  /** The message payload. */
  readonly payload: Uint8Array;
  /**
   * The message as the publishing server encoded it: one final, unmasked, uncompressed
   * WebSocket frame whose tail is `payload` (a `PreparedMessage`'s `bytes`). A receiving server
   * writes these bytes as they are to its connections instead of encoding the frame again; an
   * adapter that serializes envelopes may carry it in place of `payload`. @default undefined
   * (the receiving server frames `payload` itself)
   */
  readonly frame?: Uint8Array;
  /** Only connections that negotiated this subprotocol receive it (`""`: none negotiated); an adapter that serializes envelopes must carry it. @default undefined (any connection) */
  readonly protocol?: string;
}

/**
 * What a server hands its {@linkcode PubSubAdapter} when it starts.
 *
 * @example A server as an adapter sees it
 * ```ts
 * import type { AdapterServer } from "@wirely/wirely/server";
 * const server: AdapterServer = {
 *   deliver: (envelope) => console.log("deliver", envelope.rooms),
 *   count: (room) => room === "lobby" ? 2 : 0,
 *   reportError: (error) => console.error(error),
 * };
 * console.log(server.count("lobby")); // 2
 * ```
 */
export interface AdapterServer {
  /** Delivers an envelope from another server to this server's connections. */
  deliver(envelope: BroadcastEnvelope): void;
  /** This server's members of `room` (open or closing), or all its connections (`undefined`). */
  count(room: string | undefined): number;
  /** Passes an error the adapter met outside a call (a lost broker, a malformed message) to the server's `onError`. */
  reportError(error: unknown): void;
}

/**
 * Carries broadcasts between server processes. The server delivers to its own connections
 * itself; an adapter only has to bring envelopes from OTHER servers (an envelope's `source` is
 * the publishing server's id). Any method may return a promise; a rejection reaches `onError`.
 * One adapter (its {@linkcode MemoryAdapter} instance, or its connection to a broker) may serve
 * several servers; each is known by its id.
 *
 * @example An adapter that logs and carries nothing (a single process)
 * ```ts
 * import type { AdapterServer, BroadcastEnvelope, PubSubAdapter } from "@wirely/wirely/server";
 * let local: AdapterServer | undefined;
 * const logging: PubSubAdapter = {
 *   start: (serverId, server) => {
 *     local = server;
 *     console.log("start", serverId);
 *   },
 *   publish: (envelope: BroadcastEnvelope) => console.log("publish", envelope.rooms),
 *   subscribe: (_serverId, room) => console.log("subscribe", room),
 *   unsubscribe: (_serverId, room) => console.log("unsubscribe", room),
 *   count: (room) => Promise.resolve(local?.count(room) ?? 0),
 *   stop: (serverId) => console.log("stop", serverId),
 * };
 * logging.subscribe("a", "lobby"); // subscribe lobby
 * ```
 */
export interface PubSubAdapter {
  /** A server starts: from now on call `server.deliver` with envelopes from other servers. */
  start(serverId: string, server: AdapterServer): void | Promise<void>;
  /** Carries an envelope to every other started server that may have recipients. */
  publish(envelope: BroadcastEnvelope): void | Promise<void>;
  /** The server has a first local member in `room` (envelopes for it are wanted). */
  subscribe(serverId: string, room: string): void | Promise<void>;
  /** The server's last local member left `room`. */
  unsubscribe(serverId: string, room: string): void | Promise<void>;
  /**
   * Members of `room` on every server the adapter links (`undefined`: every connection), each
   * server counted as it is when it answers. For your code; the server never calls it.
   */
  count(room?: string): Promise<number>;
  /** The server stops: deliver nothing more to it. */
  stop(serverId: string): void | Promise<void>;
}

/**
 * The default {@linkcode PubSubAdapter}: carries envelopes between servers of the same process
 * (share one instance between several servers to make their rooms one).
 *
 * @example Two servers in one process sharing rooms
 * ```ts
 * import { MemoryAdapter } from "@wirely/wirely/server";
 * const adapter = new MemoryAdapter();
 * // const a = await serve({ port: 0, adapter }); const b = await serve({ port: 0, adapter });
 * // a.broadcast("hi", { room: "lobby" }) reaches members of "lobby" on both.
 * console.log(adapter.servers, await adapter.count("lobby")); // 0 0
 * ```
 */
export class MemoryAdapter implements PubSubAdapter {
  #servers = new Map<string, { server: AdapterServer; rooms: Set<string> }>();

  /** Number of started servers. */
  get servers(): number {
    return this.#servers.size;
  }

  /** Registers a server. */
  start(serverId: string, server: AdapterServer): void {
    this.#servers.set(serverId, { server, rooms: new Set() });
  }

  /** Delivers to every other server that has members in one of the rooms (or to all for no room). */
  publish(envelope: BroadcastEnvelope): void {
    for (const [id, { server, rooms }] of this.#servers) {
      if (id === envelope.source) continue;
      if (envelope.rooms.length === 0 || envelope.rooms.some((room) => rooms.has(room))) {
        server.deliver(envelope);
      }
    }
  }

  /** Marks the server as interested in `room`. */
  subscribe(serverId: string, room: string): void {
    this.#servers.get(serverId)?.rooms.add(room);
  }

  /** Marks the server as no longer interested in `room`. */
  unsubscribe(serverId: string, room: string): void {
    this.#servers.get(serverId)?.rooms.delete(room);
  }

  /** Members of `room` (or connections) on every started server. */
  count(room?: string): Promise<number> {
    let total = 0;
    for (const { server } of this.#servers.values()) total += server.count(room);
    return Promise.resolve(total);
  }

  /** Forgets a server. */
  stop(serverId: string): void {
    this.#servers.delete(serverId);
  }
}
