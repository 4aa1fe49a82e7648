/**
 * One `wirely.v1` socket's place in the history log (server side of recovery): positions,
 * the hello and the replay, live entries buffered during it, client sequence numbers written
 * before their events are handled, confirmations.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { PreparedMessage } from "../server/prepared_message.ts";
import type { ServerRecovery } from "./_recovery.ts";
import type { RecoveryReason } from "./session.ts";
import type { LogEntry } from "./store.ts";
import type { Frame } from "./wire.ts";
import { control, matches, record, toPrepared } from "./_entries.ts";
import { claimSession, replay } from "./_resume.ts";

/**
 * Times a session write or a hello is tried again after the store failed (each after the outage
 * ends: one outage is one retry); an error that persists while the store answers (not an
 * outage) stops there.
 */
const RETRIES = 10;

/** What a link needs of its socket. */
export interface LinkedSocket {
  readonly conn: ServerConnection<unknown>;
}

/** A `wirely.v1` socket as the log sees it: its key, rooms, and how to hand it entries. */
export class Link {
  readonly conn: ServerConnection<unknown>;
  readonly #recovery: ServerRecovery;
  /** Has a session (`wirely.v1.recovery`); else entries go out without a position. */
  readonly withSession: boolean;
  /** The session id, or `<server>#<connection>` without a session. */
  key: string;
  recovered = false;
  #state: "hello" | "replay" | "live" = "live";
  #buffer: LogEntry[] = [];
  #incoming: Frame[] = [];
  #epoch = "";
  #offset = 0;
  /** Last client sequence number handed to the handlers (reserved in the store first). */
  #seq = 0;
  /** Client events received, waiting for their sequence number to be written. */
  #pending: { seq: number; frame: Frame }[] = [];
  #generation = 1;
  #rooms: string[] = [];
  /** A gap was met while the hello was being settled: the answer is `"outage"`. */
  #gapped = false;
  /** The hello resumed the session's sequence numbers (the client keeps its unconfirmed events). */
  #kept = false;
  #saving = false;
  #again = false;
  #writingHandled = false;
  /** Store writes of this session failed in a row (see `RETRIES`). */
  #failures = 0;
  #handledAgain = false;
  #nextSeq = 0;
  #ready: (() => void) | undefined;
  #feed: ((frame: Frame) => void) | undefined;
  #handle: ((frame: Frame) => void) | undefined;

  constructor(recovery: ServerRecovery, conn: ServerConnection<unknown>, withSession: boolean) {
    this.#recovery = recovery;
    this.conn = conn;
    this.withSession = withSession;
    this.key = `${recovery.serverId}#${conn.id}`;
    if (withSession) this.#state = "hello";
  }

  /**
   * Hello first: `ready` runs once the session is settled, `feed` takes the frames that came
   * meanwhile, `handle` gives client events to the handlers (once their number is written).
   */
  waitForHello(
    ready: () => void,
    feed: (frame: Frame) => void,
    handle: (frame: Frame) => void,
  ): void {
    this.#ready = ready;
    this.#feed = feed;
    this.#handle = handle;
  }

  /** Sends a frame of this socket through the log (events, answers): `true` when written or sent. */
  send(frame: Frame): boolean {
    if (!this.withSession) return this.conn.send(frame);
    this.#recovery.append(record(frame, { session: this.key }));
    return true;
  }

  /** Session packets and sequence numbers; `true` when `frame` is consumed. */
  receive(frame: Frame): boolean {
    if (!this.withSession) return false;
    if (this.#state === "hello") {
      const packet = control(frame, "h");
      if (packet === undefined) this.#incoming.push(frame);
      else {
        this.#state = "replay";
        this.#hello(packet).catch((error) => this.#recovery.reportError(error));
      }
      return true;
    }
    if (this.#state === "replay") {
      this.#incoming.push(frame);
      return true;
    }
    if (this.#nextSeq !== 0) {
      const seq = this.#nextSeq;
      this.#nextSeq = 0;
      if (seq <= (this.#pending.at(-1)?.seq ?? this.#seq)) {
        this.#confirm(); // sent again after a reconnect: handled already
        return true;
      }
      // Written before it is handled: a connection that claims the session later sees it
      // (and drops the copy the client sends again), or this one never handles it.
      this.#pending.push({ seq, frame });
      this.save();
      return true;
    }
    const packet = control(frame, "q");
    if (packet === undefined || typeof packet[1] !== "number") return false;
    this.#nextSeq = packet[1];
    return true;
  }

  /** An entry of the log, if this socket is a recipient. */
  deliver(entry: LogEntry, prepared: () => PreparedMessage): void {
    if (!matches(entry, this.key, this.conn.rooms)) return;
    if (this.#state === "replay") this.#buffer.push(entry);
    else if (this.#state === "live") this.#send(entry, prepared());
  }

  /**
   * An entry sent without a position (the store was away longer than the hold bounds): a
   * session is told `"outage"` first, once, and its position is unknown from then on (`""`), so
   * that a reconnection anywhere answers `"outage"` too, even before the gap record is in the log.
   */
  deliverUnlogged(entry: LogEntry, prepared: () => PreparedMessage): void {
    if (!matches(entry, this.key, this.conn.rooms) || this.conn.state !== "open") return;
    if (this.withSession) {
      if (this.#state !== "live") {
        this.#gapped = true; // its hello is answered "outage"; the event is not sent before it
        return;
      }
      if (this.#epoch !== "") {
        this.#position("", 0);
        this.#answer(false, "outage", 0);
      }
    }
    this.conn.sendPrepared(prepared());
  }

  /** Events may be missing up to this position: tell the client. */
  gap(epoch: string, offset: number): void {
    if (!this.withSession || this.#state === "hello") return;
    if (this.#state === "replay") {
      this.#buffer = this.#buffer.filter((entry) => entry.epoch === epoch && entry.offset > offset);
      this.#gapped = true; // told in the hello's answer, which comes after this
    }
    this.#position(epoch, offset);
    if (this.#state === "live") this.#answer(false, "outage", 0);
    this.save(); // the store may have lost the session too (Redis restarted empty)
  }

  /**
   * Writes the session (rooms, the sequence number of the events received) unless another
   * connection claimed it; then hands those events to the handlers and confirms them.
   */
  save(): void {
    if (!this.withSession || this.#state === "hello") return;
    if (this.#saving) {
      this.#again = true;
      return;
    }
    this.#saving = true;
    const { writes } = this.#recovery;
    if (writes.holding) {
      // This server's writes held in an outage go first: events are accepted (their number
      // written) only once they are in the log, so no other server waits for them in doubt.
      writes.written().then(() => {
        this.#saving = false;
        this.save();
      });
      return;
    }
    // A closed connection's rooms are gone: keep those it had.
    if (this.conn.state === "open") this.#rooms = [...this.conn.rooms];
    const seq = this.#pending.at(-1)?.seq ?? this.#seq;
    const { store, ttl } = this.#recovery;
    const record = { rooms: this.#rooms, seq, handled: this.#seq };
    store.saveSession(this.key, record, ttl, this.#generation).then(
      (saved) => {
        this.#failures = 0;
        this.#saved(saved, seq);
      },
      async (error) => {
        // The store is away: the events wait for it (they are not confirmed, so the client keeps
        // them); past the hold bounds they are handled here (a redo if the client moves).
        if (++this.#failures < RETRIES && await this.#recovery.writes.waitForStore(error)) {
          this.#saving = false;
          this.save();
        } else this.#saved(true, seq);
      },
    );
  }

  #saved(saved: boolean, seq: number): void {
    this.#saving = false;
    if (!saved) {
      // Another connection took the session over: it handles what this one did not.
      this.#pending = [];
      if (this.conn.state === "open") this.conn.close(1001, "session resumed elsewhere");
      return;
    }
    const before = this.#seq;
    while (this.#pending.length > 0 && this.#pending[0]!.seq <= seq) {
      const { seq: next, frame } = this.#pending.shift()!;
      this.#seq = next;
      this.#handle?.(frame);
    }
    if (this.#seq > before) this.#handled();
    this.#confirm();
    if (this.#again || this.#pending.length > 0) {
      this.#again = false;
      this.save();
    }
  }

  /** Records that the events up to #seq went to the handlers (one write at a time). */
  #handled(): void {
    if (this.#writingHandled) {
      this.#handledAgain = true;
      return;
    }
    this.#writingHandled = true;
    const { store, writes } = this.#recovery;
    // After what the handlers wrote to the log: a server that claims the session next waits
    // for this, so its own events follow this server's in the log.
    // Retried after an outage: a claim elsewhere waits for it (events in doubt).
    writes.written().then(() => store.handledSession(this.key, this.#seq)).then(() => {
      this.#failures = 0;
    }).catch(async (error) => {
      if (++this.#failures < RETRIES && await writes.waitForStore(error)) {
        this.#handledAgain = true;
      }
    }).finally(() => {
      this.#writingHandled = false;
      if (this.#handledAgain) {
        this.#handledAgain = false;
        this.#handled();
      }
    });
  }

  #confirm(): void {
    if (this.conn.state === "open" && this.#seq > 0) this.conn.send(`["k",${this.#seq}]`);
  }

  #position(epoch: string, offset: number): void {
    this.#epoch = epoch;
    this.#offset = offset;
  }

  #send(entry: LogEntry, prepared: PreparedMessage): void {
    if (this.conn.state !== "open") return;
    if (this.withSession) {
      if (entry.epoch !== this.#epoch) {
        this.#position(entry.epoch, entry.offset - 1);
        this.#answer(false, "outage", 0);
      } else if (entry.offset <= this.#offset) return;
      this.#offset = entry.offset;
      this.conn.send(`["p",${entry.offset}]`);
    }
    this.conn.sendPrepared(prepared);
  }

  #answer(ok: boolean, why: RecoveryReason, replayed: number): void {
    if (this.conn.state !== "open") return;
    const answer = { s: this.key, e: this.#epoch, o: this.#offset, q: this.#seq, ok, n: replayed };
    this.conn.send(
      JSON.stringify(["r", ok ? answer : { ...answer, why, ...(this.#kept ? { k: 1 } : {}) }]),
    );
  }

  async #hello(packet: unknown[]): Promise<void> {
    const recovery = this.#recovery;
    const [, id, epoch, offset] = packet;
    let why: RecoveryReason | undefined;
    let replayed = 0;
    for (let attempt = 1;; attempt++) {
      try {
        await recovery.started;
        const settled = await this.#settle(id, epoch, offset, replayed);
        if (settled === undefined) return; // the client went on elsewhere (or was cut first)
        [why, replayed] = settled;
        break;
      } catch (error) {
        // The store is away: wait for it (bounded by the hold bounds), then settle again.
        if (
          this.conn.state === "open" && attempt < RETRIES &&
          await recovery.writes.waitForStore(error)
        ) continue;
        if (this.conn.state !== "open") return;
        this.#kept = false;
        if (this.key.includes("#")) this.key = typeof id === "string" ? id : crypto.randomUUID();
        why = "outage";
        this.recovered = false;
        break;
      }
    }
    // Live entries that came during the replay, each once, then the answer, then new ones.
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#answer(why === undefined, why ?? "new", replayed);
    this.#state = "live";
    for (const entry of buffered) this.#send(entry, toPrepared(entry));
    this.#ready?.();
    const incoming = this.#incoming;
    this.#incoming = [];
    for (const frame of incoming) this.#feed?.(frame);
  }

  /**
   * Claims the session, replays, writes the session: why it did not recover (`undefined`: it
   * did) and the events replayed; `undefined` when the connection is gone. Throws when the store
   * fails (it runs again once the store is back: `replayed` so far, from the position reached).
   */
  async #settle(
    id: unknown,
    epoch: unknown,
    offset: unknown,
    replayed: number,
  ): Promise<[RecoveryReason | undefined, number] | undefined> {
    const recovery = this.#recovery;
    let why: RecoveryReason | undefined = typeof id === "string" ? "expired" : "new";
    if (this.conn.state !== "open") return undefined; // cut before the hello was answered: nothing claimed
    const claimed = typeof id === "string"
      ? await claimSession(recovery.store, recovery.ttl, id, this.conn)
      : undefined;
    if (claimed !== undefined) {
      const held = claimed.record;
      this.key = id as string;
      this.#generation = claimed.generation;
      this.#seq = held.handled;
      this.#kept = true;
      for (const room of held.rooms) this.conn.join(room);
      if (epoch === "") why = "outage"; // its server sent it events without a position
      else if (typeof epoch === "string" && typeof offset === "number") {
        // A retry goes on from where the replay got to.
        const from = replayed > 0 && this.#epoch === epoch ? this.#offset : offset;
        const result = await this.#replay(epoch, from);
        if (typeof result === "number") {
          replayed += result;
          why = undefined;
        } else why = result;
      } else why = "epoch";
    } else this.key = crypto.randomUUID();
    if (why !== undefined) {
      const head = await recovery.store.head();
      this.#position(head.epoch, head.offset);
    } else if (this.#gapped) why = "outage"; // replayed up to the log's end: the position holds
    this.recovered = why === undefined;
    if (this.conn.state !== "open") return undefined; // the client went on elsewhere with this session
    this.#rooms = [...this.conn.rooms];
    const record = { rooms: this.#rooms, seq: this.#seq, handled: this.#seq };
    if (!await recovery.store.saveSession(this.key, record, recovery.ttl, this.#generation)) {
      this.conn.close(1001, "session resumed elsewhere");
      return undefined;
    }
    return [why, replayed];
  }

  /** Sends the entries after the position that are for this session; a reason when it cannot. */
  #replay(epoch: string, offset: number): Promise<number | RecoveryReason> {
    this.#position(epoch, offset);
    return replay(this.#recovery.store, this.conn, this.key, epoch, {
      offset: () => this.#offset,
      moveTo: (offset, gap) => {
        if (gap) this.#gapped = true;
        this.#offset = offset;
      },
    });
  }
}
