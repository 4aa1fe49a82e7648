// This module is browser compatible.
/**
 * The part of the named-events layer both sides share: handlers by event name, answers (acks)
 * by id with their timers, middleware ordering, and the decoding of incoming frames. It owns
 * no socket: the side that uses it says how to send and where errors go.
 *
 * @module
 */

import { AckTable, checkTimeout } from "./_acks.ts";
import { EventError, type EventErrorCode } from "./errors.ts";
import { decodePacket, encodeAck, encodeError, encodeEvent, type Frame } from "./wire.ts";

export { checkTimeout };

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
  /** Runs before the handlers of an event; a throw or rejection refuses the event. */
  before?(event: string, data: unknown): unknown;
}

/** Handlers, answers and decoding of one connection (or one client across reconnections). */
export class EventCore {
  readonly #host: CoreHost;
  readonly #defaultTimeout: number;
  readonly #handlers = new Map<string, Set<AnyHandler>>();
  readonly #acks = new AckTable();
  #tail: Promise<void> | undefined;

  constructor(host: CoreHost, defaultTimeout: number) {
    this.#host = host;
    this.#defaultTimeout = defaultTimeout;
  }

  /** Answers still awaited. */
  get pendingAcks(): number {
    return this.#acks.size;
  }

  on(event: string, handler: AnyHandler): () => void {
    if (typeof handler !== "function") {
      throw new TypeError(
        `Cannot listen as 'handler' must be a function: current value is ${typeof handler}`,
      );
    }
    let set = this.#handlers.get(event);
    if (set === undefined) this.#handlers.set(event, set = new Set());
    set.add(handler);
    return () => this.off(event, handler);
  }

  off(event: string, handler?: AnyHandler): void {
    if (handler === undefined) {
      this.#handlers.delete(event);
      return;
    }
    const set = this.#handlers.get(event);
    if (set?.delete(handler) && set.size === 0) this.#handlers.delete(event);
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

  emitWithAck(event: string, data: unknown, timeout: number | undefined): Promise<unknown> {
    let wait: number;
    let id: number;
    let frame: Frame;
    try {
      wait = timeout === undefined ? this.#defaultTimeout : checkTimeout("timeout", timeout);
      id = this.#acks.allocate();
      frame = encodeEvent(event, data, id);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#acks.await(id, event, wait, () => this.#host.send(frame));
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
    if (packet.type === "event") {
      const { event, id, data } = packet;
      if (this.#tail === undefined) {
        const waiting = this.#process(event, id, data);
        if (waiting !== undefined) this.#track(waiting);
      } else this.#track(this.#tail.then(() => this.#process(event, id, data)));
    } else if (packet.type === "ack") {
      this.#acks.settle(packet.id, undefined, packet.value);
    } else if (packet.id === 0) {
      const { code, message, event } = packet;
      this.#host.error(new EventError("REJECTED", message, { remoteCode: code, event }));
    } else {
      const event = this.#acks.eventOf(packet.id);
      const error = new EventError("REJECTED", packet.message, { remoteCode: packet.code, event });
      this.#acks.settle(packet.id, error);
    }
  }

  /** Every answer-awaiting event still queued was handed to the connection that just opened. */
  markQueuedSent(): void {
    this.#acks.markQueuedSent();
  }

  /** The connection closed: events it carried will get no answer. */
  rejectSent(code: EventErrorCode, message: string): void {
    this.#acks.rejectAll(code, message, true);
  }

  /** Rejects every awaited answer. */
  rejectAll(code: EventErrorCode, message: string): void {
    this.#acks.rejectAll(code, message);
  }

  /** Rejects the answer awaited by a queued frame that will never be sent. */
  rejectFrame(frame: Frame, code: EventErrorCode, message: string): void {
    let packet;
    try {
      packet = decodePacket(frame);
    } catch {
      return;
    }
    if (packet.type === "event" && packet.id !== 0 && this.#acks.has(packet.id)) {
      this.#acks.settle(packet.id, new EventError(code, message, { event: packet.event }));
    }
  }

  #track(waiting: Promise<void>): void {
    const tail: Promise<void> = waiting.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    this.#tail = tail;
  }

  /** Middleware, then handlers. Returns a promise only while an async middleware runs. */
  #process(event: string, id: number, data: unknown): Promise<void> | undefined {
    const before = this.#host.before;
    if (before === undefined) {
      this.#dispatch(event, id, data);
      return undefined;
    }
    let result: unknown;
    try {
      result = before(event, data);
    } catch (error) {
      this.#refuse(event, id, error);
      return undefined;
    }
    if (!(result instanceof Promise)) {
      this.#dispatch(event, id, data);
      return undefined;
    }
    return result.then(
      () => this.#dispatch(event, id, data),
      (error) => this.#refuse(event, id, error),
    );
  }

  #refuse(event: string, id: number, error: unknown): void {
    const { code, message } = describe(error, "REJECTED");
    this.#answer(() => encodeError(id, code, message, id === 0 ? event : undefined));
  }

  #dispatch(event: string, id: number, data: unknown): void {
    const handlers = this.#handlers.get(event);
    if (handlers === undefined) {
      if (id !== 0) this.#answer(() => encodeError(id, "NO_HANDLER", `No handler for '${event}'`));
      return;
    }
    let answered = id === 0;
    const fail = (error: unknown): void => {
      this.#host.error(
        new EventError("HANDLER_ERROR", `A handler of '${event}' failed`, { cause: error, event }),
      );
      if (answered) return;
      answered = true;
      const { code, message } = describe(error, "HANDLER_ERROR");
      this.#answer(() => encodeError(id, code, message));
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
      this.#answer(() => frame);
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
  #answer(frame: () => Frame): void {
    try {
      this.#host.send(frame());
    } catch {
      // The connection is gone: nobody waits for this answer any more.
    }
  }
}

/** The code and message an error is answered with. */
function describe(
  error: unknown,
  fallback: "REJECTED" | "HANDLER_ERROR",
): { code: string; message: string } {
  if (error instanceof EventError) {
    return { code: error.remoteCode ?? error.code, message: error.message };
  }
  if (fallback === "REJECTED") {
    return { code: "REJECTED", message: error instanceof Error ? error.message : String(error) };
  }
  return { code: "HANDLER_ERROR", message: "internal error" };
}
