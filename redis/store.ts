/**
 * {@linkcode RedisStore}: the {@linkcode RecoveryStore} on Redis. The history log is one
 * stream, appended and published by one script (so every server sees entries in log order),
 * trimmed by length and age; sessions are keys with a TTL.
 *
 * @module
 */

import type {
  AppendOrigin,
  LogEntry,
  LogRead,
  LogRecord,
  RecoveryStore,
  SessionClaim,
  SessionRecord,
  StoreServer,
} from "../events/store.ts";
import { type HistoryBounds, historyBounds } from "../events/memory_store.ts";
import type { RedisSubscriber } from "./clients.ts";
import type { RedisCommands, RedisStoreOptions } from "./store_options.ts";
import { BackplaneError } from "./errors.ts";
import { decodeEntry, encodeRecord } from "./_log_wire.ts";
import { LogFollower } from "./_follow.ts";
import { APPEND, CLAIM, HANDLED, HEAD, READ, SAVE } from "./_scripts.ts";
import { RecentEntries } from "./_recent.ts";

type Item = [string, string[]];

/**
 * Keeps the history log and the sessions of recovery in Redis, for every server of a cluster
 * (the same Redis and `prefix`). Keys (default prefix): `wirely#log` (a stream; entry ids are
 * `<offset>-1`), `wirely#log#seq` (the last offset), `wirely#log#epoch`, `wirely#log#w#<server>`
 * (the last serial each server appended: a retried append is not logged twice), and
 * `wirely#session#<id>` (JSON, expiring `sessionTtl` after the session's connection is gone);
 * channel `wirely#log`. One `EVAL` appends (`XADD` with `MAXLEN`, age trim, `PUBLISH`), so
 * every server receives entries in offset order; a server that missed some (lost connection)
 * reads them back with `XRANGE` when it can, and reports a gap when it cannot.
 *
 * @example A server with recovery on Redis (needs a Redis and the `redis` package)
 * ```ts ignore
 * import { createClient } from "redis";
 * import { EventServer } from "@wirely/wirely/events/server";
 * import { RedisAdapter, RedisStore } from "@wirely/wirely/redis";
 * const client = createClient({ url: "redis://127.0.0.1:6379" });
 * const subscriber = client.duplicate();
 * for (const c of [client, subscriber]) c.on("error", () => {});
 * await Promise.all([client.connect(), subscriber.connect()]);
 * const io = new EventServer({ recovery: { store: new RedisStore({ client, subscriber }) } });
 * await io.serve({ port: 8080, adapter: new RedisAdapter({ publisher: client, subscriber }) });
 * ```
 *
 * @example The options it checks
 * ```ts
 * import { RedisStore } from "@wirely/wirely/redis";
 * try {
 *   new RedisStore({ client: undefined!, subscriber: undefined! });
 * } catch (error) {
 *   console.log((error as Error).name); // TypeError
 * }
 * ```
 */
export class RedisStore implements RecoveryStore {
  readonly #client: RedisCommands;
  readonly #subscriber: RedisSubscriber;
  readonly #prefix: string;
  readonly #bounds: Required<HistoryBounds>;
  readonly #keys: string[];
  readonly #listener = (message: Uint8Array): void => this.#follower?.received(message);
  readonly #onLost = (): void => this.#follower?.lost();
  readonly #onReady = (): void => this.#follower?.ready(this.#subscriber.isReady);
  #server: StoreServer | undefined;
  #follower: LogFollower | undefined;
  readonly #recent: RecentEntries;

  /**
   * Creates the store; nothing happens on Redis until a server starts with it.
   *
   * @throws {TypeError | RangeError} For a missing client or a bad option.
   */
  constructor(options: RedisStoreOptions) {
    const { client, subscriber, prefix = "wirely", recentEntries = 10_000 } = options ?? {};
    for (const [name, value] of [["client", client], ["subscriber", subscriber]] as const) {
      if (typeof value !== "object" || value === null) {
        throw new TypeError(
          `Cannot create RedisStore as '${name}' must be a redis client: current value is ${
            value === null ? "null" : typeof value
          }`,
        );
      }
    }
    if (typeof prefix !== "string") {
      throw new TypeError(
        `Cannot create RedisStore as 'prefix' must be a string: current value is ${typeof prefix}`,
      );
    }
    this.#bounds = historyBounds("RedisStore", options);
    if (!Number.isInteger(recentEntries) || recentEntries < 0) {
      throw new RangeError(
        `Cannot create RedisStore as 'recentEntries' must be an integer >= 0: current value is ${recentEntries}`,
      );
    }
    this.#recent = new RecentEntries(recentEntries, this.#bounds.maxLength, this.#bounds.maxAge);
    this.#client = client;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#keys = [`${prefix}#log`, `${prefix}#log#seq`, `${prefix}#log#epoch`];
  }

  /** The channel entries are published on. */
  get channel(): string {
    return `${this.#prefix}#log`;
  }

  /** Subscribes to the log channel and learns the log's head. */
  async start(_serverId: string, server: StoreServer): Promise<void> {
    if (this.#server !== undefined) {
      throw new TypeError("Cannot start a RedisStore twice: create one per server");
    }
    this.#server = server;
    for (const client of [this.#client, this.#subscriber]) {
      client.on("error", this.#onLost);
      client.on("ready", this.#onReady);
    }
    // The head first: entries appended before the subscription took effect are fetched when
    // the first one after it arrives.
    const head = await this.head();
    const client = this.#client;
    this.#follower = new LogFollower(
      {
        get ready() {
          return client.isReady;
        },
        channel: this.channel,
        read: (epoch, offset, limit) => this.#read(epoch, offset, limit),
        head: () => this.head(),
        malformed: (what) => this.#malformed(what),
      },
      this.#recent,
      server,
      head,
    );
    await this.#subscriber.subscribe(this.channel, this.#listener, true);
  }

  /**
   * Appends and publishes in one script; with `origin`, skipped when the writer's last serial
   * (key `wirely#log#w#<writer>`, kept 10 minutes or `maxAge` if longer) is not below it.
   */
  async append(record: LogRecord, origin?: AppendOrigin): Promise<void> {
    this.#ready();
    const { header, payload } = encodeRecord(record);
    const { maxLength, maxAge } = this.#bounds;
    await this.#client.sendCommand([
      "EVAL",
      APPEND,
      "4",
      ...this.#keys,
      `${this.#prefix}#log#w#${origin?.writer ?? ""}`,
      newEpoch(),
      String(maxLength),
      String(maxAge),
      header,
      payload,
      this.channel,
      String(origin?.serial ?? 0),
    ]);
  }

  /** The epoch (created when missing) and the last offset. */
  async head(): Promise<{ epoch: string; offset: number }> {
    this.#ready();
    const reply = await this.#client.sendCommand(["EVAL", HEAD, "3", ...this.#keys, newEpoch()]);
    const [epoch, offset] = reply as [string, string];
    return { epoch: String(epoch), offset: Number(offset) };
  }

  /**
   * Entries after the offset: from memory when this server received them lately (up to the last
   * one it received; later ones reach it as they are delivered), else `XRANGE`, checking epoch,
   * length and age bounds.
   */
  read(epoch: string, offset: number, limit: number): Promise<LogRead> {
    const recent = this.#recent.read(epoch, offset, limit, Date.now());
    return recent === undefined ? this.#read(epoch, offset, limit) : Promise.resolve(recent);
  }

  /** `XRANGE` after the offset, checking epoch, length and age bounds. */
  async #read(epoch: string, offset: number, limit: number): Promise<LogRead> {
    this.#ready();
    const reply = await this.#client.sendCommand([
      "EVAL",
      READ,
      "3",
      ...this.#keys,
      epoch,
      String(offset),
      String(limit),
      String(this.#bounds.maxAge),
    ]) as [string, string?, Item[]?];
    const [status, last, items = []] = reply;
    if (status === "epoch" || status === "trimmed") return { reason: status };
    const entries: LogEntry[] = [];
    for (const [id, fields] of items) {
      const entry = decodeEntry(epoch, parseInt(id, 10), fields[1] ?? "", fields[3] ?? "");
      if (entry === undefined) throw this.#malformed(`entry ${id}`);
      entries.push(entry);
    }
    return { entries, end: Number(last) };
  }

  /**
   * One script: the session's JSON (`{ r: rooms, q: seq, h: handled, g: generation }`) with
   * `g` + 1, and how long its events have been in doubt (`d`, `dq` in the JSON).
   */
  async claimSession(id: string, ttl: number): Promise<SessionClaim | undefined> {
    this.#ready();
    const reply = await this.#client.sendCommand([
      "EVAL",
      CLAIM,
      "1",
      this.#sessionKey(id),
      String(ttl),
    ]);
    const [value, doubt] = Array.isArray(reply) ? reply as unknown[] : [reply, "0"];
    if (typeof value !== "string") return undefined;
    try {
      const { r, q, h, g } = JSON.parse(value) as { r: unknown; q: number; h: number; g: number };
      // Lua's cjson writes an empty list as {}.
      const rooms = Array.isArray(r) ? r : isEmptyObject(r) ? [] : undefined;
      if (
        rooms !== undefined && Number.isInteger(q) && Number.isInteger(h) && Number.isInteger(g)
      ) {
        return {
          record: { rooms, seq: q, handled: h },
          generation: g,
          inDoubt: Number(doubt) || 0,
        };
      }
    } catch {
      // fall through: not ours
    }
    throw this.#malformed(`session ${id}`);
  }

  /** One script: `SET ... PX ttl` unless the stored generation differs. */
  async saveSession(
    id: string,
    record: SessionRecord,
    ttl: number,
    generation: number,
  ): Promise<boolean> {
    this.#ready();
    const value = JSON.stringify({
      r: record.rooms,
      q: record.seq,
      h: record.handled,
      g: generation,
    });
    const saved = await this.#client.sendCommand([
      "EVAL",
      SAVE,
      "1",
      this.#sessionKey(id),
      value,
      String(ttl),
      String(generation),
    ]);
    return Number(saved) === 1;
  }

  /** One script: raises the session's `h`, keeping its TTL. */
  async handledSession(id: string, seq: number): Promise<void> {
    this.#ready();
    await this.#client.sendCommand(["EVAL", HANDLED, "1", this.#sessionKey(id), String(seq)]);
  }

  /** `PEXPIRE` each (pipelined by the client). */
  async touchSessions(ids: readonly string[], ttl: number): Promise<void> {
    this.#ready();
    await Promise.all(
      ids.map((id) => this.#client.sendCommand(["PEXPIRE", this.#sessionKey(id), String(ttl)])),
    );
  }

  /** Unsubscribes from the log channel; the clients stay open (they are yours). */
  async stop(_serverId: string): Promise<void> {
    if (this.#server === undefined) return;
    this.#server = undefined;
    this.#follower?.stop();
    this.#follower = undefined;
    for (const client of [this.#client, this.#subscriber]) {
      client.off("error", this.#onLost);
      client.off("ready", this.#onReady);
    }
    if (this.#subscriber.isReady) {
      await this.#subscriber.unsubscribe(this.channel, this.#listener, true);
    }
  }

  #sessionKey(id: string): string {
    return `${this.#prefix}#session#${id}`;
  }

  #ready(): void {
    if (!this.#client.isReady) {
      throw new BackplaneError("BACKPLANE_UNAVAILABLE", "Cannot reach Redis for the history log");
    }
  }

  #malformed(what: string): BackplaneError {
    return new BackplaneError("BACKPLANE_MALFORMED", `The ${what} in Redis is not wirely's`);
  }
}

function newEpoch(): string {
  return crypto.randomUUID().slice(0, 8);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}
