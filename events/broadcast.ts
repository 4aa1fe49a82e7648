/**
 * {@linkcode BroadcastOperator}: `to(room)`, `except(...)`, `emit(...)` over the server's rooms,
 * each event encoded once.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { DefaultEvents, EmitArgs, EventName } from "./types.ts";
import { encodeEvent } from "./wire.ts";

/** What a broadcast needs from its server. */
export interface BroadcastTarget {
  /**
   * The server's `broadcast` (encoded once, through the pub/sub adapter) to the `wirely.v1`
   * connections only, on every server that shares the adapter.
   */
  broadcast(
    frame: string | Uint8Array,
    rooms: readonly string[],
    exceptRooms: readonly string[],
    except: readonly ServerConnection<unknown>[],
  ): number;
}

/** Something to leave out of a broadcast: a room name, a socket, or a connection. */
export type ExceptTarget =
  | string
  | { readonly conn: ServerConnection<unknown> }
  | ServerConnection<unknown>;

/**
 * A broadcast being built: `to(room)` adds rooms (their union), `except(x)` leaves out rooms or
 * sockets, `emit` sends. Each `to`/`except` returns a new operator; the one you hold is unchanged.
 *
 * Every broadcast goes through the server's `broadcast` and so its pub/sub adapter: each server
 * that shares the adapter resolves the rooms and rooms left out against its own members, so the
 * recipients are those of one process holding every connection (sockets left out are the
 * sender's server's own). Connections that did not negotiate `wirely.v1` never get events, on
 * this server or another one sharing the adapter. Events with an answer cannot be broadcast.
 *
 * @example
 * ```ts
 * import type { BroadcastOperator } from "@wirely/wirely/events/server";
 * function announce(to: BroadcastOperator<{ news: (text: string) => void }>): number {
 *   return to.except("muted").emit("news", "release 1.0 is out");
 * }
 * console.log(typeof announce); // function
 * ```
 */
export class BroadcastOperator<Emit extends object = DefaultEvents> {
  readonly #target: BroadcastTarget;
  readonly #rooms: readonly string[];
  readonly #exceptRooms: readonly string[];
  readonly #exceptConns: readonly ServerConnection<unknown>[];

  /**
   * Created by `EventServer.to`/`except` and `EventSocket.to`/`broadcast`.
   *
   * @param target The server.
   * @param rooms Rooms to reach (none: every connection).
   * @param exceptRooms Rooms whose members are left out.
   * @param exceptConns Connections left out.
   */
  constructor(
    target: BroadcastTarget,
    rooms: readonly string[] = [],
    exceptRooms: readonly string[] = [],
    exceptConns: readonly ServerConnection<unknown>[] = [],
  ) {
    this.#target = target;
    this.#rooms = rooms;
    this.#exceptRooms = exceptRooms;
    this.#exceptConns = exceptConns;
  }

  /** Also the members of `room` (several `to` calls: the union of the rooms). */
  to(room: string): BroadcastOperator<Emit> {
    if (typeof room !== "string") {
      throw new TypeError(
        `Cannot broadcast as 'room' must be a string: current value is ${typeof room}`,
      );
    }
    const rooms = this.#rooms.includes(room) ? this.#rooms : [...this.#rooms, room];
    return new BroadcastOperator(this.#target, rooms, this.#exceptRooms, this.#exceptConns);
  }

  /** Leaves out the members of a room (a string), or a socket or connection, or several. */
  except(target: ExceptTarget | Iterable<ExceptTarget>): BroadcastOperator<Emit> {
    const list = typeof target === "string" || !(Symbol.iterator in Object(target))
      ? [target as ExceptTarget]
      : [...target as Iterable<ExceptTarget>];
    const rooms = [...this.#exceptRooms];
    const conns = [...this.#exceptConns];
    for (const item of list) {
      if (typeof item === "string") rooms.push(item);
      else if ("conn" in item) conns.push(item.conn as ServerConnection<unknown>);
      else conns.push(item as ServerConnection<unknown>);
    }
    return new BroadcastOperator(this.#target, this.#rooms, rooms, conns);
  }

  /**
   * Sends the event to every connection this operator selects, encoded once.
   *
   * @returns How many connections of this server it was handed to.
   * @throws {TypeError | RangeError} For a bad event name or data without a JSON form.
   */
  emit<E extends EventName<Emit>>(event: E, ...args: EmitArgs<Emit[E]>): number {
    const frame = encodeEvent(event, (args as unknown[])[0], 0);
    return this.#target.broadcast(frame, this.#rooms, this.#exceptRooms, this.#exceptConns);
  }
}
