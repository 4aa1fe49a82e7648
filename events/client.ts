// This module is browser compatible.
/**
 * {@linkcode EventClient}: named events with answers over a reconnecting
 * {@linkcode WirelyClient}, on the `wirely.v1` subprotocol.
 *
 * @module
 */

import { WirelyClient } from "../client/client.ts";
import type { ProtocolsSource, UrlSource, WirelyClientOptions } from "../client/options.ts";
import type { QueuedMessage } from "../client/queue.ts";
import { type AnyHandler, checkTimeout, EventCore } from "./_core.ts";
import { EventError } from "./errors.ts";
import type {
  AckArgs,
  AckOptions,
  DefaultEvents,
  EmitArgs,
  EventAnswer,
  EventHandler,
  EventName,
} from "./types.ts";
import type { ClientSession } from "./session.ts";
import { EVENTS_PROTOCOL, type Frame, RECOVERY_PROTOCOL } from "./wire.ts";

/**
 * Options of {@linkcode EventClient}: those of {@linkcode WirelyClient} (its `protocols` are
 * offered after `wirely.v1`), plus the default answer timeout.
 *
 * @example
 * ```ts
 * import { heartbeat } from "@wirely/wirely/client";
 * import type { EventClientOptions } from "@wirely/wirely/events";
 * const options: EventClientOptions = { ackTimeout: 5_000, heartbeat: heartbeat() };
 * console.log(options.ackTimeout); // 5000
 * ```
 */
export interface EventClientOptions extends WirelyClientOptions {
  /** Milliseconds `emitWithAck` waits for an answer unless its own `timeout` says otherwise; `Infinity` waits until the connection closes. @default 10_000 */
  ackTimeout?: number;
  /** Write the first {@linkcode EventError} of each code that no `onError` handler got to `console.error` (once per code and client); `false` never logs. @default true */
  logEventErrors?: boolean;
  /** Connection state recovery: a session from `recovery()` (missed events replayed, own events exactly once; docs/scale-out.md). @default undefined (none) */
  recovery?: ClientSession;
}

/**
 * A client of named events: `emit`, `emitWithAck`, `on`/`off`/`once`, typed by two events maps
 * (what the server sends, what the client sends).
 *
 * - Events emitted while not open wait in the client's offline queue like other sends (and
 *   throw `QUEUE_FULL` when it is full).
 * - An answer awaited for an event that a connection carried is rejected with `EventError`
 *   `ACK_DISCONNECTED` when that connection closes; one for an event that never left the
 *   queue with `ACK_UNSENT`; one that takes longer than its timeout with `ACK_TIMEOUT`; a
 *   refusal by the server with `REJECTED`.
 * - A connection on which the server did not pick `wirely.v1` carries plain messages only:
 *   `emit` throws `NOT_NEGOTIATED` there (read plain messages on {@linkcode EventClient.client}).
 * - Malformed frames from the server are dropped and reported to `onError` (`MALFORMED_EVENT`).
 *   An error of this client that no `onError` handler gets is written to `console.error`, the
 *   first of each code only (option `logEventErrors`). Errors of the connection itself are
 *   the `error` events of {@linkcode EventClient.client}.
 *
 * @example Events before the connection opens are queued
 * ```ts
 * import { EventClient } from "@wirely/wirely/events";
 * interface ClientToServer { chat: (text: string) => void }
 * const socket = new EventClient<Record<never, never>, ClientToServer>("ws://127.0.0.1:9", {
 *   autoConnect: false,
 * });
 * socket.emit("chat", "hello");
 * console.log(socket.client.queuedMessages); // 1
 * socket.close();
 * ```
 */
export class EventClient<
  Listen extends object = DefaultEvents,
  Emit extends object = DefaultEvents,
> {
  /** The underlying reconnecting client (state, `opened`, plain messages, lifecycle events). */
  readonly client: WirelyClient;
  readonly #core: EventCore;
  readonly #errorHandlers = new Set<(error: EventError) => void>();
  readonly #logErrors: boolean;
  readonly #logged = new Set<string>();
  #negotiated: boolean | undefined;
  readonly #session: ClientSession | undefined;

  /**
   * Creates a client (connecting on the next microtask unless `autoConnect` is `false`), or
   * wraps an existing {@linkcode WirelyClient} created with `wirely.v1` among its protocols
   * (open or not; answers to events sent before the wrap are not tracked).
   *
   * @param url Where to connect (see {@linkcode WirelyClient}), or a client to wrap.
   * @param options Client options, `ackTimeout`, `logEventErrors` and `recovery` (only these
   *   three when wrapping; a wrapped client must offer `wirely.v1.recovery` for `recovery`).
   * @throws {TypeError | RangeError} For a bad option, as {@linkcode WirelyClient} does.
   */
  constructor(url: UrlSource | WirelyClient, options: EventClientOptions = {}) {
    const { ackTimeout, logEventErrors, clientOptions } = splitOptions(options);
    const session = this.#session = options.recovery;
    this.#logErrors = logEventErrors;
    this.#core = new EventCore({
      send: (frame) => this.#send(frame),
      error: (error) => this.#error(error),
    }, ackTimeout);
    this.client = url instanceof WirelyClient ? url : new WirelyClient(url, clientOptions);
    const client = this.client;
    session?.attach({ client, core: this.#core });
    client.on("open", ({ protocol }) => this.#opened(protocol));
    client.on("message", (message) => {
      if (this.#negotiated === true && !session?.receive(message.data)) {
        this.#core.receive(message.data);
      }
    });
    client.on("close", ({ code }) => {
      this.#negotiated = undefined;
      session?.closed();
      if (!session?.keepsAnswers) {
        this.#core.rejectSent(
          "ACK_DISCONNECTED",
          `The connection closed (${code}) before the answer`,
        );
      }
    });
    const unsent = (entries: readonly QueuedMessage[], why: string): void => {
      for (const entry of entries) {
        if (typeof entry.data === "string" || entry.data instanceof Uint8Array) {
          this.#core.rejectFrame(entry.data, "ACK_UNSENT", why);
        }
      }
    };
    client.on("expired", (entries) => unsent(entries, "The event expired in the offline queue"));
    client.on("unsent", (entries) => unsent(entries, "The client closed with the event queued"));
    client.on("state", ({ state }) => {
      // After the `unsent` event that follows, which rejects queued events with ACK_UNSENT.
      if (state === "closed") {
        queueMicrotask(() => this.#core.rejectAll("ACK_DISCONNECTED", "The client closed"));
      }
    });
    if (client.state === "open") this.#opened(client.protocol);
  }

  #opened(protocol: string): void {
    this.#negotiated = protocol === EVENTS_PROTOCOL || protocol === RECOVERY_PROTOCOL;
    if (this.#negotiated) {
      if (this.#session) this.#session.opened(protocol);
      else this.#core.markQueuedSent();
      return;
    }
    const message = `The server did not pick ${EVENTS_PROTOCOL} (protocol "${protocol}")`;
    this.#core.rejectAll("NOT_NEGOTIATED", message);
    this.#error(new EventError("NOT_NEGOTIATED", message));
  }

  /** `true` when the open connection speaks `wirely.v1`, `false` when it does not, `undefined` while not open. */
  get negotiated(): boolean | undefined {
    return this.#negotiated;
  }

  /** Answers still awaited. */
  get pendingAcks(): number {
    return this.#core.pendingAcks;
  }

  /**
   * Handles an event from the server; returns a function that removes the handler. A handler
   * answers with its return value, or through its second parameter `ack` when it declares it
   * (see {@linkcode EventHandler} for when both happen).
   */
  on<E extends EventName<Listen>>(event: E, handler: EventHandler<Listen[E]>): () => void {
    return this.#core.on(event, handler as AnyHandler);
  }

  /** Like {@linkcode EventClient.on}, for the next event only. */
  once<E extends EventName<Listen>>(event: E, handler: EventHandler<Listen[E]>): () => void {
    return this.#core.once(event, handler as AnyHandler);
  }

  /** Removes a handler, or every handler of `event` when none is given. */
  off<E extends EventName<Listen>>(event: E, handler?: EventHandler<Listen[E]>): void {
    this.#core.off(event, handler as AnyHandler | undefined);
  }

  /**
   * Sends an event (queued while not open).
   *
   * @returns `true` when handed to the open connection, `false` when queued.
   * @throws {EventError} `NOT_NEGOTIATED` when the open connection does not speak `wirely.v1`.
   * @throws {ClientError} `QUEUE_FULL` when the offline queue has no room.
   * @throws {TypeError | RangeError} For a bad event name or data without a JSON form.
   */
  emit<E extends EventName<Emit>>(event: E, ...args: EmitArgs<Emit[E]>): boolean {
    return this.#core.emit(event, (args as unknown[])[0]);
  }

  /**
   * Sends an event and waits for the server's answer.
   *
   * @returns The answer; rejects with an {@linkcode EventError} (`ACK_TIMEOUT`,
   *   `ACK_DISCONNECTED`, `ACK_UNSENT`, `REJECTED`, `NOT_NEGOTIATED`) or the error that kept it
   *   from being sent.
   */
  emitWithAck<E extends EventName<Emit>>(
    event: E,
    ...args: AckArgs<Emit[E]>
  ): Promise<EventAnswer<Emit[E]>> {
    const [data, options] = args as unknown as [unknown, AckOptions | undefined];
    return this.#core.emitWithAck(event, data, options?.timeout) as Promise<EventAnswer<Emit[E]>>;
  }

  /**
   * Handles errors of this client's events (malformed frames, handler failures, refusals of
   * events sent without an answer, `NOT_NEGOTIATED`). While no handler is registered, the first
   * error of each code is written to `console.error` (unless `logEventErrors` is `false`).
   */
  onError(handler: (error: EventError) => void): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  /** Closes the underlying client for good (see {@linkcode WirelyClient.close}); awaited answers reject. */
  close(code?: number, reason?: string): QueuedMessage[] {
    return this.client.close(code, reason);
  }

  #send(frame: Frame): boolean {
    const client = this.client;
    if (client.state === "open") {
      if (this.#negotiated === false) {
        throw new EventError("NOT_NEGOTIATED", `The connection does not speak ${EVENTS_PROTOCOL}`);
      }
      if (this.#session) return this.#session.send(frame);
      client.send(frame);
      return true;
    }
    if (this.#session) return this.#session.send(frame);
    client.send(frame);
    return false;
  }

  #error(error: EventError): void {
    if (this.#errorHandlers.size === 0) {
      if (this.#logErrors && !this.#logged.has(error.code)) {
        this.#logged.add(error.code);
        console.error(
          `wirely: an EventError ${error.code} had no onError handler (logged once per code; ` +
            "logEventErrors: false turns this off):",
          error,
        );
      }
      return;
    }
    for (const handler of [...this.#errorHandlers]) {
      try {
        handler(error);
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }
}

/**
 * Checks the options of {@linkcode EventClient} and splits them: its own, and those of its
 * {@linkcode WirelyClient} (with `wirely.v1` first among the protocols).
 *
 * @throws {TypeError | RangeError} For a bad `ackTimeout` or `logEventErrors`.
 */
export function splitOptions(options: EventClientOptions): {
  ackTimeout: number;
  logEventErrors: boolean;
  clientOptions: WirelyClientOptions;
} {
  const { ackTimeout = 10_000, logEventErrors = true, recovery, ...clientOptions } = options;
  checkTimeout("ackTimeout", ackTimeout);
  if (typeof logEventErrors !== "boolean") {
    throw new TypeError(
      `Cannot create client as 'logEventErrors' must be a boolean: current value is ${
        String(logEventErrors)
      }`,
    );
  }
  return {
    ackTimeout,
    logEventErrors,
    clientOptions: {
      ...clientOptions,
      protocols: withEvents(clientOptions.protocols, recovery ? RECOVERY_PROTOCOL : ""),
    },
  };
}

/** `wirely.v1` first, then the user's own protocols. */
function withEvents(protocols: ProtocolsSource | undefined, first: string): ProtocolsSource {
  const ours = first ? [first, EVENTS_PROTOCOL] : [EVENTS_PROTOCOL];
  const merge = (list: string | readonly string[]): string[] => [
    ...ours,
    ...(typeof list === "string" ? [list] : list).filter((name) => !ours.includes(name)),
  ];
  if (protocols === undefined) return ours;
  if (typeof protocols === "function") return async () => merge(await protocols());
  return merge(protocols);
}
