/**
 * Rooms and broadcast. Membership is kept per server process; a broadcast is encoded once
 * (one {@linkcode PreparedMessage} for every local recipient) and handed to a
 * {@linkcode PubSubAdapter} that carries it to other server processes.
 *
 * @module
 */

import { type OutgoingData, PreparedMessage } from "./prepared_message.ts";

/**
 * A broadcast on its way between server processes.
 *
 * @example
 * ```ts
 * import type { BroadcastEnvelope } from "@wirely/wirely/server";
 * const envelope: BroadcastEnvelope = {
 *   source: "server-a",
 *   room: "lobby",
 *   binary: false,
 *   payload: new TextEncoder().encode("hello"),
 *   except: [],
 * };
 * console.log(envelope.room); // "lobby"
 * ```
 */
export interface BroadcastEnvelope {
  /** Id of the server that published it. */
  readonly source: string;
  /** The room, or `undefined` for every connection. */
  readonly room: string | undefined;
  /** Binary message (`false`: text, and `payload` is valid UTF-8). */
  readonly binary: boolean;
  /** The message payload. */
  readonly payload: Uint8Array;
  /** Ids of connections on the `source` server that must not receive it. */
  readonly except: readonly number[];
  /** Only connections that negotiated this subprotocol receive it (an adapter that serializes envelopes must carry it). @default undefined (any connection) */
  readonly protocol?: string;
}

/**
 * Carries broadcasts between server processes. The server delivers to its own connections
 * itself; an adapter only has to bring envelopes from OTHER servers (an envelope's `source` is
 * the publishing server's id). Any method may return a promise; a rejection reaches `onError`.
 *
 * @example An adapter that logs and carries nothing (a single process)
 * ```ts
 * import type { BroadcastEnvelope, PubSubAdapter } from "@wirely/wirely/server";
 * const logging: PubSubAdapter = {
 *   start: (serverId) => console.log("start", serverId),
 *   publish: (envelope: BroadcastEnvelope) => console.log("publish", envelope.room),
 *   subscribe: (_serverId, room) => console.log("subscribe", room),
 *   unsubscribe: (_serverId, room) => console.log("unsubscribe", room),
 *   stop: (serverId) => console.log("stop", serverId),
 * };
 * logging.subscribe("a", "lobby"); // subscribe lobby
 * ```
 */
export interface PubSubAdapter {
  /** A server starts: from now on call `deliver` with envelopes from other servers. */
  start(serverId: string, deliver: (envelope: BroadcastEnvelope) => void): void | Promise<void>;
  /** Carries an envelope to every other started server. */
  publish(envelope: BroadcastEnvelope): void | Promise<void>;
  /** The server has a first local member in `room` (envelopes for it are wanted). */
  subscribe(serverId: string, room: string): void | Promise<void>;
  /** The server's last local member left `room`. */
  unsubscribe(serverId: string, room: string): void | Promise<void>;
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
 * console.log(adapter.servers); // 0
 * ```
 */
export class MemoryAdapter implements PubSubAdapter {
  #servers = new Map<
    string,
    { deliver: (envelope: BroadcastEnvelope) => void; rooms: Set<string> }
  >();

  /** Number of started servers. */
  get servers(): number {
    return this.#servers.size;
  }

  /** Registers a server. */
  start(serverId: string, deliver: (envelope: BroadcastEnvelope) => void): void {
    this.#servers.set(serverId, { deliver, rooms: new Set() });
  }

  /** Delivers to every other server that has members in the room (or to all for no room). */
  publish(envelope: BroadcastEnvelope): void {
    for (const [id, server] of this.#servers) {
      if (id === envelope.source) continue;
      if (envelope.room === undefined || server.rooms.has(envelope.room)) server.deliver(envelope);
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

  /** Forgets a server. */
  stop(serverId: string): void {
    this.#servers.delete(serverId);
  }
}

/**
 * Where a broadcast goes and whom it skips.
 *
 * @example
 * ```ts
 * import type { BroadcastOptions } from "@wirely/wirely/server";
 * const options: BroadcastOptions<never> = { room: "lobby" };
 * console.log(options.room); // "lobby"
 * ```
 */
export interface BroadcastOptions<Member> {
  /** Only members of this room. @default undefined (every connection of every server) */
  room?: string;
  /** A connection (usually the sender) or connections to skip. @default undefined */
  except?: Member | Iterable<Member>;
  /** Only connections that negotiated this subprotocol, on every server. @default undefined (any connection) */
  protocol?: string;
}

/** What {@linkcode Rooms} needs from a connection. */
export interface RoomMember {
  /** Unique among the server's connections. */
  readonly id: number;
  /** The negotiated subprotocol (for `broadcast(data, { protocol })`). */
  readonly protocol?: string;
  /** Sends an encoded frame; a closing or closed member ignores it. */
  deliver(message: PreparedMessage): void;
}

/** The rooms of one server process. Created by the server core, not by users. */
export class Rooms<Member extends RoomMember> {
  /** This server's id on the adapter. */
  readonly serverId: string = crypto.randomUUID();
  readonly #clients: ReadonlySet<Member>;
  readonly #adapter: PubSubAdapter;
  readonly #onError: (error: unknown) => void;
  readonly #rooms = new Map<string, Set<Member>>();
  readonly #memberships = new Map<Member, Set<string>>();

  constructor(
    clients: ReadonlySet<Member>,
    adapter: PubSubAdapter,
    onError: (error: unknown) => void,
  ) {
    this.#clients = clients;
    this.#adapter = adapter;
    this.#onError = onError;
    this.#call(() => adapter.start(this.serverId, (envelope) => this.#deliverRemote(envelope)));
  }

  /** Adds `member` to `room`. */
  join(member: Member, room: string): void {
    if (typeof room !== "string") {
      throw new TypeError(
        `Cannot join as 'room' must be a string: current value is ${typeof room}`,
      );
    }
    let members = this.#rooms.get(room);
    if (members === undefined) {
      members = new Set();
      this.#rooms.set(room, members);
      this.#call(() => this.#adapter.subscribe(this.serverId, room));
    }
    members.add(member);
    let rooms = this.#memberships.get(member);
    if (rooms === undefined) this.#memberships.set(member, rooms = new Set());
    rooms.add(room);
  }

  /** Removes `member` from `room` (no-op when not a member). */
  leave(member: Member, room: string): void {
    const members = this.#rooms.get(room);
    if (members === undefined || !members.delete(member)) return;
    if (members.size === 0) {
      this.#rooms.delete(room);
      this.#call(() => this.#adapter.unsubscribe(this.serverId, room));
    }
    const rooms = this.#memberships.get(member);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#memberships.delete(member);
  }

  /** Removes `member` from every room (when it closes). */
  leaveAll(member: Member): void {
    const rooms = this.#memberships.get(member);
    if (rooms === undefined) return;
    for (const room of [...rooms]) this.leave(member, room);
  }

  /** The rooms `member` is in. */
  roomsOf(member: Member): ReadonlySet<string> {
    return this.#memberships.get(member) ?? EMPTY;
  }

  /** The local members of `room`. */
  members(room: string): ReadonlySet<Member> {
    return this.#rooms.get(room) ?? EMPTY_MEMBERS;
  }

  /**
   * Sends `data` to every local member of the room (or every client), encoded once, and
   * publishes it for the other servers.
   *
   * @returns The number of local connections it was handed to.
   */
  broadcast(data: OutgoingData, options: BroadcastOptions<Member> = {}): number {
    const { room, except, protocol } = options;
    if (room !== undefined && typeof room !== "string") {
      throw new TypeError(
        `Cannot broadcast as 'room' must be a string: current value is ${typeof room}`,
      );
    }
    const skipped = toSet(except);
    const prepared = new PreparedMessage(data);
    const { binary, payload } = prepared;
    const sent = this.#deliverLocal(room, prepared, skipped, protocol);
    this.#call(() =>
      this.#adapter.publish({
        source: this.serverId,
        room,
        binary,
        payload,
        except: [...skipped].map((member) => member.id),
        ...(protocol === undefined ? {} : { protocol }),
      })
    );
    return sent;
  }

  /** Stops the adapter for this server. */
  stop(): Promise<void> {
    return Promise.resolve().then(() => this.#adapter.stop(this.serverId)).then(
      () => {},
      this.#onError,
    );
  }

  #deliverRemote(envelope: BroadcastEnvelope): void {
    if (envelope.source === this.serverId) return;
    const prepared = new PreparedMessage(envelope.payload, { binary: envelope.binary });
    this.#deliverLocal(envelope.room, prepared, EMPTY_MEMBERS, envelope.protocol);
  }

  #deliverLocal(
    room: string | undefined,
    prepared: PreparedMessage,
    skipped: ReadonlySet<Member>,
    protocol: string | undefined,
  ): number {
    const targets = room === undefined ? this.#clients : this.#rooms.get(room);
    if (targets === undefined) return 0;
    let sent = 0;
    for (const member of targets) {
      if (skipped.has(member) || (protocol !== undefined && member.protocol !== protocol)) continue;
      member.deliver(prepared);
      sent++;
    }
    return sent;
  }

  /** Calls an adapter method; a throw or a rejection goes to onError. */
  #call(operation: () => void | Promise<void>): void {
    try {
      const result = operation();
      if (result instanceof Promise) result.catch(this.#onError);
    } catch (error) {
      this.#onError(error);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
const EMPTY_MEMBERS: ReadonlySet<never> = new Set();

function toSet<Member>(except: Member | Iterable<Member> | undefined): ReadonlySet<Member> {
  if (except === undefined || except === null) return EMPTY_MEMBERS;
  if (typeof except === "object" && Symbol.iterator in except) return new Set(except);
  return new Set([except as Member]);
}
