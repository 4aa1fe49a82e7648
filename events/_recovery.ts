/**
 * Connection state recovery, server side: the store of an `EventServer` with `recovery`, the
 * links of its sockets (`events/_link.ts`), the session timer, and delivery of the log's
 * entries to them.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { PreparedMessage } from "../server/prepared_message.ts";
import { Link, matches, record, toPrepared } from "./_link.ts";
import { MemoryStore } from "./memory_store.ts";
import type { LogEntry, LogRecord, RecoveryOptions, RecoveryStore } from "./store.ts";
import type { Frame } from "./wire.ts";

export { Link };

/**
 * Milliseconds between attempts to write the gap record after events went out unlogged: the
 * sooner it is in the log once the store is back, the fewer reconnections in between can be
 * answered "recovered" before it (they are told "outage" when it arrives).
 */
const ANNOUNCE_RETRY = 100;

/** The recovery of one `EventServer`: its store, its links, the timers. */
export class ServerRecovery {
  readonly serverId: string = crypto.randomUUID();
  readonly store: RecoveryStore;
  readonly ttl: number;
  readonly #links = new Set<Link>();
  readonly #reportError: (error: unknown) => void;
  #started: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unlogged = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: true | RecoveryOptions, reportError: (error: unknown) => void) {
    const { store = new MemoryStore(), sessionTtl = 120_000 } = options === true ? {} : options;
    if (!Number.isInteger(sessionTtl) || sessionTtl < 1) {
      throw new RangeError(
        `Cannot create server as 'recovery.sessionTtl' must be an integer >= 1 (milliseconds): current value is ${sessionTtl}`,
      );
    }
    this.store = store;
    this.ttl = sessionTtl;
    this.#reportError = reportError;
  }

  /** Resolves once the store delivers to this server. */
  get started(): Promise<void> {
    return this.start();
  }

  reportError(error: unknown): void {
    this.#reportError(error);
  }

  /** Starts the store for this server (once). */
  start(): Promise<void> {
    this.#started ??= Promise.resolve(this.store.start(this.serverId, {
      deliver: (entry) => this.#deliver(entry),
      gap: (epoch, offset) => {
        for (const link of this.#links) link.gap(epoch, offset);
      },
      reportError: this.#reportError,
    }));
    return this.#started;
  }

  /** Stops the store and the timers. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    this.#timer = this.#retry = undefined;
    if (this.#started !== undefined) await this.store.stop(this.serverId);
  }

  /** A new `wirely.v1` socket. */
  link(conn: ServerConnection<unknown>, withSession: boolean): Link {
    const link = new Link(this, conn, withSession);
    this.#links.add(link);
    this.#timer ??= setInterval(() => this.#touch(), Math.max(1, Math.floor(this.ttl / 3)));
    return link;
  }

  /** The socket closed: its session expires `ttl` from now. */
  unlink(link: Link): void {
    this.#links.delete(link);
    if (link.withSession && !link.key.includes("#")) {
      this.store.touchSessions([link.key], this.ttl).catch(() => {});
    }
    if (this.#links.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Writes a record to the log; when the store fails, local recipients get it without a position. */
  append(item: LogRecord): void {
    this.store.append(item).catch((error) => {
      this.#reportError(error);
      this.#unlogged = true;
      this.#deliver({ ...item, epoch: "", offset: 0 }, true);
      this.#retry ??= setTimeout(() => this.#announce(), ANNOUNCE_RETRY);
    });
  }

  /** A broadcast from this server. */
  broadcast(
    frame: Frame,
    rooms: readonly string[],
    exceptRooms: readonly string[],
    except: readonly Link[],
  ): void {
    this.append(record(frame, { rooms, exceptRooms, exceptSessions: except.map((l) => l.key) }));
  }

  /** Tells every server that events went out unlogged (their sessions may have missed some). */
  #announce(): void {
    this.#retry = undefined;
    if (!this.#unlogged) return;
    this.store.append({ ...record("", {}), gap: true }).then(
      () => void (this.#unlogged = false),
      () => void (this.#retry = setTimeout(() => this.#announce(), ANNOUNCE_RETRY)),
    );
  }

  #deliver(entry: LogEntry, unlogged = false): void {
    if (entry.gap === true) {
      for (const link of this.#links) link.gap(entry.epoch, entry.offset);
      return;
    }
    let prepared: PreparedMessage | undefined;
    const prepare = (): PreparedMessage => prepared ??= toPrepared(entry);
    for (const link of this.#links) {
      if (unlogged) {
        if (matches(entry, link.key, link.conn.rooms) && link.conn.state === "open") {
          link.conn.sendPrepared(prepare());
        }
      } else link.deliver(entry, prepare);
    }
  }

  #touch(): void {
    const ids = [...this.#links].filter((link) => link.withSession && !link.key.includes("#"))
      .map((link) => link.key);
    if (ids.length > 0) this.store.touchSessions(ids, this.ttl).catch(() => {});
  }
}
