/**
 * The seam of connection state recovery: {@linkcode RecoveryStore}, where an
 * `EventServer` with `recovery` keeps the history log (one ordered log of every event
 * it sends with recovery, each at a position: epoch + offset) and the sessions. Two engines ship:
 * `MemoryStore` (one process) and `RedisStore` (`@wirely/wirely/redis`, Redis Streams). Guide:
 * `docs/scale-out.md` ("Recovery").
 *
 * @module
 */

/**
 * An event on its way into the history log: where it goes, and its frame (the `wirely.v1`
 * packet, encoded once). The server resolves `rooms`/`exceptRooms` against the rooms of each
 * session, live and when replaying.
 *
 * @example
 * ```ts
 * import type { LogRecord } from "@wirely/wirely/events/server";
 * const record: LogRecord = {
 *   rooms: ["lobby"],
 *   exceptRooms: [],
 *   exceptSessions: [],
 *   binary: false,
 *   payload: new TextEncoder().encode('["e","news",0,"hi"]'),
 * };
 * console.log(record.rooms); // [ "lobby" ]
 * ```
 */
export interface LogRecord {
  /** The rooms whose members receive it (their union); empty: every session (unless `session`). */
  readonly rooms: readonly string[];
  /** Members of these rooms do not receive it. */
  readonly exceptRooms: readonly string[];
  /** These sessions do not receive it (the sender of `socket.broadcast`/`socket.to`). */
  readonly exceptSessions: readonly string[];
  /** Only this session receives it (`socket.emit`, answers); `rooms` are then ignored. @default undefined */
  readonly session?: string;
  /** Not an event: the writer sent events unlogged during a store outage; every session is told `recovered: false` (`"outage"`). @default undefined */
  readonly gap?: boolean;
  /** Binary frame (`false`: text, `payload` is UTF-8). */
  readonly binary: boolean;
  /** The frame's bytes. */
  readonly payload: Uint8Array;
}

/**
 * A record with its position in the log: `offset` counts from 1 within an `epoch` (a new epoch
 * starts when the log is lost, e.g. Redis restarted without its data).
 *
 * @example
 * ```ts
 * import type { LogEntry } from "@wirely/wirely/events/server";
 * const entry: LogEntry = {
 *   epoch: "k2v9",
 *   offset: 42,
 *   rooms: [],
 *   exceptRooms: [],
 *   exceptSessions: [],
 *   binary: false,
 *   payload: new Uint8Array(0),
 * };
 * console.log(`${entry.epoch}:${entry.offset}`); // k2v9:42
 * ```
 */
export interface LogEntry extends LogRecord {
  /** The log's epoch when the entry was written. */
  readonly epoch: string;
  /** Position in the epoch: 1, 2, 3, ... with no holes (across all servers). */
  readonly offset: number;
}

/**
 * What a store reads back from a position: the entries after it, or why it cannot.
 * `"trimmed"`: entries after the position were dropped by the length or age bound;
 * `"epoch"`: the log's epoch is not the one asked (it was reset).
 *
 * @example
 * ```ts
 * import type { LogRead } from "@wirely/wirely/events/server";
 * function describe(read: LogRead): string {
 *   return "reason" in read ? `cannot: ${read.reason}` : `${read.entries.length} up to ${read.end}`;
 * }
 * console.log(describe({ entries: [], end: 17 })); // 0 up to 17
 * ```
 */
export type LogRead =
  | {
    /** Entries after the position, in order (at most the `limit` asked). */
    readonly entries: readonly LogEntry[];
    /** The offset of the last entry in the log (when `entries` reaches it, the read is complete). */
    readonly end: number;
  }
  | { readonly reason: "trimmed" | "epoch" };

/**
 * What the server keeps of a session between connections: its rooms and the last client
 * message it handled (for exactly-once, client to server).
 *
 * @example
 * ```ts
 * import type { SessionRecord } from "@wirely/wirely/events/server";
 * const record: SessionRecord = { rooms: ["lobby"], seq: 12, handled: 12 };
 * console.log(record.seq); // 12
 * ```
 */
export interface SessionRecord {
  /** The rooms the session's socket was in. */
  readonly rooms: readonly string[];
  /** The sequence number of the last client message received and written before it is handled (0: none). */
  readonly seq: number;
  /** The sequence number of the last client message handed to the handlers (at most `seq`). */
  readonly handled: number;
}

/**
 * A session taken over by {@linkcode RecoveryStore.claimSession}: its record and new generation,
 * and how long its events have been in doubt (written, `seq`, but not yet `handled`).
 *
 * @example
 * ```ts
 * import type { SessionClaim } from "@wirely/wirely/events/server";
 * const claim: SessionClaim = {
 *   record: { rooms: ["lobby"], seq: 12, handled: 11 },
 *   generation: 3,
 *   inDoubt: 400,
 * };
 * console.log(claim.record.seq - claim.record.handled); // 1
 * ```
 */
export interface SessionClaim {
  /** The session's record as stored. */
  readonly record: SessionRecord;
  /** The session's generation after this claim (a save with a lower one is refused). */
  readonly generation: number;
  /**
   * Milliseconds since a claim first found this session with `handled < seq` (the same `seq`);
   * 0 when not in doubt. The server waits a bounded time in all for the previous connection's
   * server to hand those events over, across reconnections. Without it, each claim waits anew.
   * @default undefined
   */
  readonly inDoubt?: number;
}

/**
 * What a server hands its {@linkcode RecoveryStore} when it starts.
 *
 * @example
 * ```ts
 * import type { StoreServer } from "@wirely/wirely/events/server";
 * const server: StoreServer = {
 *   deliver: (entry) => console.log("entry", entry.offset),
 *   gap: (epoch, offset) => console.log("may be missing up to", offset),
 *   reportError: (error) => console.error(error),
 * };
 * server.gap("k2v9", 7); // may be missing up to 7
 * ```
 */
export interface StoreServer {
  /** An entry appended by any server, in log order (each once). */
  deliver(entry: LogEntry): void;
  /**
   * The store could not bridge a gap in what it delivered (a lost connection, a log reset):
   * entries up to `offset` of `epoch` may be missing; the next one delivered follows it.
   */
  gap(epoch: string, offset: number): void;
  /** An error met outside a call (a lost connection, a malformed message). */
  reportError(error: unknown): void;
}

/**
 * Who wrote a record, for {@linkcode RecoveryStore.append}: a server (`writer`, its id) numbers
 * its records (`serial`, rising) so that one written again after a lost answer is skipped.
 *
 * @example
 * ```ts
 * import type { AppendOrigin } from "@wirely/wirely/events/server";
 * const origin: AppendOrigin = { writer: "9f2c", serial: 17 };
 * console.log(`${origin.writer}/${origin.serial}`); // 9f2c/17
 * ```
 */
export interface AppendOrigin {
  /** The writing server's id. */
  readonly writer: string;
  /** The record's number among the writer's records (1, 2, 3, ...). */
  readonly serial: number;
}

/**
 * Where an `EventServer` with `recovery` keeps its history log and its sessions. An
 * engine (Redis Streams, NATS JetStream, Postgres) is one class with these methods; the server
 * does everything else (positions on the wire, replay filtering, dedupe, exactly-once).
 *
 * Contract: `append` gives the record the next offset of the current epoch and has it reach
 * every started server's `deliver` in offset order (the appending server included: it does
 * not deliver its own entries locally); `read` returns what `append` wrote; a server that
 * missed entries it cannot fetch again calls `gap`.
 *
 * @example The store of one process
 * ```ts
 * import { MemoryStore, type RecoveryStore } from "@wirely/wirely/events/server";
 * const store: RecoveryStore = new MemoryStore({ maxLength: 1_000 });
 * console.log((await store.head()).offset); // 0
 * ```
 */
export interface RecoveryStore {
  /** A server starts: from now on deliver every appended entry to it, in order. */
  start(serverId: string, server: StoreServer): void | Promise<void>;
  /**
   * Appends a record; it reaches every server's `deliver`. Rejects when the store is
   * unreachable. With `origin`, a record whose `serial` is not above the last one appended by the
   * same `writer` is skipped (resolves): a write retried after its answer was lost is not logged
   * twice. A writer's serials rise with each of its records.
   */
  append(record: LogRecord, origin?: AppendOrigin): Promise<void>;
  /** The current epoch and the offset of the last entry (0: none). */
  head(): Promise<{ epoch: string; offset: number }>;
  /** Up to `limit` entries after `offset` of `epoch`, or why they cannot be read. */
  read(epoch: string, offset: number, limit: number): Promise<LogRead>;
  /**
   * A connection takes over a session: atomically adds 1 to its generation and returns the
   * record with the new generation, or `undefined` when the session is unknown or expired.
   */
  claimSession(id: string, ttl: number): Promise<SessionClaim | undefined>;
  /**
   * Writes a session's record, with `generation`, unless its stored generation is higher (or
   * the session is missing), expiring `ttl` milliseconds after its last write or touch. Resolves
   * `false` (nothing written) when another connection claimed the session since; a lower stored
   * generation means the store lost the caller's claim (a restart without its last writes).
   */
  saveSession(id: string, record: SessionRecord, ttl: number, generation: number): Promise<boolean>;
  /** Raises a session's `handled` to `seq` (never lowers it), whatever its generation. */
  handledSession(id: string, seq: number): Promise<void>;
  /** Pushes back the expiry of these sessions (connected ones) to `ttl` milliseconds from now. */
  touchSessions(ids: readonly string[], ttl: number): Promise<void>;
  /** The server stops: deliver nothing more to it. */
  stop(serverId: string): void | Promise<void>;
}

/**
 * The `recovery` option of an `EventServer`.
 *
 * @example In memory (one process), and on Redis
 * ```ts
 * import { EventServer, MemoryStore } from "@wirely/wirely/events/server";
 * const io = new EventServer({ recovery: { store: new MemoryStore(), sessionTtl: 60_000 } });
 * console.log(io.recovery); // true
 * ```
 */
export interface RecoveryOptions {
  /** The history log and sessions. One per server; every server of a cluster must share the same backing store (the same Redis and prefix). @default new MemoryStore() */
  store?: RecoveryStore;
  /** Milliseconds a session is kept after its connection is gone (a reconnect within it recovers); 0 is refused. @default 120_000 */
  sessionTtl?: number;
  /** Records (events, answers) a server holds while its store is unreachable, to write them in order when it is back; one more, and they all go out unlogged to this server's sockets (sessions get `recovered: false`, `"outage"`). @default 10_000 */
  holdLimit?: number;
  /** Milliseconds a store outage is bridged: records are held and session answers wait that long, then go on unlogged (`"outage"`). @default 30_000 */
  holdTime?: number;
}
