// This module is browser compatible.
/**
 * Connection state recovery, client side: {@linkcode recovery} makes the
 * {@linkcode ClientSession} an `EventClient` takes as its `recovery` option. It keeps the
 * session id and the position of the last event received (replay after a reconnect, no
 * duplicates), numbers the client's events and keeps them until the server confirms them
 * (exactly once, in order, across reconnects), and tells the app whether each connection
 * recovered. Guide: `docs/scale-out.md` ("Recovery").
 *
 * @module
 */

import type { WirelyClient } from "../client/client.ts";
import { ClientError } from "../client/errors.ts";
import { decodePacket, type Frame, RECOVERY_PROTOCOL } from "./wire.ts";

/**
 * Why a connection did not recover its session:
 *
 * - `"new"`: the first connection of this client (nothing to recover);
 * - `"expired"`: the server does not know the session (away longer than its `sessionTtl`, or
 *   the store lost it);
 * - `"trimmed"`: the history no longer holds every event after the client's position (away
 *   longer than its `maxLength`/`maxAge` covers);
 * - `"epoch"`: the history was reset since the client's position (Redis restarted without its
 *   data);
 * - `"outage"`: the store (Redis) was unreachable longer than the server's hold bounds
 *   (`holdLimit`, `holdTime`: within them events are delayed, not lost) or lost entries, so
 *   events may have been missed; also sent to connected clients;
 * - `"unsupported"`: the server does not do recovery (it picked plain `wirely.v1`).
 *
 * @example
 * ```ts
 * import type { RecoveryReason } from "@wirely/wirely/events";
 * const reason: RecoveryReason = "trimmed";
 * console.log(reason); // trimmed
 * ```
 */
export type RecoveryReason = "new" | "expired" | "trimmed" | "epoch" | "outage" | "unsupported";

/**
 * What a connection recovered: everything missed was replayed (`recovered: true`, before any
 * new event and before this is reported), or not (`recovered: false` and why: refetch your
 * state).
 *
 * @example
 * ```ts
 * import type { RecoveryResult } from "@wirely/wirely/events";
 * const result: RecoveryResult = { recovered: false, reason: "expired", session: "a1" };
 * console.log(result.recovered ? "complete" : `refetch (${result.reason})`); // refetch (expired)
 * ```
 */
export type RecoveryResult =
  | {
    readonly recovered: true;
    /** Events replayed. */
    readonly replayed: number;
    /** The session id. */
    readonly session: string;
  }
  | {
    readonly recovered: false;
    readonly reason: RecoveryReason;
    /** The session id from now on (`""` when the server has none). */
    readonly session: string;
  };

/**
 * Options of {@linkcode recovery}.
 *
 * @example
 * ```ts
 * import type { RecoveryClientOptions } from "@wirely/wirely/events";
 * const options: RecoveryClientOptions = { maxUnconfirmed: 500 };
 * console.log(options.maxUnconfirmed); // 500
 * ```
 */
export interface RecoveryClientOptions {
  /** Events sent but not yet confirmed by the server (kept to send again); one more throws `QUEUE_FULL`. @default 1_000 */
  maxUnconfirmed?: number;
}

/** What the session needs of its `EventClient`. */
export interface SessionHost {
  /** The reconnecting client. */
  readonly client: WirelyClient;
  /** The client's answers (the events core). */
  readonly core: {
    /**
     * Rejects awaited answers: those of events a connection carried (`sent: true`), of events
     * still queued (`false`), or all (`undefined`).
     */
    reject(code: "ACK_DISCONNECTED", message: string, sent?: boolean): void;
    /** Every awaited answer's event was handed to a connection. */
    markQueuedSent(): void;
  };
}

interface Outgoing {
  seq: number;
  frame: Frame;
  /** Sent on a connection (else never left the client). */
  sent: boolean;
}

/**
 * The client's side of a session (made by {@linkcode recovery}; one per `EventClient`).
 *
 * @example
 * ```ts
 * import { EventClient, recovery } from "@wirely/wirely/events";
 * const session = recovery();
 * const client = new EventClient("ws://127.0.0.1:9", { recovery: session, autoConnect: false });
 * session.onRecovery((result) => console.log(result.recovered));
 * console.log(session.id, session.unconfirmed); // "" 0
 * client.close();
 * ```
 */
export class ClientSession {
  readonly #max: number;
  readonly #handlers = new Set<(result: RecoveryResult) => void>();
  #host: SessionHost | undefined;
  #id = "";
  #epoch = "";
  #offset = 0;
  #seq = 0;
  #outbox: Outgoing[] = [];
  /** The session packet `r` arrived on this connection. */
  #ready = false;
  /** The open connection speaks recovery (`undefined` while not open). */
  #active: boolean | undefined;
  /** Offset of the next frame (after a `p` packet). */
  #next = 0;
  #last: RecoveryResult | undefined;

  /**
   * Use {@linkcode recovery}.
   *
   * @throws {RangeError} For a bad `maxUnconfirmed`.
   */
  constructor(options: RecoveryClientOptions = {}) {
    const { maxUnconfirmed = 1_000 } = options;
    if (!Number.isInteger(maxUnconfirmed) || maxUnconfirmed < 1) {
      throw new RangeError(
        `Cannot create recovery as 'maxUnconfirmed' must be an integer >= 1: current value is ${maxUnconfirmed}`,
      );
    }
    this.#max = maxUnconfirmed;
  }

  /** The session id (`""` before the server gave one). */
  get id(): string {
    return this.#id;
  }

  /** The position of the last event received: the history's epoch and offset. */
  get position(): { epoch: string; offset: number } {
    return { epoch: this.#epoch, offset: this.#offset };
  }

  /** Events sent (or waiting to be) that the server has not confirmed yet. */
  get unconfirmed(): number {
    return this.#outbox.length;
  }

  /** The result of the last connection (`undefined` before the first). */
  get result(): RecoveryResult | undefined {
    return this.#last;
  }

  /**
   * Runs `handler` after each connection's session is settled (replay done), and when a
   * connected session learns of a gap (`"outage"`). Returns a function that removes it.
   */
  onRecovery(handler: (result: RecoveryResult) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Called by `EventClient` once. @internal */
  attach(host: SessionHost): void {
    if (this.#host !== undefined) {
      throw new TypeError("Cannot use a recovery session for two clients: call recovery() again");
    }
    this.#host = host;
  }

  /** A connection opened with `protocol`. @internal */
  opened(protocol: string): void {
    const host = this.#host!;
    this.#ready = false;
    this.#next = 0;
    this.#active = protocol === RECOVERY_PROTOCOL;
    if (this.#active) {
      const hello = this.#id === "" ? ["h"] : ["h", this.#id, this.#epoch, this.#offset];
      host.client.send(JSON.stringify(hello));
      return;
    }
    // A server without recovery: what waits goes out once, as without a session.
    const waiting = this.#outbox;
    this.#outbox = [];
    for (const item of waiting) host.client.send(item.frame);
    this.#report({ recovered: false, reason: "unsupported", session: "" });
  }

  /** The connection closed. @internal */
  closed(): void {
    this.#active = undefined;
    this.#ready = false;
  }

  /** `false` when answers awaited on the closed connection must be rejected now (no session). @internal */
  get keepsAnswers(): boolean {
    return this.#id !== "";
  }

  /** Sends (or keeps) an outgoing frame: `true` when handed to an open connection. @internal */
  send(frame: Frame): boolean {
    const client = this.#host!.client;
    if (this.#active === false) return client.send(frame), true;
    if (this.#outbox.length >= this.#max) {
      throw new ClientError(
        "QUEUE_FULL",
        `Cannot send as ${this.#max} events wait for the server's confirmation (maxUnconfirmed)`,
      );
    }
    const item: Outgoing = { seq: ++this.#seq, frame, sent: false };
    this.#outbox.push(item);
    if (!this.#ready) return false;
    this.#transmit(item);
    return true;
  }

  /** Handles a session packet or a positioned frame; `true` when `frame` is consumed. @internal */
  receive(frame: Frame): boolean {
    if (this.#next !== 0) {
      const offset = this.#next;
      this.#next = 0;
      if (offset <= this.#offset) return true; // already received
      this.#offset = offset;
      return false;
    }
    if (typeof frame !== "string" || frame[0] !== "[" || frame[3] !== '"') return false;
    const kind = frame[2];
    if (kind !== "p" && kind !== "k" && kind !== "r") return false;
    let packet: unknown[];
    try {
      packet = JSON.parse(frame);
    } catch {
      return false; // the core reports it as malformed
    }
    const value = packet[1];
    if (kind === "p" && typeof value === "number") this.#next = value;
    else if (kind === "k" && typeof value === "number") {
      this.#outbox = this.#outbox.filter((item) => item.seq > value);
    } else if (kind === "r" && typeof value === "object" && value !== null) {
      this.#settle(value as SessionAnswer);
    } else return false;
    return true;
  }

  #settle(answer: SessionAnswer): void {
    const { s = "", e = "", o = 0, q = 0, ok = false, why = "expired", n = 0, k } = answer;
    const notice = this.#ready;
    this.#id = s;
    this.#epoch = e;
    this.#offset = o;
    if (!notice) {
      const host = this.#host!;
      // Recovered, or not but the server resumed the session's numbers (`k`: a gap in the
      // history, the client's own events are safe): send again what was not handled.
      if (ok || k === 1) this.#outbox = this.#outbox.filter((item) => item.seq > q);
      else {
        // A new session: answers to events an earlier connection carried are lost.
        host.core.reject("ACK_DISCONNECTED", "The session was not recovered", true);
        this.#outbox = this.#outbox.filter((item) => !item.sent || !wantsAnswer(item.frame));
      }
      this.#ready = true;
      for (const item of this.#outbox) this.#transmit(item);
      host.core.markQueuedSent();
    }
    this.#report(
      ok ? { recovered: true, replayed: n, session: s } : {
        recovered: false,
        reason: why,
        session: s,
      },
    );
  }

  #transmit(item: Outgoing): void {
    const client = this.#host!.client;
    client.send(`["q",${item.seq}]`);
    client.send(item.frame);
    item.sent = true;
  }

  #report(result: RecoveryResult): void {
    this.#last = result;
    for (const handler of [...this.#handlers]) {
      try {
        handler(result);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** The session packet `r` (docs/events.md). */
interface SessionAnswer {
  s?: string;
  e?: string;
  o?: number;
  q?: number;
  ok?: boolean;
  why?: RecoveryReason;
  n?: number;
  /** With `ok: false`: the session's sequence numbers were resumed (`q` holds). */
  k?: 1;
}

function wantsAnswer(frame: Frame): boolean {
  try {
    const packet = decodePacket(frame);
    return packet.type === "event" && packet.id !== 0;
  } catch {
    return false;
  }
}

/**
 * Connection state recovery for an `EventClient`: pass the result as its `recovery` option
 * (one per client). The client then offers `wirely.v1.recovery`; on a server with `recovery`
 * it gets every event it missed while away (in order, none twice) before new ones, and its own
 * events reach the server exactly once, in order, across reconnects. Each connection reports
 * whether it recovered through {@linkcode ClientSession.onRecovery}.
 *
 * @example
 * ```ts
 * import { EventClient, recovery } from "@wirely/wirely/events";
 * const session = recovery({ maxUnconfirmed: 100 });
 * const client = new EventClient("ws://127.0.0.1:9", { recovery: session, autoConnect: false });
 * session.onRecovery((result) => {
 *   if (!result.recovered) console.log("refetch the state:", result.reason);
 * });
 * client.emit("chat", "kept until the server confirms it");
 * console.log(session.unconfirmed); // 1
 * client.close();
 * ```
 */
export function recovery(options?: RecoveryClientOptions): ClientSession {
  return new ClientSession(options);
}
