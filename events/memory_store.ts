/**
 * {@linkcode MemoryStore}: the {@linkcode RecoveryStore} of one process (history log and
 * sessions in memory, bounded by length and age).
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
} from "./store.ts";

/**
 * Options of {@linkcode MemoryStore} and `RedisStore`: the bounds of the history log.
 *
 * @example
 * ```ts
 * import type { HistoryBounds } from "@wirely/wirely/events/server";
 * const bounds: HistoryBounds = { maxLength: 50_000, maxAge: 600_000 };
 * console.log(bounds.maxLength); // 50000
 * ```
 */
export interface HistoryBounds {
  /** Entries the log keeps (the oldest go first); a client further behind gets `recovered: false`, reason `"trimmed"`. @default 10_000 */
  maxLength?: number;
  /** Milliseconds an entry is kept; older ones are dropped at the next append. @default 300_000 */
  maxAge?: number;
}

/** Checks and defaults {@linkcode HistoryBounds}. */
export function historyBounds(
  what: string,
  bounds: HistoryBounds | undefined,
): Required<HistoryBounds> {
  const { maxLength = 10_000, maxAge = 300_000 } = bounds ?? {};
  for (const [name, value] of [["maxLength", maxLength], ["maxAge", maxAge]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot create ${what} as '${name}' must be an integer >= 1: current value is ${value}`,
      );
    }
  }
  return { maxLength, maxAge };
}

/**
 * The history log and sessions of one process, shared by the servers that get the same
 * instance (like a `MemoryAdapter`). Entries are delivered to every started server
 * synchronously, in order, when appended. Nothing survives the process.
 *
 * @example
 * ```ts
 * import { MemoryStore } from "@wirely/wirely/events/server";
 * const store = new MemoryStore({ maxLength: 2 });
 * const server = { deliver: (e: { offset: number }) => console.log("got", e.offset) };
 * store.start("a", { ...server, gap() {}, reportError() {} });
 * const record = { rooms: [], exceptRooms: [], exceptSessions: [], binary: false };
 * for (let i = 0; i < 3; i++) await store.append({ ...record, payload: new Uint8Array(0) });
 * // got 1, got 2, got 3
 * const { epoch } = await store.head();
 * console.log(await store.read(epoch, 0, 10)); // { reason: "trimmed" }
 * ```
 */
export class MemoryStore implements RecoveryStore {
  readonly #bounds: Required<HistoryBounds>;
  readonly #servers = new Map<string, StoreServer>();
  readonly #log: { entry: LogEntry; at: number }[] = [];
  readonly #sessions = new Map<
    string,
    {
      record: SessionRecord;
      generation: number;
      expires: number;
      /** Since when a claim has seen `seq` unhandled. */
      doubt?: { seq: number; since: number };
    }
  >();
  readonly #epoch: string = crypto.randomUUID().slice(0, 8);
  /** The last serial appended by each writer (while it has entries in the log). */
  readonly #writers = new Map<string, number>();
  #offset = 0;

  /**
   * Creates an empty store.
   *
   * @throws {RangeError} For a bad bound.
   */
  constructor(options: HistoryBounds = {}) {
    this.#bounds = historyBounds("MemoryStore", options);
  }

  /** Entries held now. */
  get length(): number {
    return this.#log.length;
  }

  /** Registers a server. */
  start(serverId: string, server: StoreServer): void {
    this.#servers.set(serverId, server);
  }

  /** Appends (unless `origin` was appended already), trims, and delivers the entry to every server. */
  append(record: LogRecord, origin?: AppendOrigin): Promise<void> {
    if (origin !== undefined) {
      if ((this.#writers.get(origin.writer) ?? 0) >= origin.serial) return Promise.resolve();
      this.#writers.delete(origin.writer); // re-inserted last: the oldest writers come first
      this.#writers.set(origin.writer, origin.serial);
      if (this.#writers.size > 1_024) this.#writers.delete(this.#writers.keys().next().value!);
    }
    const now = Date.now();
    const entry: LogEntry = { ...record, epoch: this.#epoch, offset: ++this.#offset };
    const log = this.#log;
    log.push({ entry, at: now });
    let drop = Math.max(0, log.length - this.#bounds.maxLength);
    while (drop < log.length && log[drop]!.at < now - this.#bounds.maxAge) drop++;
    if (drop > 0) log.splice(0, drop);
    for (const server of [...this.#servers.values()]) {
      try {
        server.deliver(entry);
      } catch (error) {
        server.reportError(error);
      }
    }
    return Promise.resolve();
  }

  /** The epoch and the last offset. */
  head(): Promise<{ epoch: string; offset: number }> {
    return Promise.resolve({ epoch: this.#epoch, offset: this.#offset });
  }

  /** Entries after `offset`, or `"trimmed"`/`"epoch"`. */
  read(epoch: string, offset: number, limit: number): Promise<LogRead> {
    if (epoch !== this.#epoch || offset > this.#offset) {
      return Promise.resolve({ reason: "epoch" });
    }
    const log = this.#log;
    const cutoff = Date.now() - this.#bounds.maxAge;
    let keep = 0;
    while (keep < log.length && log[keep]!.at < cutoff) keep++;
    const oldest = log[keep]?.entry.offset ?? this.#offset + 1;
    if (offset < this.#offset && oldest > offset + 1) return Promise.resolve({ reason: "trimmed" });
    const start = keep + Math.max(0, offset + 1 - oldest);
    const entries = log.slice(start, start + limit).map((item) => item.entry);
    return Promise.resolve({ entries, end: this.#offset });
  }

  /** The record with its next generation, unless expired, and how long it has been in doubt. */
  claimSession(id: string, ttl: number): Promise<SessionClaim | undefined> {
    const now = Date.now();
    const held = this.#sessions.get(id);
    if (held === undefined || held.expires <= now) {
      this.#sessions.delete(id);
      return Promise.resolve(undefined);
    }
    held.generation++;
    held.expires = now + ttl;
    const { record } = held;
    let inDoubt = 0;
    if (record.handled < record.seq) {
      if (held.doubt?.seq !== record.seq) held.doubt = { seq: record.seq, since: now };
      inDoubt = now - held.doubt.since;
    }
    return Promise.resolve({ record, generation: held.generation, inDoubt });
  }

  /** Writes the record unless claimed since; expired records are swept on the way. */
  saveSession(
    id: string,
    record: SessionRecord,
    ttl: number,
    generation: number,
  ): Promise<boolean> {
    const now = Date.now();
    if (this.#sessions.size > 0 && this.#sessions.size % 1024 === 0) {
      for (const [key, held] of this.#sessions) if (held.expires <= now) this.#sessions.delete(key);
    }
    const held = this.#sessions.get(id);
    if (held !== undefined && held.expires > now && held.generation > generation) {
      return Promise.resolve(false);
    }
    this.#sessions.set(id, { record, generation, expires: now + ttl });
    return Promise.resolve(true);
  }

  /** Raises `handled`. */
  handledSession(id: string, seq: number): Promise<void> {
    const held = this.#sessions.get(id);
    if (held !== undefined && held.record.handled < seq) {
      held.record = { ...held.record, handled: seq };
    }
    return Promise.resolve();
  }

  /** Pushes back the expiry of these sessions. */
  touchSessions(ids: readonly string[], ttl: number): Promise<void> {
    const expires = Date.now() + ttl;
    for (const id of ids) {
      const held = this.#sessions.get(id);
      if (held !== undefined) held.expires = expires;
    }
    return Promise.resolve();
  }

  /** Forgets a server. */
  stop(serverId: string): void {
    this.#servers.delete(serverId);
  }
}
