// This module is browser compatible.
/**
 * {@linkcode WirelyClient}: a WebSocket client that reconnects with backoff, queues sends
 * while offline, and stops by a close policy.
 *
 * One class holds the life cycle (states, attempts, timers); what a page may not need lives in
 * opt-in modules that reach it through its public surface (`transport`, events): the heartbeat
 * (`heartbeat.ts`, the one hook it calls), liveness checks and ping frames (`liveness.ts`),
 * network signals (`network.ts`), JSON (`json.ts`), `for await` (`messages.ts`). Every
 * transport event, timer and async step carries the id of its attempt; bumping the id mutes
 * all of them at once.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { Message } from "../codec/message.ts";
import { Backoff } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type CloseContext, type ClosePolicy, defaultClosePolicy } from "./close_policy.ts";
import { ClientError, type ClientErrorCode } from "./errors.ts";
import type { ClientCloseEvent, ClientEventMap, ClientEventType, ClientState } from "./events.ts";
import type { Heartbeat, HeartbeatWatch } from "./heartbeat.ts";
import { closeCode, nativeTransport } from "./native_transport.ts";
import {
  checkCloseArguments,
  logOncePerCode,
  toOutgoing,
  toProtocolList,
  toWebSocketUrl,
} from "./_options.ts";
import type { ProtocolsSource, SendData, UrlSource, WirelyClientOptions } from "./options.ts";
import { type QueuedMessage, SendQueue } from "./queue.ts";
import type { Transport, TransportEvent, TransportFactory } from "./transport.ts";
import { check, DEFAULT_CLOSE_TIMEOUT, isDelay } from "./_check.ts";

type Ending = Omit<CloseContext, "opened">;
type Handler = (event: never) => void;

/**
 * A reconnecting WebSocket client.
 *
 * - Reconnects with exponential backoff and full jitter, by a close-code policy.
 * - Queues sends made while not open (bounded; `QUEUE_FULL` when full) and sends them, in
 *   order and once, before anything newer when a connection opens. Delivery is at most once:
 *   a message handed to a connection that then dies may be lost.
 * - Text arrives as `string`, binary as `Uint8Array`.
 * - Never reconnects after {@linkcode WirelyClient.close} (which `closeOnAbort` calls).
 * - Everything else is an opt-in function, so a page pays only for what it imports: the
 *   heartbeat (`heartbeat()`), `checkLiveness`/`ping`, `followNetwork`, `opened`,
 *   `closeOnAbort`, `sendVolatile`, `ExpiringQueue`, `sendJson`/`onJson`, `messages`.
 *
 * @example Sends made before the connection opens wait in the queue
 * ```ts
 * import { WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * client.send(JSON.stringify({ hello: "world" }));
 * console.log(client.state, client.queuedMessages); // idle 1
 * console.log(client.close().length); // 1 (never sent)
 * ```
 *
 * @example Echo with a reconnecting client (needs a server)
 * ```ts ignore
 * import { heartbeat, messages, sendJson, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("wss://echo.example.com", { heartbeat: heartbeat() });
 * client.on("reconnecting", ({ attempt, delay }) => console.log(`retry ${attempt} in ${delay} ms`));
 * sendJson(client, { hello: "world" }); // queued until open
 * for await (const message of messages(client)) {
 *   if (message.type === "text") console.log(message.data);
 *   client.close();
 * }
 * ```
 */
export class WirelyClient {
  readonly #url: UrlSource;
  readonly #protocols: ProtocolsSource;
  readonly #handlers = new Map<ClientEventType, Set<Handler>>();
  readonly #factory: TransportFactory;
  readonly #connectTimeout: number;
  readonly #closeTimeout: number;
  readonly #backoff: Backoff;
  readonly #closePolicy: ClosePolicy;
  readonly #queue: SendQueue;
  readonly #heartbeat: Heartbeat | false | undefined;
  readonly #clock: Clock;
  readonly #unhandled: ((error: Error) => void) | false;
  #state: ClientState = "idle";
  /** Id of the current attempt; bumped to mute a transport, a timer or an async step. */
  #attempt = 0;
  #transport: Transport | undefined;
  #timer: (() => void) | undefined;
  #watch: HeartbeatWatch | undefined;
  #openedAt: number | undefined;
  #protocol = "";
  #everOpened = false;
  #currentUrl: string | undefined;

  /**
   * Creates a client; it starts connecting on the next microtask unless `autoConnect` is
   * `false`.
   *
   * @param url Where to connect, or a function called before each attempt.
   * @param options Transport, timeouts, backoff, queue bounds, heartbeat (see
   *   {@linkcode WirelyClientOptions}).
   * @throws {TypeError} When a static URL is not `ws:`/`wss:`, or an option has a wrong type.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(url: UrlSource, options: WirelyClientOptions = {}) {
    const {
      protocols = [],
      connectTimeout = 10_000,
      closeTimeout = DEFAULT_CLOSE_TIMEOUT,
      closePolicy = defaultClosePolicy,
      heartbeat,
      queue,
      onUnhandledError = logOncePerCode(),
      transport,
      WebSocket,
    } = options;
    check(isDelay(connectTimeout, 1), "connectTimeout", connectTimeout);
    check(isDelay(closeTimeout, 1), "closeTimeout", closeTimeout);
    check(typeof closePolicy === "function", "closePolicy", typeof closePolicy, TypeError);
    check(!(transport && WebSocket), "transport", "with WebSocket", TypeError);
    check(!heartbeat || typeof heartbeat.watch === "function", "heartbeat", heartbeat, TypeError);
    check(
      onUnhandledError === false || typeof onUnhandledError === "function",
      "onUnhandledError",
      onUnhandledError,
      TypeError,
    );
    this.#url = typeof url === "function" ? url : toWebSocketUrl(url);
    this.#protocols = typeof protocols === "function" ? protocols : toProtocolList(protocols);
    this.#factory = transport ?? nativeTransport({ WebSocket });
    this.#connectTimeout = connectTimeout;
    this.#closeTimeout = closeTimeout;
    this.#backoff = new Backoff(options.backoff);
    this.#closePolicy = closePolicy;
    this.#queue = queue instanceof SendQueue ? queue : new SendQueue(queue);
    this.#heartbeat = heartbeat;
    this.#clock = options.clock ?? systemClock;
    this.#unhandled = onUnhandledError;
    if (options.autoConnect ?? true) {
      queueMicrotask(() => {
        if (this.#state === "idle") this.#startAttempt();
      });
    }
  }

  /** The current state (see {@linkcode ClientState}). */
  get state(): ClientState {
    return this.#state;
  }

  /**
   * The subprotocol the server chose for the open connection; `""` when it chose none, and
   * while the client is not open (each reconnection negotiates again).
   *
   * @example
   * ```ts
   * import { WirelyClient } from "@wirely/wirely/client";
   * const client = new WirelyClient("ws://127.0.0.1:9", { protocols: ["chat.v2"], autoConnect: false });
   * console.log(client.protocol); // "" (not open)
   * client.close();
   * ```
   */
  get protocol(): string {
    return this.#protocol;
  }

  /** The URL of the current or last attempt, once it is known. */
  get url(): string | undefined {
    return this.#currentUrl;
  }

  /**
   * The open connection's transport; `undefined` unless the client is `open`. For opt-in
   * functions such as {@linkcode ping}; a send made on it directly skips the offline queue.
   */
  get transport(): Transport | undefined {
    return this.#state === "open" ? this.#transport : undefined;
  }

  /** Bytes handed to the open connection but not yet written, as its transport counts them. */
  get bufferedAmount(): number {
    return this.#transport?.bufferedAmount ?? 0;
  }

  /** Messages waiting in the offline queue. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /** Bytes waiting in the offline queue. */
  get queuedBytes(): number {
    return this.#queue.bytes;
  }

  /**
   * Adds an event handler (see {@linkcode ClientEventMap}).
   *
   * @returns A function that removes the handler.
   */
  on<K extends ClientEventType>(type: K, handler: (event: ClientEventMap[K]) => void): () => void {
    const handlers = this.#handlers;
    handlers.get(type)?.add(handler) ?? handlers.set(type, new Set([handler]));
    return () => this.off(type, handler);
  }

  /** Removes a handler added with {@linkcode WirelyClient.on}. */
  off<K extends ClientEventType>(type: K, handler: (event: ClientEventMap[K]) => void): void {
    const set = this.#handlers.get(type);
    if (set?.delete(handler) && !set.size) this.#handlers.delete(type);
  }

  /**
   * Starts connecting (with `autoConnect: false`), or skips the wait of a scheduled retry. Does
   * nothing while connecting or open.
   *
   * @throws {InvalidStateError} After `close()`.
   */
  connect(): void {
    const state = this.#usable();
    if (state === "idle" || state === "reconnecting") this.#startAttempt();
  }

  /**
   * Sends a message now when open; otherwise queues it, to be sent in order, once, when a
   * connection opens. To drop instead of queueing use {@linkcode sendVolatile}; to let queued
   * messages expire, an {@linkcode ExpiringQueue}.
   *
   * @param data Text, or bytes (`Uint8Array`, `ArrayBuffer`, any view, `Blob`).
   * @returns `true` when handed to the open connection, `false` when queued.
   * @throws {ClientError} `QUEUE_FULL` when the queue has no room.
   * @throws {InvalidStateError} After `close()`.
   */
  send(data: SendData): boolean {
    this.#usable();
    const outgoing = toOutgoing(data);
    const transport = this.transport;
    if (transport) transport.send(outgoing);
    else {this.#queue.push(
        outgoing instanceof Uint8Array ? outgoing.slice() : outgoing,
        this.#clock.now(),
      );}
    return !!transport;
  }

  /**
   * Closes for good: no reconnection afterwards. When open, starts the closing handshake (the
   * state is `closing` until the server answers or `closeTimeout` passes); otherwise stops at
   * once. Does nothing when already closing or closed.
   *
   * @param code Close code to send: 1000 or 3000-4999.
   * @param reason Close reason, at most 123 UTF-8 bytes.
   * @returns The queued messages that will never be sent (also given to `unsent` handlers).
   * @throws {RangeError} When `code` or `reason` is not allowed.
   */
  close(code: number = 1000, reason: string = ""): QueuedMessage[] {
    checkCloseArguments(code, reason);
    return this.#close(code, reason);
  }

  /** The state, after throwing `InvalidStateError` when it is `closing` or `closed`. */
  #usable(): ClientState {
    const state = this.#state;
    if (state === "closed" || state === "closing") throw new InvalidStateError(`Client ${state}`);
    return state;
  }

  #close(code: number, reason: string): QueuedMessage[] {
    const transport = this.#transport;
    const state = this.#state;
    if (state === "closed" || state === "closing") return [];
    if (state === "open" && transport) {
      this.#stopTimers();
      this.#setState("closing");
      const id = this.#attempt;
      this.#schedule(() => this.#fail(id, "CLOSE_TIMEOUT", "close timeout"), this.#closeTimeout);
      transport.close(code, reason);
      return [];
    }
    this.#attempt++;
    this.#transport = undefined;
    transport?.abort();
    return this.#finish(
      transport && { code, reason, wasClean: false, opened: false, willReconnect: false },
    );
  }

  /** Calls every handler of `type` in order; a throwing handler does not stop the others. */
  #emit<K extends ClientEventType>(type: K, event: ClientEventMap[K]): void {
    const unhandled = this.#unhandled;
    const set = this.#handlers.get(type) ?? (type === "error" && unhandled ? [unhandled] : []);
    for (const handler of [...set]) {
      try {
        (handler as (event: ClientEventMap[K]) => void)(event);
      } catch (error) {
        // Thrown again on its own, as `EventTarget` reports a listener's error: never swallowed.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #error(code: ClientErrorCode, message: string, cause?: unknown): void {
    this.#emit("error", new ClientError(code, message, { cause }));
  }

  #setState(state: ClientState): void {
    const previous = this.#state;
    if (previous !== state) {
      this.#state = state;
      this.#emit("state", { state, previous });
    }
  }

  #schedule(task: () => void, delay: number): void {
    this.#timer = this.#clock.schedule(task, delay);
  }

  #stopTimers(): void {
    this.#timer?.();
    this.#watch?.stop();
    this.#timer = this.#watch = undefined;
  }

  #startAttempt(): void {
    this.#stopTimers();
    const id = ++this.#attempt;
    this.#setState("connecting");
    if (id === this.#attempt) {
      this.#schedule(
        () => this.#fail(id, "CONNECT_TIMEOUT", "connect timeout"),
        this.#connectTimeout,
      );
      void this.#open(id);
    }
  }

  async #open(id: number): Promise<void> {
    const source = this.#url;
    const protocols = this.#protocols;
    let url: string | URL;
    let list: string | readonly string[];
    try {
      url = typeof source === "function" ? await source() : source;
      list = typeof protocols === "function" ? await protocols() : protocols;
    } catch (cause) {
      if (id === this.#attempt) {
        this.#error("URL_PROVIDER_FAILED", "URL function failed", cause);
        this.#ended(id, { code: 1006, reason: "URL function failed", wasClean: false });
      }
      return;
    }
    if (id !== this.#attempt || this.#state !== "connecting") return;
    try {
      const href = this.#currentUrl = toWebSocketUrl(url);
      this.#transport = this.#factory.connect(href, toProtocolList(list), (event) => {
        if (id === this.#attempt) this.#onTransportEvent(id, event);
      });
    } catch (cause) {
      // A URL or protocol the function gave, or the transport refused: retrying cannot help.
      this.#error("INVALID_URL", (cause as Error).message, cause);
      if (id === this.#attempt) this.#finish(undefined);
    }
  }

  #onTransportEvent(id: number, event: TransportEvent): void {
    const type = event.type;
    if (type === "open") this.#opened(id, event.protocol, event.extensions);
    else if (type === "error") this.#emit("error", event.error);
    else if (type === "close") {
      // Any transport: a code outside 1000-4999 after an unclean close is 1006.
      this.#ended(id, { ...event, code: closeCode(event.code, event.wasClean) });
    } else if (!this.#watch?.seen(event.data)) {
      if (type === "pong") this.#emit("pong", event.data);
      else {
        const data = event.data;
        this.#emit(
          "message",
          { type: typeof data === "string" ? "text" : "binary", data } as Message,
        );
      }
    }
  }

  #opened(id: number, protocol: string, extensions: string): void {
    const transport = this.#transport;
    if (!transport || this.#state !== "connecting") return;
    this.#stopTimers();
    const queue = this.#queue;
    const clock = this.#clock;
    this.#openedAt = clock.now();
    this.#protocol = protocol;
    // Queued messages go out before any handler runs, so they precede every newer send.
    for (let entry; (entry = queue.peek()); queue.shift()) {
      try {
        transport.send(entry.data);
      } catch (cause) {
        // Not sent: the entry stays first in the queue for the next connection.
        this.#error("TRANSPORT_ERROR", "Queued send refused", cause);
        transport.abort();
        this.#ended(id, { code: 1006, reason: "send failed", wasClean: false });
        return;
      }
    }
    const heartbeat = this.#heartbeat;
    this.#watch = heartbeat
      ? heartbeat.watch(
        transport,
        clock,
        () => this.#fail(id, "HEARTBEAT_TIMEOUT", "heartbeat timeout", transport),
      )
      : undefined;
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    this.#setState("open");
    if (id === this.#attempt && (this.#state as ClientState) === "open") {
      this.#emit("open", { url: this.#currentUrl!, protocol, extensions, reconnected });
    }
  }

  /**
   * Reports a `code` error (`reason` is its message), drops the transport (`transport`, else
   * the current one once the handlers ran) and ends attempt `id` with 1006 and `reason`.
   */
  #fail(id: number, code: ClientErrorCode, reason: string, transport?: Transport): void {
    if (id !== this.#attempt) return;
    this.#error(code, reason);
    (transport ?? this.#transport)?.abort();
    this.#ended(id, { code: 1006, reason, wasClean: false });
  }

  /** A connection or attempt ended: finish a requested close, retry, or stop. */
  #ended(id: number, ending: Ending): void {
    if (id !== this.#attempt) return;
    // From here on nothing of the ended attempt (transport, timer, async step) is heard.
    const gen = ++this.#attempt;
    this.#stopTimers();
    this.#transport = undefined;
    const backoff = this.#backoff;
    const openedAt = this.#openedAt;
    const opened = openedAt !== undefined;
    if (opened) backoff.connectionEnded(this.#clock.now() - openedAt);
    this.#openedAt = undefined;
    this.#protocol = "";
    const { code, reason, wasClean, status } = ending;
    const context: CloseContext = { code, reason, wasClean, opened };
    if (status !== undefined) (context as { status?: number }).status = status;
    if (this.#state === "closing") {
      this.#finish({ ...context, willReconnect: false });
      return;
    }
    let delay: number | undefined;
    let error: Error | undefined;
    try {
      const decision = this.#closePolicy(context);
      if (decision.action === "retry") {
        delay = backoff.next();
        if (delay === undefined) {
          error = new ClientError("MAX_RETRIES", `Gave up after ${backoff.maxRetries} retries`);
        } else delay = Math.min(delay + (decision.minDelay ?? 0), 2_147_483_647);
      } else if (status) {
        // The policy stopped on the refusal: say why.
        error = new ClientError("HANDSHAKE_REFUSED", `HTTP ${status}${reason && ": " + reason}`);
      }
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
    }
    if (error) this.#emit("error", error);
    if (gen !== this.#attempt) return;
    if (delay === undefined) {
      this.#finish({ ...context, willReconnect: false });
      return;
    }
    this.#emit("close", { ...context, willReconnect: true });
    if (gen !== this.#attempt || this.#state === "closed") return;
    this.#setState("reconnecting");
    if (gen !== this.#attempt || (this.#state as ClientState) !== "reconnecting") return;
    this.#schedule(() => {
      if (gen === this.#attempt) this.#startAttempt();
    }, delay);
    this.#emit("reconnecting", { attempt: backoff.attempt, delay });
  }

  /** Enters `closed` for good; reports the close and the unsent messages. */
  #finish(event: ClientCloseEvent | undefined): QueuedMessage[] {
    const id = ++this.#attempt;
    this.#stopTimers();
    this.#transport = undefined;
    if (event) {
      this.#emit("close", event);
      if (id !== this.#attempt || this.#state === "closed") return [];
    }
    const unsent = this.#queue.clear();
    this.#setState("closed");
    if (unsent.length) this.#emit("unsent", unsent);
    return unsent;
  }
}
