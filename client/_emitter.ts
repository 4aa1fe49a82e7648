// This module is browser compatible.
/**
 * A small typed event emitter. A handler that throws does not stop the others: its error is
 * reported the way `EventTarget` reports it (`reportError`, or an uncaught exception on a
 * later tick where `reportError` is missing), so a bug in a handler is never swallowed.
 *
 * @module
 */

type AnyHandler = (event: unknown) => void;

function report(error: unknown): void {
  const scope: { reportError?: (error: unknown) => void } = globalThis;
  if (typeof scope.reportError === "function") {
    scope.reportError(error);
  } else {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

/** Typed handlers by event name; `Events` maps each name to its value. */
export class Emitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Set<AnyHandler>>();
  readonly #unhandled: (<K extends keyof Events>(type: K, event: Events[K]) => void) | undefined;

  /** `unhandled` gets every event that no handler listens for. */
  constructor(unhandled?: <K extends keyof Events>(type: K, event: Events[K]) => void) {
    this.#unhandled = unhandled;
  }

  /** Adds a handler; returns a function that removes it. */
  on<K extends keyof Events>(type: K, handler: (event: Events[K]) => void): () => void {
    let set = this.#handlers.get(type);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(type, set);
    }
    set.add(handler as AnyHandler);
    return () => this.off(type, handler);
  }

  /** Removes a handler added with {@linkcode Emitter.on}. */
  off<K extends keyof Events>(type: K, handler: (event: Events[K]) => void): void {
    const set = this.#handlers.get(type);
    if (set === undefined) return;
    set.delete(handler as AnyHandler);
    if (set.size === 0) this.#handlers.delete(type);
  }

  /** Whether any handler listens for `type`. */
  has(type: keyof Events): boolean {
    return this.#handlers.has(type);
  }

  /** Calls every handler of `type` in the order they were added. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#handlers.get(type);
    if (set === undefined) {
      try {
        this.#unhandled?.(type, event);
      } catch (error) {
        report(error);
      }
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(event);
      } catch (error) {
        report(error);
      }
    }
  }
}
