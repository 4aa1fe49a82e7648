/**
 * How a `RedisStore` follows the log: entries published on its channel are delivered to the
 * server in offset order; entries the subscription missed (a lost connection) are read back
 * from the stream (`XRANGE`), and a gap is reported when they cannot be.
 *
 * @module
 */

import type { LogEntry, LogRead, StoreServer } from "../events/store.ts";
import { decodeLogMessage } from "./_log_wire.ts";
import type { RecentEntries } from "./_recent.ts";

/** What the follower needs of its store. */
export interface LogSource {
  /** The command client is ready. */
  readonly ready: boolean;
  readonly channel: string;
  /** `XRANGE` after the offset (throws when Redis fails). */
  read(epoch: string, offset: number, limit: number): Promise<LogRead>;
  head(): Promise<{ epoch: string; offset: number }>;
  malformed(what: string): Error;
}

/** Delivers the log's entries to one server, in order, from a position. */
export class LogFollower {
  readonly #source: LogSource;
  readonly #recent: RecentEntries;
  #server: StoreServer | undefined;
  #epoch: string;
  #offset: number;
  #queue: LogEntry[] = [];
  #draining = false;
  #lost = false;

  constructor(
    source: LogSource,
    recent: RecentEntries,
    server: StoreServer,
    head: { epoch: string; offset: number },
  ) {
    this.#source = source;
    this.#recent = recent;
    this.#server = server;
    this.#epoch = head.epoch;
    this.#offset = head.offset;
  }

  /** Delivers nothing more. */
  stop(): void {
    this.#server = undefined;
  }

  /** A connection to Redis was lost. */
  lost(): void {
    this.#lost = true;
  }

  /** Back from an outage: fetch what the subscription missed, or report a gap. */
  ready(subscriberReady: boolean): void {
    if (!this.#lost || !this.#source.ready || !subscriberReady) return;
    this.#lost = false;
    this.#queue.push(CATCH_UP);
    this.#drain();
  }

  /** A message on the log channel. */
  received(message: Uint8Array): void {
    const server = this.#server;
    if (server === undefined) return;
    const entry = decodeLogMessage(message);
    if (entry === undefined) {
      server.reportError(
        this.#source.malformed(`message of ${message.length} bytes on ${this.#source.channel}`),
      );
      return;
    }
    // The usual case: the next entry, nothing queued.
    if (!this.#draining && this.#queue.length === 0 && this.#isNext(entry)) {
      this.#offset = entry.offset;
      this.#deliver(server, entry);
      return;
    }
    this.#queue.push(entry);
    this.#drain();
  }

  #deliver(server: StoreServer, entry: LogEntry): void {
    this.#recent.push(entry, Date.now());
    server.deliver(entry);
  }

  /** Entries up to the position may be missing: forget the recent ones, tell the server. */
  #gap(server: StoreServer): void {
    this.#recent.clear();
    server.gap(this.#epoch, this.#offset);
  }

  #isNext(entry: LogEntry): boolean {
    return entry.epoch === this.#epoch && entry.offset === this.#offset + 1;
  }

  /** Delivers queued entries in order, fetching missing ones from the stream. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && this.#server !== undefined) {
        const entry = this.#queue.shift()!;
        const server = this.#server;
        if (entry === CATCH_UP) {
          if (!await this.#catchUp(server, Infinity)) this.#queue.unshift(entry);
          if (this.#lost) break; // deferred: the client is not ready yet ("ready" drains again)
          continue;
        }
        if (entry.epoch !== this.#epoch) {
          // The log was reset (Redis lost it): what this server missed is gone.
          this.#epoch = entry.epoch;
          this.#offset = entry.offset - 1;
          this.#gap(server);
        } else if (entry.offset <= this.#offset) continue;
        if (entry.offset > this.#offset + 1 && !await this.#catchUp(server, entry.offset - 1)) {
          this.#queue.unshift(entry); // deferred until the client is ready again
          break;
        }
        if (entry.offset <= this.#offset) continue;
        this.#offset = entry.offset;
        this.#deliver(server, entry);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Reads and delivers entries after the last delivered one, up to `until`; a gap when it cannot.
   * `false`: deferred, the command client is not ready (its "ready" catches up again): the
   * subscriber may be back before it. A failed read is retried every 100 ms for up to 30 s
   * (Redis answers `LOADING` while it reads its append-only file after a restart).
   */
  async #catchUp(server: StoreServer, until: number): Promise<boolean> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#fetch(server, until);
        return true;
      } catch (error) {
        if (this.#server === undefined) return true;
        if (!this.#source.ready) {
          this.#lost = true;
          return false;
        }
        if (attempt < CATCH_UP_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, CATCH_UP_RETRY));
          continue;
        }
        server.reportError(error);
        this.#offset = until === Infinity ? this.#offset : until;
        this.#gap(server);
        return true;
      }
    }
  }

  /** The pages of a catch-up (throws when Redis fails). */
  async #fetch(server: StoreServer, until: number): Promise<void> {
    for (let page = 0; page < 10_000 && this.#offset < until; page++) {
      const read = await this.#source.read(this.#epoch, this.#offset, 500);
      if ("reason" in read) {
        const head = await this.#source.head();
        if (head.epoch !== this.#epoch && until === Infinity) {
          // A new log (Redis lost its data): every entry of it came after what this server
          // had; the gap first, then them (records held during the outage are among them).
          this.#epoch = head.epoch;
          this.#offset = 0;
          this.#gap(server);
          continue;
        }
        this.#epoch = head.epoch;
        this.#offset = Math.max(head.offset, until === Infinity ? 0 : until);
        this.#gap(server);
        return;
      }
      for (const entry of read.entries) {
        if (entry.offset > until) return;
        this.#offset = entry.offset;
        this.#deliver(server, entry);
      }
      if (read.entries.length === 0 || this.#offset >= read.end) return;
    }
  }
}

/** Attempts of a catch-up read, and milliseconds between them. */
const CATCH_UP_ATTEMPTS = 300;
const CATCH_UP_RETRY = 100;

const CATCH_UP: LogEntry = {
  epoch: "",
  offset: 0,
  rooms: [],
  exceptRooms: [],
  exceptSessions: [],
  binary: false,
  payload: new Uint8Array(0),
};
