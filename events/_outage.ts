/**
 * The writes of one server to its history log, in order, across store outages: while the store
 * is unreachable, records are held (bounded by count and time) and written in order when it is
 * back, so every server delivers them late but with positions; past a bound, the held records go
 * out to this server's sockets without a position and a gap record follows them into the log.
 *
 * @module
 */

import type { LogRecord, RecoveryStore } from "./store.ts";

/** Milliseconds between attempts to reach the store during an outage. */
export const RETRY = 100;
/** Held records written at once when the store is back. */
const FLUSH_BATCH = 64;

/** What the queue needs of its server. */
export interface OutageHost {
  readonly store: RecoveryStore;
  /** This server's id: the writer of its records (a retried write is skipped by the store). */
  readonly serverId: string;
  /** Sends a record to this server's recipients without a position (a bound was exceeded). */
  deliverUnlogged(record: LogRecord): void;
  reportError(error: unknown): void;
}

/** The bounds of an outage. */
export interface OutageBounds {
  /** Records held at most. */
  readonly holdLimit: number;
  /** Milliseconds an outage is bridged at most. */
  readonly holdTime: number;
}

interface Held {
  readonly record: LogRecord;
  readonly serial: number;
}

/** One server's writes to the log. */
export class WriteQueue {
  readonly #host: OutageHost;
  readonly #bounds: OutageBounds;
  /** Records not yet written, in serial order. */
  #held: Held[] = [];
  #serial = 0;
  /** Writes sent directly (no outage), not yet settled. */
  #inflight = 0;
  /** When the outage began (`Date.now()`), 0: none. */
  #since = 0;
  /** A bound was exceeded: records go out unlogged until the gap record is written. */
  #degraded = false;
  #flushing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Waiting for the end of the outage: `true` when bridged, `false` when a bound was exceeded. */
  #waiters: ((bridged: boolean) => void)[] = [];
  #stopped = false;

  constructor(host: OutageHost, bounds: OutageBounds) {
    this.#host = host;
    this.#bounds = bounds;
  }

  /** Records held now (written when the store is back). */
  get held(): number {
    return this.#held.length;
  }

  /** In an outage (held, or gone out unlogged) until every record is written. */
  get outage(): boolean {
    return this.#since !== 0;
  }

  /** In an outage, within the bounds: records are held (not yet past a bound). */
  get holding(): boolean {
    return this.#since !== 0 && !this.#degraded;
  }

  /** Writes a record after every earlier one of this server (held during an outage). */
  append(record: LogRecord): void {
    const item = { record, serial: ++this.#serial };
    if (this.#degraded) return this.#host.deliverUnlogged(record);
    if (this.#since !== 0) {
      if (this.#held.length >= this.#bounds.holdLimit) {
        this.#degrade();
        return this.#host.deliverUnlogged(record);
      }
      this.#held.push(item);
      return;
    }
    this.#inflight++;
    this.#write(item).then(() => this.#settled(), (error) => {
      this.#begin(error);
      this.#insert(item);
      this.#settled();
    });
  }

  /**
   * A store operation failed: the outage begins (if not yet). Resolves `true` when the store is
   * back and every held record is written, `false` when a bound was exceeded (the caller goes on
   * without the store, as records do).
   */
  waitForStore(error: unknown): Promise<boolean> {
    if (this.#degraded || this.#stopped) return Promise.resolve(false);
    this.#begin(error);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Resolves once the records appended so far are written (direct writes in flight precede any
   * later command on the store's connection), or went out unlogged (past a bound).
   */
  written(): Promise<void> {
    if (!this.holding || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(() => resolve()));
  }

  /** Stops retrying; waiters are told the outage was not bridged. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release(false);
  }

  #write(item: Held): Promise<void> {
    return this.#host.store.append(item.record, {
      writer: this.#host.serverId,
      serial: item.serial,
    });
  }

  #settled(): void {
    this.#inflight--;
  }

  /** A failed direct write goes back among the held ones, in serial order. */
  #insert(item: Held): void {
    if (this.#degraded) return this.#host.deliverUnlogged(item.record);
    let i = this.#held.length;
    while (i > 0 && this.#held[i - 1]!.serial > item.serial) i--;
    this.#held.splice(i, 0, item);
  }

  #begin(error: unknown): void {
    if (this.#since !== 0 || this.#stopped) return;
    this.#since = Date.now();
    this.#host.reportError(error);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), RETRY);
  }

  /** Every `RETRY` ms of an outage: write the held records, or the gap record, or give up. */
  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#flushing) return;
    if (this.#degraded) {
      this.#host.store.append({ ...GAP, payload: new Uint8Array(0) }).then(() => {
        this.#degraded = false;
        this.#end();
      }, () => this.#schedule());
      return;
    }
    const { holdTime, holdLimit } = this.#bounds;
    if (Date.now() - this.#since > holdTime || this.#held.length > holdLimit) {
      this.#degrade();
      return this.#schedule();
    }
    if (this.#inflight > 0) return this.#schedule(); // their failures join the held ones first
    this.#flush().catch(() => this.#schedule());
  }

  /** Writes the held records in order, a batch at a time (a retry of one already written is skipped). */
  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      if (this.#held.length === 0) await this.#host.store.head(); // reachable again?
      while (this.#held.length > 0 && !this.#degraded && !this.#stopped) {
        // A batch at once (pipelined on the store's connection, so in order); on a failure the
        // ones before it are done, and it and those after it are tried again.
        const batch = this.#held.slice(0, FLUSH_BATCH);
        const results = await Promise.allSettled(batch.map((item) => this.#write(item)));
        const failed = results.findIndex((result) => result.status === "rejected");
        this.#held.splice(0, failed === -1 ? batch.length : failed);
        if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
      }
    } finally {
      this.#flushing = false;
    }
    if (!this.#degraded && !this.#stopped) this.#end();
  }

  /** A bound was exceeded: the held records go out now, unlogged, in order. */
  #degrade(): void {
    this.#degraded = true;
    const held = this.#held;
    this.#held = [];
    for (const item of held) this.#host.deliverUnlogged(item.record);
    this.#release(false);
  }

  #end(): void {
    this.#since = 0;
    this.#release(true);
  }

  #release(bridged: boolean): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(bridged);
  }
}

const GAP: Omit<LogRecord, "payload"> = {
  rooms: [],
  exceptRooms: [],
  exceptSessions: [],
  binary: false,
  gap: true,
};
