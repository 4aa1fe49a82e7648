/**
 * An in-process echo server built on the sans-I/O {@linkcode Connection} of `codec/`: every
 * text or binary message it receives it sends back; pings are answered by the connection's
 * auto-pong. No sockets, no timers: each byte the suite sends is handled at once, so "nothing
 * pending" is final and the suite runs deterministically.
 *
 * @module
 */

import { Connection, type ConnectionOptions } from "../../codec/connection.ts";
import { receiveAndProcess } from "../../codec/receive_loop.ts";
import type { Target, TargetLimits, TargetSession, TransportRead } from "./target.ts";

/** Options of {@linkcode ConnectionTarget}: the limits given to each server connection. */
export interface ConnectionTargetOptions {
  /** Largest message the echo server accepts, in bytes. @default 4_194_304 (4 MiB) */
  maxMessageSize?: number;
  /** Most frames per message the echo server accepts. @default 131_072 */
  maxFramesPerMessage?: number;
}

/** In-process echo target over `codec/connection.ts` (server role, state `open`). */
export class ConnectionTarget implements Target {
  readonly name = "codec Connection (in-process)";
  readonly limits: TargetLimits;
  readonly deterministic = true;
  readonly #options: ConnectionOptions;

  /** @param options Limits of the echo server. */
  constructor(options: ConnectionTargetOptions = {}) {
    const { maxMessageSize = 4 * 1024 * 1024, maxFramesPerMessage = 128 * 1024 } = options;
    this.limits = { maxMessageSize, maxFramesPerMessage };
    this.#options = { role: "server", maxMessageSize, maxFramesPerMessage };
  }

  connect(): Promise<TargetSession> {
    return Promise.resolve(new ConnectionSession(new Connection(this.#options)));
  }
}

class ConnectionSession implements TargetSession {
  readonly #connection: Connection;
  #output: Uint8Array[] = [];
  #closed = false;
  #fault: string | undefined;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  send(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // The connection owns (and may unmask in place) what it receives: give it a copy. The loop
    // echoes messages before a close or a bad frame in the same input before handling it.
    receiveAndProcess(this.#connection, bytes.slice(), () => {
      this.#echo();
      this.#flush();
    }, (error) => {
      this.#fault = `the connection threw: ${(error as Error).stack ?? error}`;
    });
    return Promise.resolve();
  }

  #echo(): void {
    for (const event of this.#connection.takeEvents()) {
      if (this.#connection.state !== "open") continue;
      if (event.type === "text") this.#connection.sendText(event.data);
      else if (event.type === "binary") this.#connection.sendBinary(event.data);
    }
  }

  #flush(): void {
    for (const bytes of this.#connection.takeBytes()) this.#output.push(bytes);
    if (this.#connection.shouldCloseTransport || this.#fault !== undefined) this.#closed = true;
  }

  read(_maxWaitMs: number): Promise<TransportRead> {
    const bytes = this.#output.shift();
    if (bytes !== undefined) return Promise.resolve({ type: "bytes", bytes });
    if (this.#fault !== undefined) {
      const message = this.#fault;
      this.#fault = undefined;
      return Promise.resolve({ type: "fault", message });
    }
    return Promise.resolve(this.#closed ? { type: "eof" } : { type: "idle" });
  }

  dispose(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#connection.receiveEof();
    }
    return Promise.resolve();
  }
}
