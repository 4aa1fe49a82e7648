/**
 * Connection state recovery, server side: the store of an `EventServer` with `recovery`, the
 * links of its sockets (`events/_link.ts`), the session timer, and delivery of the log's
 * entries to them.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { PreparedMessage } from "../server/prepared_message.ts";
import { Link } from "./_link.ts";
import { record, toPrepared } from "./_entries.ts";
import { WriteQueue } from "./_outage.ts";
import { MemoryStore } from "./memory_store.ts";
import type { LogEntry, LogRecord, RecoveryOptions, RecoveryStore } from "./store.ts";
import type { Frame } from "./wire.ts";

export { Link };

/** The recovery of one `EventServer`: its store, its links, the timers. */
export class ServerRecovery {
  readonly serverId: string = crypto.randomUUID();
  readonly store: RecoveryStore;
  readonly ttl: number;
  readonly #links = new Set<Link>();
  readonly #reportError: (error: unknown) => void;
  /** This server's writes to the log, held (in order) while the store is unreachable. */
  readonly writes: WriteQueue;
  #started: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: true | RecoveryOptions, reportError: (error: unknown) => void) {
    const {
      store = new MemoryStore(),
      sessionTtl = 120_000,
      holdLimit = 10_000,
      holdTime = 30_000,
    } = options === true ? {} : options;
    for (
      const [name, value, unit] of [
        ["sessionTtl", sessionTtl, " (milliseconds)"],
        ["holdLimit", holdLimit, ""],
        ["holdTime", holdTime, " (milliseconds)"],
      ] as const
    ) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `Cannot create server as 'recovery.${name}' must be an integer >= 1${unit}: current value is ${value}`,
        );
      }
    }
    this.store = store;
    this.ttl = sessionTtl;
    this.#reportError = reportError;
    this.writes = new WriteQueue({
      store,
      serverId: this.serverId,
      deliverUnlogged: (item) => this.#deliver({ ...item, epoch: "", offset: 0 }, true),
      reportError,
    }, { holdLimit, holdTime });
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
    this.#timer = undefined;
    this.writes.stop();
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

  /**
   * Writes a record to the log after this server's earlier ones; while the store is unreachable
   * it is held, and past the hold bounds local recipients get it without a position.
   */
  append(item: LogRecord): void {
    this.writes.append(item);
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

  #deliver(entry: LogEntry, unlogged = false): void {
    if (entry.gap === true) {
      for (const link of this.#links) link.gap(entry.epoch, entry.offset);
      return;
    }
    let prepared: PreparedMessage | undefined;
    const prepare = (): PreparedMessage => prepared ??= toPrepared(entry);
    for (const link of this.#links) {
      if (unlogged) link.deliverUnlogged(entry, prepare);
      else link.deliver(entry, prepare);
    }
  }

  #touch(): void {
    const ids = [...this.#links].filter((link) => link.withSession && !link.key.includes("#"))
      .map((link) => link.key);
    if (ids.length > 0) this.store.touchSessions(ids, this.ttl).catch(() => {});
  }
}
