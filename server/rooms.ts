/**
 * Rooms and broadcast. Membership is kept per server process; a broadcast is encoded once
 * (one {@linkcode PreparedMessage} for every local recipient) and handed to a
 * {@linkcode PubSubAdapter} that carries it to other server processes.
 *
 * @module
 */

import { type OutgoingData, PreparedMessage } from "./prepared_message.ts";
import type { AdapterServer, BroadcastEnvelope, PubSubAdapter } from "./pubsub.ts";

/**
 * Where a broadcast goes and whom it skips. Rooms are resolved on every server against its own
 * members, so the recipients are those one server holding every connection would pick.
 *
 * @example
 * ```ts
 * import type { BroadcastOptions } from "@wirely/wirely/server";
 * const options: BroadcastOptions<never> = { room: ["lobby", "news"], exceptRoom: "muted" };
 * console.log(options.room); // [ "lobby", "news" ]
 * ```
 */
export interface BroadcastOptions<Member> {
  /** Only members of this room, or of any of these rooms (a member of several gets it once); `[]` is every connection, like no room. @default undefined (every connection of every server) */
  room?: string | readonly string[];
  /** Leaves out the members of this room or of these rooms, on every server. @default undefined */
  exceptRoom?: string | readonly string[];
  /** A connection (usually the sender) or connections of this server to skip. @default undefined */
  except?: Member | Iterable<Member>;
  /** Only connections that negotiated this subprotocol, on every server (`""`: none negotiated). @default undefined (any connection) */
  protocol?: string;
}

/** What {@linkcode Rooms} needs from a connection. */
export interface RoomMember {
  /** Unique among the server's connections. */
  readonly id: number;
  /** The negotiated subprotocol (for `broadcast(data, { protocol })`). */
  readonly protocol?: string;
}

/** The rooms of one server process. Created by the server core, not by users. */
export class Rooms<Member extends RoomMember> {
  /** This server's id on the adapter. */
  readonly serverId: string = crypto.randomUUID();
  readonly #clients: ReadonlySet<Member>;
  readonly #adapter: PubSubAdapter;
  readonly #onError: (error: unknown) => void;
  readonly #deliver: (member: RoomMember, message: PreparedMessage) => void;
  readonly #beforeRemote: () => void;
  readonly #rooms = new Map<string, Set<Member>>();
  readonly #memberships = new Map<Member, Set<string>>();

  constructor(
    clients: ReadonlySet<Member>,
    adapter: PubSubAdapter,
    onError: (error: unknown) => void,
    deliver: (member: RoomMember, message: PreparedMessage) => void,
    beforeRemote: () => void = () => {},
  ) {
    this.#deliver = deliver;
    this.#beforeRemote = beforeRemote;
    this.#clients = clients;
    this.#adapter = adapter;
    this.#onError = onError;
    const server: AdapterServer = {
      deliver: (envelope) => this.#deliverRemote(envelope),
      count: (room) => room === undefined ? clients.size : this.#rooms.get(room)?.size ?? 0,
      reportError: onError,
    };
    this.#call(() => adapter.start(this.serverId, server));
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
   * Sends `data` to every local member of the rooms (or every client), encoded once, and
   * publishes it for the other servers.
   *
   * @returns The number of local connections it was handed to.
   */
  broadcast(data: OutgoingData, options: BroadcastOptions<Member> = {}): number {
    const { except, protocol } = options;
    const rooms = roomList("room", options.room);
    const exceptRooms = roomList("exceptRoom", options.exceptRoom);
    const skipped = toSet(except);
    const prepared = new PreparedMessage(data);
    const { binary, payload, bytes } = prepared;
    const sent = this.#deliverLocal(rooms, exceptRooms, prepared, skipped, protocol);
    this.#call(() =>
      this.#adapter.publish({
        source: this.serverId,
        rooms,
        exceptRooms,
        binary,
        payload,
        frame: bytes,
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
    let prepared: PreparedMessage;
    try {
      // The publishing server's frame, written as it is (no second encoding, no copy).
      prepared = envelope.frame === undefined
        ? new PreparedMessage(envelope.payload, { binary: envelope.binary })
        : new PreparedMessage(envelope.frame, { framed: true });
    } catch (error) {
      return this.#onError(error);
    }
    this.#beforeRemote();
    this.#deliverLocal(
      envelope.rooms,
      envelope.exceptRooms,
      prepared,
      EMPTY_MEMBERS,
      envelope.protocol,
    );
  }

  #deliverLocal(
    rooms: readonly string[],
    exceptRooms: readonly string[],
    prepared: PreparedMessage,
    skipped: ReadonlySet<Member>,
    protocol: string | undefined,
  ): number {
    const left = exceptRooms.map((room) => this.#rooms.get(room)).filter((set) =>
      set !== undefined
    );
    let sent = 0;
    const send = (member: Member): void => {
      if (skipped.has(member) || (protocol !== undefined && (member.protocol ?? "") !== protocol)) {
        return;
      }
      if (left.length > 0 && left.some((set) => set.has(member))) return;
      this.#deliver(member, prepared);
      sent++;
    };
    if (rooms.length === 0) {
      for (const member of this.#clients) send(member);
    } else if (rooms.length === 1) {
      for (const member of this.#rooms.get(rooms[0]!) ?? EMPTY_MEMBERS) send(member);
    } else {
      const seen = new Set<Member>();
      for (const room of rooms) {
        for (const member of this.#rooms.get(room) ?? EMPTY_MEMBERS) {
          if (seen.has(member)) continue;
          seen.add(member);
          send(member);
        }
      }
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
const NO_ROOMS: readonly string[] = [];

/** A `room`/`exceptRoom` option as a list without repeats; throws a TypeError for a non-string. */
function roomList(name: string, value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return NO_ROOMS;
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
  const bad = list?.findIndex((room) => typeof room !== "string") ?? 0;
  if (list === undefined || bad !== -1) {
    throw new TypeError(
      `Cannot broadcast as '${name}' must be a string or an array of strings: current value is ${
        list === undefined ? typeof value : `an array holding ${typeof list[bad]}`
      }`,
    );
  }
  return list.length > 1 ? [...new Set(list)] : list;
}

function toSet<Member>(except: Member | Iterable<Member> | undefined): ReadonlySet<Member> {
  if (except === undefined || except === null) return EMPTY_MEMBERS;
  if (typeof except === "object" && Symbol.iterator in except) return new Set(except);
  return new Set([except as Member]);
}
