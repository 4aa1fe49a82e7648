// This module is browser compatible.
/**
 * {@linkcode WirelyClient}: a WebSocket client that reconnects with backoff, queues sends
 * while offline, and detects dead connections.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { ClientEventMap, ClientEventType, ClientState } from "./events.ts";
import { ClientCore } from "./_core.ts";
import { Emitter } from "./_emitter.ts";
import {
  checkCloseArguments,
  type ClientSettings,
  resolveSendOptions,
  resolveSettings,
  toOutgoing,
  toProtocolList,
  toWebSocketUrl,
} from "./_options.ts";
import type { SendData, SendOptions, UrlSource, WirelyClientOptions } from "./options.ts";
import { byteLength, type QueuedMessage } from "./queue.ts";

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
  readonly #settings: ClientSettings;
  readonly #events: Emitter<ClientEventMap>;
  readonly #core: ClientCore;

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
    this.#settings = resolveSettings(options);
    const { unhandledError } = this.#settings;
    this.#events = new Emitter((type, event) => {
      if (type === "error" && unhandledError !== undefined) unhandledError(event as Error);
    });
    const protocols = options.protocols ?? [];
    this.#core = new ClientCore(
      typeof url === "function" ? url : toWebSocketUrl(url),
      typeof protocols === "function" ? protocols : toProtocolList(protocols),
      this.#settings,
      this.#events,
    );
    if (this.#settings.autoConnect && this.#core.state === "idle") {
      queueMicrotask(() => {
        if (this.#core.state === "idle") this.#core.connect();
      });
    }
  }

  /** The current state (see {@linkcode ClientState}). */
  get state(): ClientState {
    return this.#core.state;
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
    return this.#core.protocol;
  }

  /** The URL of the current or last attempt, once it is known. */
  get url(): string | undefined {
    return this.#core.url;
  }

  /** Bytes handed to the open connection but not yet written, as its transport counts them. */
  get bufferedAmount(): number {
    return this.#core.transport?.bufferedAmount ?? 0;
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
    return this.#core.opened;
  }

  /**
   * Adds an event handler (see {@linkcode ClientEventMap}).
   *
   * @returns A function that removes the handler.
   */
  on<K extends ClientEventType>(type: K, handler: (event: ClientEventMap[K]) => void): () => void {
    return this.#events.on(type, handler);
  }

  /** Removes a handler added with {@linkcode WirelyClient.on}. */
  off<K extends ClientEventType>(type: K, handler: (event: ClientEventMap[K]) => void): void {
    this.#events.off(type, handler);
  }

  /**
   * Starts connecting (with `autoConnect: false`), or skips the wait of a scheduled retry. Does
   * nothing while connecting or open.
   *
   * @throws {InvalidStateError} After `close()`.
   */
  connect(): void {
    this.#core.connect();
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
    const state = this.#core.state;
    if (state === "closed" || state === "closing") {
      throw new InvalidStateError(`Cannot send as the client is ${state}`);
    }
    const { volatile, ttl } = resolveSendOptions(options);
    const outgoing = toOutgoing(data);
    const transport = this.#core.transport;
    if (state === "open" && transport !== undefined) {
      transport.send(outgoing);
      return true;
    }
    if (volatile) return false;
    const { queue, clock } = this.#settings;
    const now = clock.now();
    const copy = outgoing instanceof Uint8Array ? outgoing.slice() : outgoing;
    if (!queue.fits(byteLength(copy))) {
      const expired = queue.removeExpired(now);
      if (expired.length > 0) this.#events.emit("expired", expired);
    }
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
    return this.#core.checkLiveness();
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
    const transport = this.#core.transport;
    if (this.#core.state !== "open" || transport?.ping === undefined) return false;
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
    return this.#core.close(code, reason);
  }
}
