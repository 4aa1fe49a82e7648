// This module is browser compatible.
/**
 * The life cycle behind {@linkcode WirelyClient}: states, attempts, timers and the heartbeat.
 * Every transport event, timer and async step carries the id of its attempt; bumping the id
 * mutes all of them at once. Steps without state of their own live beside it: the queue flush
 * (`_queue_flush.ts`), the retry decision (`_retry.ts`) and the `opened` promise (`_opened.ts`).
 * The heartbeat and network signals are plugins passed in the options: their code is theirs.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { CloseContext } from "./close_policy.ts";
import { ClientError, type ClientErrorCode } from "./errors.ts";
import type { ClientCloseEvent, ClientEventMap, ClientState } from "./events.ts";
import type { Emitter } from "./_emitter.ts";
import type { HeartbeatWatch } from "./heartbeat.ts";
import { OpenedWaiter } from "./_opened.ts";
import { closeCode } from "./native_transport.ts";
import { type ClientSettings, closedError, toProtocolList, toWebSocketUrl } from "./_options.ts";
import { sendQueued } from "./_queue_flush.ts";
import { retryDelay } from "./_retry.ts";
import type { ProtocolsSource, UrlSource } from "./options.ts";
import type { NetworkSignal } from "./network.ts";
import type { QueuedMessage } from "./queue.ts";
import type { Transport, TransportEvent } from "./transport.ts";

type Ending = Omit<CloseContext, "opened">;

/** The client's state machine; {@linkcode WirelyClient} is its public face. */
export class ClientCore {
  readonly #url: UrlSource;
  readonly #protocols: ProtocolsSource;
  readonly #settings: ClientSettings;
  readonly #events: Emitter<ClientEventMap>;
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
  readonly #waiter = new OpenedWaiter();
  #unsubscribeNetwork: (() => void) | undefined;
  readonly #onNetwork = (signal: NetworkSignal): void => {
    if (signal === "online" && this.#state === "reconnecting") this.#startAttempt();
    else if (this.#state === "open") this.checkLiveness();
  };
  readonly #onAbort = (): void => {
    this.#abortReason = this.#settings.signal?.reason;
    this.close(1000, "");
  };

  constructor(
    url: UrlSource,
    protocols: ProtocolsSource,
    settings: ClientSettings,
    events: Emitter<ClientEventMap>,
  ) {
    this.#url = url;
    this.#protocols = protocols;
    this.#settings = settings;
    this.#events = events;
    const { signal } = settings;
    if (signal?.aborted) {
      // Closed before it started: no events, nobody listens yet.
      this.#abortReason = signal.reason;
      this.#state = "closed";
    } else {
      signal?.addEventListener("abort", this.#onAbort, { once: true });
      this.#unsubscribeNetwork = settings.network?.subscribe(this.#onNetwork);
    }
  }

  get state(): ClientState {
    return this.#state;
  }

  get protocol(): string {
    return this.#protocol;
  }

  get url(): string | undefined {
    return this.#currentUrl;
  }

  /** The open transport: defined only in `open` and `closing`. */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  get opened(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(closedError(this.#abortReason));
    return this.#waiter.promise;
  }

  connect(): void {
    if (this.#state === "closed" || this.#state === "closing") {
      throw new InvalidStateError(`Cannot connect as the client is ${this.#state}`);
    }
    if (this.#state === "idle" || this.#state === "reconnecting") this.#startAttempt();
  }

  /** Heartbeat ping now (if on) and a ping frame (if the transport has them). */
  checkLiveness(): boolean {
    const transport = this.#transport;
    if (this.#state !== "open" || transport === undefined) return false;
    let checked = false;
    if (transport.ping !== undefined) {
      try {
        transport.ping();
        checked = true;
      } catch (error) {
        if (!(error instanceof InvalidStateError)) throw error;
      }
    }
    if (this.#heartbeat !== undefined && this.#now() === "open") {
      this.#heartbeat.check();
      checked = true;
    }
    return checked;
  }

  /** Arguments already checked. */
  close(code: number, reason: string): QueuedMessage[] {
    if (this.#state === "closed" || this.#state === "closing") return [];
    this.#stopNetwork();
    const transport = this.#transport;
    if (this.#state === "open" && transport !== undefined) {
      this.#stopTimers();
      this.#setState("closing");
      const id = this.#attempt;
      this.#timer = this.#settings.clock.schedule(() => {
        if (id !== this.#attempt) return;
        const message = "The server did not answer the close frame in time";
        this.#fail(id, "CLOSE_TIMEOUT", message, "close timeout");
      }, this.#settings.closeTimeout);
      transport.close(code, reason);
      return [];
    }
    this.#attempt++;
    this.#transport = undefined;
    transport?.abort();
    const ending = { code, reason, wasClean: false, opened: false, willReconnect: false };
    return this.#finish(transport === undefined ? undefined : ending);
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
    this.#events.emit("state", { state, previous });
  }

  #stopTimers(): void {
    this.#timer?.();
    this.#timer = undefined;
    this.#heartbeat?.stop();
    this.#heartbeat = undefined;
  }

  #startAttempt(): void {
    this.#stopTimers();
    const id = ++this.#attempt;
    this.#setState("connecting");
    if (id !== this.#attempt) return;
    this.#timer = this.#settings.clock.schedule(() => {
      if (id !== this.#attempt) return;
      this.#timer = undefined;
      const message = "The connection did not open in time";
      this.#fail(id, "CONNECT_TIMEOUT", message, "connect timeout");
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
      this.#events.emit("error", new ClientError("URL_PROVIDER_FAILED", message, { cause }));
      this.#ended(id, { code: 1006, reason: "URL provider failed", wasClean: false });
      return;
    }
    if (id !== this.#attempt || this.#state !== "connecting") return;
    let transport: Transport;
    try {
      const href = toWebSocketUrl(url);
      const list = toProtocolList(protocols);
      this.#currentUrl = href;
      transport = this.#settings.transport.connect(
        href,
        list,
        (event) => this.#onTransportEvent(id, event),
      );
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      this.#events.emit("error", new ClientError("INVALID_URL", message, { cause }));
      if (id === this.#attempt) this.#finish(undefined);
      return;
    }
    this.#transport = transport;
  }

  #onTransportEvent(id: number, event: TransportEvent): void {
    if (id !== this.#attempt) return;
    switch (event.type) {
      case "open":
        this.#opened(id, event.protocol, event.extensions);
        break;
      case "message":
        this.#received(event.data);
        break;
      case "pong":
        this.#heartbeat?.seen();
        this.#events.emit("pong", event.data);
        break;
      case "error":
        this.#events.emit("error", event.error);
        break;
      case "close":
        this.#transport = undefined;
        // Any transport: a code outside 1000-4999 after an unclean close is 1006.
        this.#ended(id, { ...event, code: closeCode(event.code, event.wasClean) });
        break;
    }
  }

  #opened(id: number, protocol: string, extensions: string): void {
    const transport = this.#transport;
    if (transport === undefined || this.#state !== "connecting") return;
    this.#stopTimers();
    const { clock, queue, heartbeat } = this.#settings;
    const now = clock.now();
    this.#openedAt = now;
    this.#protocol = protocol;
    // Queued messages go out before any handler runs, so they precede every newer send.
    const { expired, failure } = sendQueued(queue, transport, now);
    if (failure !== undefined) {
      this.#events.emit("error", failure);
      if (expired.length > 0) this.#events.emit("expired", expired);
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
    if (expired.length > 0) this.#events.emit("expired", expired);
    this.#events.emit("open", { url: this.#currentUrl ?? "", protocol, extensions, reconnected });
    this.#waiter.resolve();
  }

  #received(data: string | Uint8Array): void {
    this.#heartbeat?.seen();
    if (typeof data !== "string") {
      this.#events.emit("message", { type: "binary", data });
      return;
    }
    const heartbeat = this.#settings.heartbeat;
    if (heartbeat !== undefined && (data === heartbeat.pong || data === heartbeat.ping)) return;
    this.#events.emit("message", { type: "text", data });
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
    this.#events.emit("error", new ClientError(code, message));
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
    const opened = this.#openedAt !== undefined;
    if (this.#openedAt !== undefined) backoff.connectionEnded(clock.now() - this.#openedAt);
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
      this.#events.emit("error", error);
    });
    if (gen !== this.#attempt) return;
    if (delay === undefined) {
      // The policy stopped on the refusal (not `maxRetries`, not a throwing policy): say why.
      if (status !== undefined && !reported) {
        const why = reason === "" ? "" : `: ${reason}`;
        const message = `The server refused the handshake with HTTP ${status}${why}`;
        this.#events.emit("error", new ClientError("HANDSHAKE_REFUSED", message));
        if (gen !== this.#attempt) return;
      }
      this.#finish({ ...context, willReconnect: false });
      return;
    }
    this.#events.emit("close", { ...context, willReconnect: true });
    if (gen !== this.#attempt || this.#now() === "closed") return;
    this.#setState("reconnecting");
    if (gen !== this.#attempt || this.#now() !== "reconnecting") return;
    this.#timer = clock.schedule(() => {
      this.#timer = undefined;
      if (gen === this.#attempt && this.#state === "reconnecting") this.#startAttempt();
    }, delay);
    this.#events.emit("reconnecting", { attempt: backoff.attempt, delay });
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
      this.#events.emit("close", event);
      if (id !== this.#attempt || this.#now() === "closed") return [];
    }
    const { queue, clock } = this.#settings;
    const expired = queue.removeExpired(clock.now());
    const unsent = queue.clear();
    this.#setState("closed");
    if (expired.length > 0) this.#events.emit("expired", expired);
    if (unsent.length > 0) this.#events.emit("unsent", unsent);
    this.#waiter.reject(closedError(this.#abortReason));
    return unsent;
  }
}
