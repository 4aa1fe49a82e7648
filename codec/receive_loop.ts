// This module is browser compatible.
/**
 * The receive loop every I/O layer runs around a {@linkcode Connection}: feed the bytes, process
 * what came out, and resume input the connection held back until the events before it were
 * dispatched. No I/O of its own.
 *
 * @module
 */

import type { Connection } from "./connection.ts";

/**
 * Hands `data` to `connection` and calls `process` (take the events and bytes, dispatch the
 * events, write the bytes); if the connection held back a close frame or a protocol error behind
 * those events ({@linkcode Connection.inputPending}), resumes it and calls `process` again. So
 * every message that came before a close or a bad frame in the same read is dispatched (and its
 * answer written) before the close.
 *
 * @param connection The connection (open or closing).
 * @param data Bytes from the peer, owned by the connection from now on.
 * @param process Takes `connection.takeEvents()` and `connection.takeBytes()` and acts on them.
 * @param onBug Called, before `process`, when `receive()` or `resume()` throws: a bug in wirely
 * (the connection already queued a 1011 close). Without it the error is rethrown after `process`.
 * @throws {InvalidStateError} If the connection is `connecting` (call `open()` first).
 *
 * @example A server echoes a message that came in the same read as the client's close frame
 * ```ts
 * import { Connection, receiveAndProcess } from "@wirely/wirely/codec";
 * const server = new Connection({ role: "server" });
 * const hi = [0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]; // text "hi" (zero mask)
 * const close = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]; // close 1000
 * const written: number[] = [];
 * receiveAndProcess(server, new Uint8Array([...hi, ...close]), () => {
 *   for (const event of server.takeEvents()) {
 *     if (event.type === "text") server.sendText(event.data);
 *   }
 *   for (const bytes of server.takeBytes()) written.push(...bytes);
 * });
 * console.log(written); // [ 129, 2, 104, 105, 136, 2, 3, 232 ]: the echo, then the close
 * ```
 */
export function receiveAndProcess(
  connection: Connection,
  data: Uint8Array,
  process: () => void,
  onBug?: (error: unknown) => void,
): void {
  // Two rounds at most: resume() settles everything that was held.
  for (let round = 0; round < 2; round++) {
    let bug: unknown = undefined;
    let failed = false;
    try {
      if (round === 0) connection.receive(data);
      else connection.resume();
    } catch (error) {
      if (onBug === undefined) {
        failed = true;
        bug = error;
      } else {
        onBug(error);
      }
    }
    process();
    if (failed) throw bug;
    if (!connection.inputPending) return;
  }
}
