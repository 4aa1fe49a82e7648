// This module is browser compatible.
/**
 * The promise behind `client.opened`: made when first asked for, settled when the client opens
 * or closes for good, then made afresh on the next ask.
 *
 * @module
 */

/** One pending `opened` promise at a time. */
export class OpenedWaiter {
  #pending:
    | { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void }
    | undefined;

  /** The pending promise, made now if there is none. */
  get promise(): Promise<void> {
    if (this.#pending === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      promise.catch(() => {}); // a rejection nobody awaits is not an unhandled one
      this.#pending = { promise, resolve, reject };
    }
    return this.#pending.promise;
  }

  /** Fulfils the pending promise, if any. */
  resolve(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve();
  }

  /** Rejects the pending promise, if any, with `error`. */
  reject(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}
