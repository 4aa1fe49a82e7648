// This module is browser compatible.
/**
 * {@linkcode WirelyClient}: a WebSocket client that reconnects with backoff, queues sends
 * while offline, and detects dead connections.
 *
 * One class holds the life cycle (states, attempts, timers); steps without state of their own
 * live beside it: option checks (`_options.ts`), the queue flush (`_queue_flush.ts`) and the
 * retry decision (`_retry.ts`). Every transport event, timer and async step carries the id of
 * its attempt; bumping the id mutes all of them at once. Kept in one class (not a facade over
 * a core) because each delegating member is shipped to every page.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { CloseContext } from "./close_policy.ts";
import { ClientError, type ClientErrorCode } from "./errors.ts";
import type { ClientCloseEvent, ClientEventMap, ClientEventType, ClientState } from "./events.ts";
import type { HeartbeatWatch } from "./heartbeat.ts";
import { closeCode } from "./native_transport.ts";
import type { NetworkSignal } from "./network.ts";
import {
  checkCloseArguments,
  type ClientSettings,
  closedError,
  resolveSendOptions,
  resolveSettings,
  toOutgoing,
  toProtocolList,
  toWebSocketUrl,
} from "./_options.ts";
import type {
  ProtocolsSource,
  SendData,
  SendOptions,
  UrlSource,
  WirelyClientOptions,
} from "./options.ts";
import { byteLength, type QueuedMessage } from "./queue.ts";
import { sendQueued } from "./_queue_flush.ts";
import { retryDelay } from "./_retry.ts";
import type { Transport, TransportEvent } from "./transport.ts";

type Ending = Omit<CloseContext, "opened">;
type Handler = (event: never) => void;

/** Reports a handler's error the way `EventTarget` does, so a bug is never swallowed. */
function report(error: unknown): void {
  const scope: { reportError?: (error: unknown) => void } = globalThis;
  if (typeof scope.reportError === "function") scope.reportError(error);
  else {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

/**
 * A reconnecting WebSocket client.
 *
 * - Reconnects with exponential backoff and full jitter, by a close-code policy.
 * - Queues sends made while not open (bounded; `QUEUE_FULL` when full) and sends them, in
 *   order and once, before anything newer when a connection opens. Delivery is at most once:
 *   a message handed to a connection that then dies may be lost.
 * - Text arrives as `string`, binary as `Uint8Array`.
 * - Never reconnects after {@linkcode WirelyClient.close} or an abort.
 * - Heartbeat, network signals, JSON and `for await` are opt-in functions (`heartbeat()`,
 *   `browserNetworkSignals()`, `sendJson`/`onJson`, `messages`), so a page pays only for what it
 *   imports.
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
  readonly #settings: ClientSettings;
  readonly #handlers = new Map<ClientEventType, Set<Handler>>();
  #state: ClientState = "idle";
  /** Id of the current attempt; bumped to mute a transport, a timer or an async step. */
  #attempt = 0;
  #transport: Transport | undefined;
  #timer: (() => void) | undefined;
  #heartbeat: HeartbeatWatch | undefined;
  #openedAt: number | undefined;
  #protocol = "";
  #everOpened = false;
  #currentUrl: string | undefined;
  #abortReason: unknown;
  /** The pending `opened` promise and its settle function (`undefined`: resolve). */
  #waiter: [Promise<void>, (error?: Error) => void] | undefined;
  #unsubscribeNetwork: (() => void) | undefined;
  readonly #onAbort = (): void => {
    this.#abortReason = this.#settings.signal?.reason;
    this.#close(1000, "");
  };

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
    const settings = this.#settings = resolveSettings(options);
    const protocols = options.protocols ?? [];
    this.#url = typeof url === "function" ? url : toWebSocketUrl(url);
    this.#protocols = typeof protocols === "function" ? protocols : toProtocolList(protocols);
    const { signal } = settings;
    if (signal?.aborted) {
      // Closed before it started: no events, nobody listens yet.
      this.#abortReason = signal.reason;
      this.#state = "closed";
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#unsubscribeNetwork = settings.network?.subscribe((signal: NetworkSignal) => {
      if (signal === "online" && this.#state === "reconnecting") this.#startAttempt();
      else this.checkLiveness();
    });
    if (settings.autoConnect) {
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

  /** Bytes handed to the open connection but not yet written, as its transport counts them. */
  get bufferedAmount(): number {
    return this.#transport?.bufferedAmount ?? 0;
  }

  /** Messages waiting in the offline queue. */
  get queuedMessages(): number {
    return this.#settings.queue.length;
  }

  /** Bytes waiting in the offline queue. */
  get queuedBytes(): number {
    return this.#settings.queue.bytes;
  }

  /**
   * Resolves when the client is open: now if it is, else at the next open. Rejects with a
   * {@linkcode ClientError} `CLOSED` if the client closes first.
   */
  get opened(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(closedError(this.#abortReason));
    if (this.#waiter === undefined) {
      let settle!: (error?: Error) => void;
      const promise = new Promise<void>((resolve, reject) => {
        settle = (error) => error === undefined ? resolve() : reject(error);
      });
      promise.catch(() => {}); // a rejection nobody awaits is not an unhandled one
      this.#waiter = [promise, settle];
    }
    return this.#waiter[0];
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
    if (set?.delete(handler) && set.size === 0) this.#handlers.delete(type);
  }

  /**
   * Starts connecting (with `autoConnect: false`), or skips the wait of a scheduled retry. Does
   * nothing while connecting or open.
   *
   * @throws {InvalidStateError} After `close()`.
   */
  connect(): void {
    const state = this.#state;
    if (state === "closed" || state === "closing") {
      throw new InvalidStateError(`Cannot connect as the client is ${state}`);
    }
    if (state === "idle" || state === "reconnecting") this.#startAttempt();
  }

  /**
   * Sends a message now when open; otherwise queues it (unless `volatile`).
   *
   * @param data Text, or bytes (`Uint8Array`, `ArrayBuffer`, any view, `Blob`).
   * @param options `volatile` and `ttl`.
   * @returns `true` when sent or queued, `false` when dropped (`volatile` and not open).
   * @throws {ClientError} `QUEUE_FULL` when the queue has no room.
   * @throws {InvalidStateError} After `close()`.
   */
  send(data: SendData, options: SendOptions = {}): boolean {
    const state = this.#state;
    if (state === "closed" || state === "closing") {
      throw new InvalidStateError(`Cannot send as the client is ${state}`);
    }
    const { volatile, ttl } = resolveSendOptions(options);
    const outgoing = toOutgoing(data);
    const transport = this.#transport;
    if (state === "open" && transport !== undefined) {
      transport.send(outgoing);
      return true;
    }
    if (volatile) return false;
    const { queue, clock } = this.#settings;
    const now = clock.now();
    const copy = outgoing instanceof Uint8Array ? outgoing.slice() : outgoing;
    if (!queue.fits(byteLength(copy))) this.#expired(queue.removeExpired(now));
    queue.push(copy, now, ttl);
    return true;
  }

  /**
   * Checks the connection now: sends the heartbeat ping (unless one is waiting for its answer)
   * so a dead connection is found within the heartbeat `timeout`, and a ping frame where the
   * transport can send one (its pong counts as life). Never closes the connection by itself.
   * The client calls it on `offline`, `online` and when the page becomes visible (see the
   * `network` option); call it yourself when the network may have changed.
   *
   * @returns `false` when the client is not open, or neither the heartbeat nor ping frames
   *   are available.
   */
  checkLiveness(): boolean {
    const checked = this.ping();
    if (this.#heartbeat === undefined || this.#state !== "open") return checked;
    this.#heartbeat.check();
    return true;
  }

  /**
   * Sends a real ping frame, where the transport can (`tcpTransport` can; the
   * WebSocket API cannot). Its answer arrives as a `pong` event and counts as life for the
   * heartbeat.
   *
   * @param data At most 125 bytes the pong will echo.
   * @returns `false` when the client is not open (or the server already sent its close frame)
   *   or its transport cannot send ping frames.
   * @throws {RangeError} When `data` is longer than 125 bytes.
   */
  ping(data?: Uint8Array): boolean {
    const transport = this.#transport;
    if (this.#state !== "open" || transport?.ping === undefined) return false;
    try {
      transport.ping(data);
    } catch (error) {
      if (error instanceof InvalidStateError) return false;
      throw error;
    }
    return true;
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

  #close(code: number, reason: string): QueuedMessage[] {
    if (this.#state === "closed" || this.#state === "closing") return [];
    this.#stopNetwork();
    const transport = this.#transport;
    if (this.#state === "open" && transport !== undefined) {
      this.#stopTimers();
      this.#setState("closing");
      const id = this.#attempt;
      this.#schedule(() => {
        if (id === this.#attempt) {
          const message = "The server did not answer the close frame in time";
          this.#fail(id, "CLOSE_TIMEOUT", message, "close timeout");
        }
      }, this.#settings.closeTimeout);
      transport.close(code, reason);
      return [];
    }
    this.#attempt++;
    this.#transport = undefined;
    transport?.abort();
    const ending = { code, reason, wasClean: false, opened: false, willReconnect: false };
    return this.#finish(transport && ending);
  }

  /** Calls every handler of `type` in order; a throwing handler does not stop the others. */
  #emit<K extends ClientEventType>(type: K, event: ClientEventMap[K]): void {
    const unhandled = this.#settings.unhandledError;
    const set = this.#handlers.get(type) ??
      (type === "error" && unhandled !== undefined ? [unhandled] : []);
    for (const handler of [...set]) {
      try {
        (handler as (event: ClientEventMap[K]) => void)(event);
      } catch (error) {
        report(error);
      }
    }
  }

  #expired(expired: QueuedMessage[]): void {
    if (expired.length > 0) this.#emit("expired", expired);
  }

  #stopNetwork(): void {
    this.#unsubscribeNetwork?.();
    this.#unsubscribeNetwork = undefined;
  }

  /** The state now, past TypeScript's narrowing (handlers may have changed it). */
  #now(): ClientState {
    return this.#state;
  }

  #setState(state: ClientState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emit("state", { state, previous });
  }

  #schedule(task: () => void, delay: number): void {
    this.#timer = this.#settings.clock.schedule(task, delay);
  }

  #stopTimers(): void {
    this.#timer?.();
    this.#heartbeat?.stop();
    this.#timer = undefined;
    this.#heartbeat = undefined;
  }

  #startAttempt(): void {
    this.#stopTimers();
    const id = ++this.#attempt;
    this.#setState("connecting");
    if (id !== this.#attempt) return;
    this.#schedule(() => {
      if (id !== this.#attempt) return;
      this.#timer = undefined;
      this.#fail(id, "CONNECT_TIMEOUT", "The connection did not open in time", "connect timeout");
    }, this.#settings.connectTimeout);
    void this.#open(id);
  }

  async #open(id: number): Promise<void> {
    let url: string | URL;
    let protocols: string | readonly string[];
    try {
      url = typeof this.#url === "function" ? await this.#url() : this.#url;
      protocols = typeof this.#protocols === "function" ? await this.#protocols() : this.#protocols;
    } catch (cause) {
      if (id !== this.#attempt) return;
      const message = "The URL or protocols function failed";
      this.#emit("error", new ClientError("URL_PROVIDER_FAILED", message, { cause }));
      this.#ended(id, { code: 1006, reason: "URL provider failed", wasClean: false });
      return;
    }
    if (id !== this.#attempt || this.#state !== "connecting") return;
    try {
      const href = toWebSocketUrl(url);
      const list = toProtocolList(protocols);
      this.#currentUrl = href;
      this.#transport = this.#settings.transport.connect(
        href,
        list,
        (event) => this.#onTransportEvent(id, event),
      );
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      this.#emit("error", new ClientError("INVALID_URL", message, { cause }));
      if (id === this.#attempt) this.#finish(undefined);
    }
  }

  #onTransportEvent(id: number, event: TransportEvent): void {
    if (id !== this.#attempt) return;
    const type = event.type;
    if (type === "open") this.#opened(id, event.protocol, event.extensions);
    else if (type === "message") this.#received(event.data);
    else if (type === "pong") {
      this.#heartbeat?.seen();
      this.#emit("pong", event.data);
    } else if (type === "error") this.#emit("error", event.error);
    else {
      this.#transport = undefined;
      // Any transport: a code outside 1000-4999 after an unclean close is 1006.
      this.#ended(id, { ...event, code: closeCode(event.code, event.wasClean) });
    }
  }

  #opened(id: number, protocol: string, extensions: string): void {
    const transport = this.#transport;
    if (transport === undefined || this.#state !== "connecting") return;
    this.#stopTimers();
    const { clock, queue, heartbeat } = this.#settings;
    const now = this.#openedAt = clock.now();
    this.#protocol = protocol;
    // Queued messages go out before any handler runs, so they precede every newer send.
    const { expired, failure } = sendQueued(queue, transport, now);
    if (failure !== undefined) {
      this.#emit("error", failure);
      this.#expired(expired);
      transport.abort();
      this.#ended(id, { code: 1006, reason: "send failed", wasClean: false });
      return;
    }
    this.#heartbeat = heartbeat?.watch(
      clock,
      () => transport.send(heartbeat.ping),
      () => {
        const message = "Nothing arrived within the heartbeat timeout";
        this.#fail(id, "HEARTBEAT_TIMEOUT", message, "heartbeat timeout", transport);
      },
    );
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    this.#setState("open");
    if (id !== this.#attempt || this.#now() !== "open") return;
    this.#expired(expired);
    this.#emit("open", { url: this.#currentUrl ?? "", protocol, extensions, reconnected });
    this.#settle();
  }

  /** Settles the pending `opened` promise, if any: fulfils it, or rejects it with `error`. */
  #settle(error?: Error): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.[1](error);
  }

  #received(data: string | Uint8Array): void {
    this.#heartbeat?.seen();
    if (typeof data !== "string") {
      this.#emit("message", { type: "binary", data });
      return;
    }
    const heartbeat = this.#settings.heartbeat;
    if (heartbeat !== undefined && (data === heartbeat.pong || data === heartbeat.ping)) return;
    this.#emit("message", { type: "text", data });
  }

  /**
   * Reports a `code` error, drops the transport (`transport`, else the current one once the
   * handlers ran) and ends attempt `id` with 1006 and `reason`.
   */
  #fail(
    id: number,
    code: ClientErrorCode,
    message: string,
    reason: string,
    transport?: Transport,
  ): void {
    this.#emit("error", new ClientError(code, message));
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
    const { backoff, clock, closePolicy } = this.#settings;
    const openedAt = this.#openedAt;
    const opened = openedAt !== undefined;
    if (opened) backoff.connectionEnded(clock.now() - openedAt);
    this.#openedAt = undefined;
    this.#protocol = "";
    const { code, reason, wasClean, status } = ending;
    const context: CloseContext = status === undefined
      ? { code, reason, wasClean, opened }
      : { code, reason, wasClean, opened, status };
    if (this.#state === "closing") {
      this.#finish({ ...context, willReconnect: false });
      return;
    }
    let reported = false;
    const delay = retryDelay(closePolicy, backoff, context, (error) => {
      reported = true;
      this.#emit("error", error);
    });
    if (gen !== this.#attempt) return;
    if (delay === undefined) {
      // The policy stopped on the refusal (not `maxRetries`, not a throwing policy): say why.
      if (status !== undefined && !reported) {
        const why = reason === "" ? "" : `: ${reason}`;
        const message = `The server refused the handshake with HTTP ${status}${why}`;
        this.#emit("error", new ClientError("HANDSHAKE_REFUSED", message));
        if (gen !== this.#attempt) return;
      }
      this.#finish({ ...context, willReconnect: false });
      return;
    }
    this.#emit("close", { ...context, willReconnect: true });
    if (gen !== this.#attempt || this.#now() === "closed") return;
    this.#setState("reconnecting");
    if (gen !== this.#attempt || this.#now() !== "reconnecting") return;
    this.#schedule(() => {
      this.#timer = undefined;
      if (gen === this.#attempt && this.#state === "reconnecting") this.#startAttempt();
    }, delay);
    this.#emit("reconnecting", { attempt: backoff.attempt, delay });
  }

  /** Enters `closed` for good; reports the close, expired and unsent messages. */
  #finish(event: ClientCloseEvent | undefined): QueuedMessage[] {
    this.#attempt++;
    this.#stopTimers();
    this.#transport = undefined;
    this.#settings.signal?.removeEventListener("abort", this.#onAbort);
    this.#stopNetwork();
    if (event !== undefined) {
      const id = this.#attempt;
      this.#emit("close", event);
      if (id !== this.#attempt || this.#now() === "closed") return [];
    }
    const { queue, clock } = this.#settings;
    const expired = queue.removeExpired(clock.now());
    const unsent = queue.clear();
    this.#setState("closed");
    this.#expired(expired);
    if (unsent.length > 0) this.#emit("unsent", unsent);
    this.#settle(closedError(this.#abortReason));
    return unsent;
  }
}
