// This module is browser compatible.
/**
 * The part of the named-events layer both sides share: handlers by event name, answers (acks)
 * by id with their timers, and the decoding of incoming frames. It owns no socket: the side
 * that uses it says how to send and where errors go. Middleware (server only) is a subclass in
 * `_middleware_core.ts`, so the browser client does not ship it.
 *
 * @module
 */

import { EventError, type EventErrorCode } from "./errors.ts";
import {
  decodePacket,
  encodeAck,
  encodeError,
  encodeEvent,
  type Frame,
  MAX_ACK_ID,
} from "./wire.ts";
import { check, isDelay } from "../client/_check.ts";

/** Checks an answer timeout: an integer number of milliseconds >= 1, or `Infinity`. */
export function checkTimeout(name: string, value: number): number {
  check(value === Infinity || Number.isInteger(value) && isDelay(value, 1), name, value);
  return value;
}

/** A handler as stored (the typed facade narrows it). */
export type AnyHandler = (data: unknown, ack: (value: unknown) => void) => unknown;

/** What the core needs from the side that owns it. */
export interface CoreHost {
  /**
   * Sends a frame. Returns `true` when it was handed to an open connection, `false` when it
   * was queued to be sent later; throws when it cannot be sent or queued.
   */
  send(frame: Frame): boolean;
  /** An error for this connection's error handlers. */
  error(error: EventError): void;
}

/** An answer awaited: how to settle it, its timer, its event, and whether it left the queue. */
interface PendingAck {
  settle(error: Error | undefined, value?: unknown): void;
  event: string;
  /** Handed to a connection (else still in a queue). */
  sent: boolean;
}

/**
 * Handlers, answers and decoding of one connection (or one client across reconnections). The
 * awaited answers (ids, timers, the rules that reject them so that no `emitWithAck` ever hangs)
 * are kept here too.
 */
export class EventCore {
  readonly #host: CoreHost;
  readonly #defaultTimeout: number;
  readonly #handlers = new Map<string, Set<AnyHandler>>();
  readonly #pending = new Map<number, PendingAck>();
  #nextId = 0;

  constructor(host: CoreHost, defaultTimeout: number) {
    this.#host = host;
    this.#defaultTimeout = defaultTimeout;
  }

  /** Answers still awaited. */
  get pendingAcks(): number {
    return this.#pending.size;
  }

  on(event: string, handler: AnyHandler): () => void {
    check(typeof handler === "function", "handler", typeof handler, TypeError);
    const handlers = this.#handlers;
    handlers.get(event)?.add(handler) ?? handlers.set(event, new Set([handler]));
    return () => this.off(event, handler);
  }

  off(event: string, handler?: AnyHandler): void {
    const set = this.#handlers.get(event);
    if (!handler || set?.delete(handler) && !set.size) this.#handlers.delete(event);
  }

  once(event: string, handler: AnyHandler): () => void {
    // A wrapper with the same arity, so that "answers through ack" is decided as for `handler`.
    const remove = (): void => this.off(event, wrapper);
    const wrapper: AnyHandler = handler.length >= 2
      ? (data, ack) => (remove(), handler(data, ack))
      : (data) => (remove(), handler(data, () => {}));
    return this.on(event, wrapper);
  }

  emit(event: string, data: unknown): boolean {
    return this.#host.send(encodeEvent(event, data, 0));
  }

  /**
   * Sends an event with a fresh answer id (1 to 2^32-1, wrapping around, skipping those still
   * awaited) and awaits the answer for `timeout` ms (`Infinity`: until the connection closes).
   */
  emitWithAck(event: string, data: unknown, timeout: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const wait = timeout === undefined ? this.#defaultTimeout : checkTimeout("timeout", timeout);
      const pending = this.#pending;
      let id = this.#nextId;
      // Ends at the first free id: fewer than 2^32 - 1 answers can be awaited at once.
      while (pending.has(id = id % MAX_ACK_ID + 1));
      this.#nextId = id;
      const frame = encodeEvent(event, data, id);
      const timer = wait === Infinity ? undefined : setTimeout(() => {
        ack.settle(new EventError("ACK_TIMEOUT", `No answer in ${wait} ms`, { event }));
      }, wait);
      const ack: PendingAck = {
        settle(error, value): void {
          if (pending.get(id) !== ack) return;
          pending.delete(id);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(value);
        },
        event,
        sent: false,
      };
      pending.set(id, ack);
      try {
        ack.sent = this.#host.send(frame);
      } catch (error) {
        ack.settle(error as Error);
      }
    });
  }

  /** Decodes and handles one incoming frame; malformed frames become an error event. */
  receive(frame: Frame): void {
    let packet;
    try {
      packet = decodePacket(frame);
    } catch (error) {
      this.#host.error(error as EventError);
      return;
    }
    if (packet.type === "event") this.handle(packet.event, packet.id, packet.data);
    else {
      const ack = this.#pending.get(packet.id);
      if (packet.type === "ack") ack?.settle(undefined, packet.value);
      else {
        const { code, message, event = ack?.event } = packet;
        const error = new EventError("REJECTED", message, { remoteCode: code, event });
        if (packet.id) ack?.settle(error);
        else this.#host.error(error);
      }
    }
  }

  /** Every answer-awaiting event still queued was handed to the connection that just opened. */
  markQueuedSent(): void {
    for (const ack of this.#pending.values()) ack.sent = true;
  }

  /**
   * Rejects awaited answers with `code`: those of events a connection carried (`sent: true`),
   * those of events still queued (`sent: false`), or all.
   */
  reject(code: EventErrorCode, message: string, sent?: boolean): void {
    for (const ack of [...this.#pending.values()]) {
      if (sent === undefined || ack.sent === sent) {
        ack.settle(new EventError(code, message, { event: ack.event }));
      }
    }
  }

  /** Runs the handlers of an incoming event and answers it (a subclass puts middleware first). */
  handle(event: string, id: number, data: unknown): void {
    const handlers = this.#handlers.get(event);
    if (handlers === undefined) {
      if (id !== 0) this.answer(() => encodeError(id, "NO_HANDLER", `No handler for '${event}'`));
      return;
    }
    let answered = id === 0;
    const fail = (error: unknown): void => {
      this.#host.error(
        new EventError("HANDLER_ERROR", `Handler of '${event}' failed`, { cause: error, event }),
      );
      if (answered) return;
      answered = true;
      const { code, message } = describe(error);
      this.answer(() => encodeError(id, code, message));
    };
    const ack = (value: unknown): void => {
      if (answered) return;
      let frame: Frame;
      try {
        frame = encodeAck(id, value);
      } catch (error) {
        fail(error);
        return;
      }
      answered = true;
      this.answer(() => frame);
    };
    // A handler that declares `ack` and returns (or resolves to) a value other than `undefined`
    // without having called `ack` by then answers with that value, like one without `ack`.
    const returned = (value: unknown): void => {
      if (value !== undefined) ack(value);
    };
    for (const handler of [...handlers]) {
      try {
        const result = handler(data, ack);
        const byAck = handler.length >= 2;
        if (result instanceof Promise) result.then(byAck ? returned : ack, fail);
        else if (byAck) returned(result);
        else ack(result);
      } catch (error) {
        fail(error);
      }
    }
  }

  /** Sends an answer; one that cannot go out (the connection closed) is dropped. */
  answer(frame: () => Frame): void {
    try {
      this.#host.send(frame());
    } catch {
      // The connection is gone: nobody waits for this answer any more.
    }
  }
}

/**
 * The code and message an error is answered with: an `EventError`'s own (its `remoteCode` first),
 * else `fallback` (a handler's failure: `HANDLER_ERROR`, "internal error"; nothing leaks).
 */
export function describe(
  error: unknown,
  fallback: { code: string; message: string } = {
    code: "HANDLER_ERROR",
    message: "internal error",
  },
): { code: string; message: string } {
  return error instanceof EventError
    ? { code: error.remoteCode ?? error.code, message: error.message }
    : fallback;
}
