// This module is browser compatible.
/**
 * The answers (acks) one side awaits: ids, timers, and the rules that reject them (timeout,
 * disconnect, never sent) so that no `emitWithAck` ever hangs.
 *
 * @module
 */

import { MAX_TIMER_DELAY } from "../codec/_limits.ts";
import { EventError, type EventErrorCode } from "./errors.ts";
import { MAX_ACK_ID } from "./wire.ts";

/** Largest timer delay the platforms accept. */

/** Checks an answer timeout: an integer number of milliseconds >= 1, or `Infinity`. */
export function checkTimeout(name: string, value: number): number {
  if (value !== Infinity && !(Number.isInteger(value) && value >= 1 && value <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `Cannot wait for an answer as '${name}' must be an integer from 1 to ${MAX_TIMER_DELAY} or Infinity: current value is ${value}`,
    );
  }
  return value;
}

interface PendingAck {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  event: string;
  /** Handed to a connection (else still in a queue). */
  sent: boolean;
}

/** Awaited answers by id. */
export class AckTable {
  readonly #pending = new Map<number, PendingAck>();
  #nextId = 1;

  /** Answers still awaited. */
  get size(): number {
    return this.#pending.size;
  }

  /** The event an awaited answer is for. */
  eventOf(id: number): string | undefined {
    return this.#pending.get(id)?.event;
  }

  /** Whether answer `id` is awaited. */
  has(id: number): boolean {
    return this.#pending.has(id);
  }

  /** A free id (1 to 2^32-1, wrapping around). */
  allocate(): number {
    for (let tries = 0; tries < 1_000_000; tries++) {
      const id = this.#nextId;
      this.#nextId = id >= MAX_ACK_ID ? 1 : id + 1;
      if (!this.#pending.has(id)) return id;
    }
    throw new RangeError("Cannot emit as 1000000 answers are awaited at once");
  }

  /**
   * Awaits answer `id`: `send` hands the event over (returns `true` when it reached a
   * connection, `false` when queued; a throw rejects at once).
   */
  await(id: number, event: string, wait: number, send: () => boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: PendingAck = { resolve, reject, timer: undefined, event, sent: false };
      this.#pending.set(id, pending);
      if (wait !== Infinity) {
        pending.timer = setTimeout(() => {
          const message = `No answer to '${event}' within ${wait} ms`;
          this.settle(id, new EventError("ACK_TIMEOUT", message, { event }));
        }, wait);
      }
      try {
        pending.sent = send();
      } catch (error) {
        this.settle(id, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Resolves (no error) or rejects answer `id`; unknown or late ids are ignored. */
  settle(id: number, error: Error | undefined, value?: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (error === undefined) pending.resolve(value);
    else pending.reject(error);
  }

  /** Every event still queued was handed to the connection that just opened. */
  markQueuedSent(): void {
    for (const pending of this.#pending.values()) pending.sent = true;
  }

  /** Rejects the answers of events a connection carried (`onlySent`), or all. */
  rejectAll(code: EventErrorCode, message: string, onlySent: boolean = false): void {
    for (const [id, pending] of [...this.#pending]) {
      if (onlySent && !pending.sent) continue;
      this.settle(id, new EventError(code, message, { event: pending.event }));
    }
  }
}
