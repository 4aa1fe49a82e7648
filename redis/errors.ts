/**
 * {@linkcode BackplaneError}: the typed errors of the Redis backplane, each with a stable code
 * (listed in `docs/errors.md`).
 *
 * @module
 */

import { WirelyError } from "../codec/errors.ts";

/**
 * Stable codes of {@linkcode BackplaneError}:
 *
 * - `BACKPLANE_UNAVAILABLE`: Redis is not reachable (reported once per outage to the server's
 *   `onError`; `count` rejects with it while the publisher is not ready).
 * - `BACKPLANE_TIMEOUT`: a server that got a `count` query did not answer within `countTimeout`.
 * - `BACKPLANE_MALFORMED`: a message on the backplane's channels is not one wirely wrote (another
 *   publisher, another format version); it was ignored.
 *
 * @example
 * ```ts
 * import { BackplaneError, type BackplaneErrorCode } from "@wirely/wirely/redis";
 * const code: BackplaneErrorCode = new BackplaneError("BACKPLANE_TIMEOUT", "no answer").code;
 * console.log(code); // BACKPLANE_TIMEOUT
 * ```
 */
export type BackplaneErrorCode =
  | "BACKPLANE_UNAVAILABLE"
  | "BACKPLANE_TIMEOUT"
  | "BACKPLANE_MALFORMED";

/**
 * An error of the Redis backplane.
 *
 * @example Tell a lost Redis apart from other server errors
 * ```ts
 * import { BackplaneError } from "@wirely/wirely/redis";
 * const onError = (error: unknown): void => {
 *   if (error instanceof BackplaneError) console.log("backplane:", error.code);
 * };
 * onError(new BackplaneError("BACKPLANE_UNAVAILABLE", "lost Redis")); // backplane: BACKPLANE_UNAVAILABLE
 * ```
 */
export class BackplaneError extends WirelyError<BackplaneErrorCode> {
  /**
   * Creates a backplane error.
   *
   * @param code The stable code.
   * @param message A human-readable explanation.
   * @param options `cause`: the client's error, when there is one.
   */
  constructor(code: BackplaneErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "BackplaneError";
  }
}
