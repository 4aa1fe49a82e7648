// This module is browser compatible.
/**
 * {@linkcode MiddlewareCore}: the {@linkcode EventCore} of the server side, with the middleware
 * hook that runs before an event's handlers. Events are handled in arrival order: while an
 * async middleware runs, the events after it wait their turn.
 *
 * @module
 */

import { type CoreHost, describe, EventCore } from "./_core.ts";
import { encodeError } from "./wire.ts";

/** The host of a {@linkcode MiddlewareCore}: a {@linkcode CoreHost} with the middleware. */
export interface MiddlewareHost extends CoreHost {
  /** Runs before the handlers of an event; a throw or rejection refuses the event. */
  before(event: string, data: unknown): unknown;
}

/** An {@linkcode EventCore} that runs middleware before the handlers, in arrival order. */
export class MiddlewareCore extends EventCore {
  readonly #before: (event: string, data: unknown) => unknown;
  #tail: Promise<void> | undefined;

  constructor(host: MiddlewareHost, defaultTimeout: number) {
    super(host, defaultTimeout);
    this.#before = (event, data) => host.before(event, data);
  }

  /** Middleware first, then the handlers; after an async middleware, in arrival order. */
  override handle(event: string, id: number, data: unknown): void {
    if (this.#tail === undefined) {
      const waiting = this.#process(event, id, data);
      if (waiting !== undefined) this.#track(waiting);
    } else this.#track(this.#tail.then(() => this.#process(event, id, data)));
  }

  #track(waiting: Promise<void>): void {
    const tail: Promise<void> = waiting.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    this.#tail = tail;
  }

  /** Middleware, then handlers. Returns a promise only while an async middleware runs. */
  #process(event: string, id: number, data: unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = this.#before(event, data);
    } catch (error) {
      this.#refuse(event, id, error);
      return undefined;
    }
    if (!(result instanceof Promise)) {
      super.handle(event, id, data);
      return undefined;
    }
    return result.then(
      () => super.handle(event, id, data),
      (error) => this.#refuse(event, id, error),
    );
  }

  #refuse(event: string, id: number, error: unknown): void {
    // A middleware's refusal says why: its message goes to the peer.
    const { code, message } = describe(error, {
      code: "REJECTED",
      message: String((error as Error)?.message ?? error),
    });
    this.answer(() => encodeError(id, code, message, id === 0 ? event : undefined));
  }
}
