/**
 * {@linkcode RedisAdapter}: the {@linkcode PubSubAdapter} that links wirely servers in several
 * processes through Redis pub/sub, over the `redis` (node-redis) clients you create.
 *
 * @module
 */

import { Buffer } from "node:buffer"; // node-redis takes `string | Buffer`, not a plain Uint8Array
import type { RedisAdapterOptions, RedisPublisher, RedisSubscriber } from "./clients.ts";
import { InvalidStateError } from "../codec/errors.ts";
import type { AdapterServer, BroadcastEnvelope, PubSubAdapter } from "../server/pubsub.ts";
import { decodeMessage, encodeAnswer, encodeEnvelopes, encodeQuery, sameRouting } from "./_wire.ts";
import { CountQueries } from "./_count_queries.ts";
import { BackplaneError } from "./errors.ts";

type Listener = (message: Uint8Array, channel: Uint8Array) => void;

/** Broadcasts on one channel with the same routing, made one after the other. */
interface Run {
  channel: string;
  envelopes: BroadcastEnvelope[];
}

interface Node {
  id: string;
  server: AdapterServer;
  rooms: Set<string>;
}

/**
 * Links servers in several processes (or machines) through Redis pub/sub. Give each server its
 * own adapter, with a publisher client and a subscriber client of the `redis` package; the
 * adapter never creates, connects or closes them. A server subscribes to a room's channel only
 * while it has local members in that room. Delivery to other servers is at most once: what is
 * published while Redis is unreachable is dropped (see {@linkcode RedisAdapter.dropped}); local
 * members always get it. The broadcasts a server makes in one task (the events of one socket
 * read, a loop of `emit`s) are published together, in order, once that task's code has run:
 * consecutive ones to the same rooms as one `PUBLISH`. Guide: `docs/scale-out.md`.
 *
 * @example A server on Redis (needs a Redis and the `redis` package)
 * ```ts ignore
 * import { createClient } from "redis";
 * import { serve } from "@wirely/wirely/server";
 * import { RedisAdapter } from "@wirely/wirely/redis";
 * const publisher = createClient({ url: "redis://127.0.0.1:6379" });
 * publisher.on("error", () => {}); // the adapter reports outages to the server's onError
 * const subscriber = publisher.duplicate();
 * subscriber.on("error", () => {});
 * await Promise.all([publisher.connect(), subscriber.connect()]);
 * const adapter = new RedisAdapter({ publisher, subscriber });
 * const server = await serve({ port: 8080, adapter, onOpen: (conn) => conn.join("lobby") });
 * server.broadcast("hello", { room: "lobby" }); // every server's members of "lobby"
 * console.log(await adapter.count("lobby")); // members of "lobby" on every server
 * ```
 *
 * @example Without Redis: the options it checks
 * ```ts
 * import { RedisAdapter } from "@wirely/wirely/redis";
 * try {
 *   new RedisAdapter({ publisher: undefined!, subscriber: undefined! });
 * } catch (error) {
 *   console.log((error as Error).name); // TypeError
 * }
 * ```
 */
export class RedisAdapter implements PubSubAdapter {
  readonly #publisher: RedisPublisher;
  readonly #subscriber: RedisSubscriber;
  readonly #prefix: string;
  readonly #queries: CountQueries;
  readonly #listener: Listener = (message) => this.#receive(message);
  readonly #pending = new Set<Promise<unknown>>();
  readonly #unsubscribeLater = new Set<string>();
  #node: Node | undefined;
  /** Broadcasts made in the current task, published together by a microtask. */
  #outgoing: Run[] = [];
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  #lost = false;

  /**
   * Creates the adapter; nothing happens on Redis until a server starts with it.
   *
   * @throws {TypeError | RangeError} For a missing client or a bad option.
   */
  constructor(options: RedisAdapterOptions) {
    const { publisher, subscriber, prefix = "wirely", countTimeout = 5_000 } = options ?? {};
    for (const [name, client] of [["publisher", publisher], ["subscriber", subscriber]] as const) {
      if (typeof client !== "object" || client === null) {
        throw new TypeError(
          `Cannot create RedisAdapter as '${name}' must be a redis client: current value is ${
            client === null ? "null" : typeof client
          }`,
        );
      }
    }
    if (typeof prefix !== "string") {
      throw new TypeError(
        `Cannot create RedisAdapter as 'prefix' must be a string: current value is ${typeof prefix}`,
      );
    }
    if (!Number.isFinite(countTimeout) || countTimeout <= 0) {
      throw new RangeError(
        `Cannot create RedisAdapter as 'countTimeout' must be > 0 milliseconds: current value is ${countTimeout}`,
      );
    }
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#queries = new CountQueries(
      countTimeout,
      (room) => this.#node?.server.count(room) ?? 0,
    );
  }

  /** Broadcasts not sent to other servers because the publisher was not ready (local members got them). */
  get dropped(): number {
    return this.#dropped;
  }

  /** The channel of a room's broadcasts and count queries. */
  roomChannel(room: string): string {
    return `${this.#prefix}#room#${room}`;
  }

  /** The channel of broadcasts to everyone, or to several rooms, and of counts of every connection. */
  get allChannel(): string {
    return `${this.#prefix}#all`;
  }

  /** Subscribes the server to the channels of everyone and of its own answers. */
  async start(serverId: string, server: AdapterServer): Promise<void> {
    if (this.#node !== undefined) {
      throw new InvalidStateError(
        `Cannot start server ${serverId} as this RedisAdapter serves server ${this.#node.id}: create one adapter (with its own subscriber) per server`,
      );
    }
    this.#node = { id: serverId, server, rooms: new Set() };
    this.#lost = false;
    for (const client of [this.#publisher, this.#subscriber]) {
      client.on("error", this.#onLost);
      client.on("ready", this.#onReady);
    }
    await Promise.all([
      this.#track(this.#subscriber.subscribe(this.allChannel, this.#listener, true)),
      this.#track(this.#subscriber.subscribe(this.#answerChannel(serverId), this.#listener, true)),
    ]);
  }

  /**
   * Publishes on the room's channel (one room), or on the channel of everyone (none or several),
   * in a microtask: what the same task publishes goes out together, in order (consecutive
   * broadcasts with the same channel and routing as one message).
   */
  publish(envelope: BroadcastEnvelope): Promise<void> | undefined {
    if (this.#node === undefined || !this.#publisher.isReady) {
      this.#dropped++;
      return undefined;
    }
    const { rooms } = envelope;
    const channel = rooms.length === 1 ? this.roomChannel(rooms[0]!) : this.allChannel;
    const last = this.#outgoing.at(-1);
    if (last?.channel === channel && sameRouting(last.envelopes[0]!, envelope)) {
      last.envelopes.push(envelope);
    } else this.#outgoing.push({ channel, envelopes: [envelope] });
    return this.#flushing ??= Promise.resolve().then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    const runs = this.#outgoing;
    this.#outgoing = [];
    this.#flushing = undefined;
    if (!this.#publisher.isReady) {
      for (const run of runs) this.#dropped += run.envelopes.length;
      return;
    }
    await Promise.all(
      runs.map(({ channel, envelopes }) =>
        this.#publisher.publish(channel, toBuffer(encodeEnvelopes(envelopes)))
      ),
    );
  }

  /** Subscribes to the room's channel. */
  async subscribe(serverId: string, room: string): Promise<void> {
    const node = this.#nodeOf(serverId);
    if (node === undefined) return;
    node.rooms.add(room);
    this.#unsubscribeLater.delete(room);
    await this.#change(this.#subscriber.subscribe(this.roomChannel(room), this.#listener, true));
  }

  /** Unsubscribes from the room's channel. */
  async unsubscribe(serverId: string, room: string): Promise<void> {
    const node = this.#nodeOf(serverId);
    if (node === undefined) return;
    node.rooms.delete(room);
    const done = this.#subscriber.unsubscribe(this.roomChannel(room), this.#listener, true);
    await this.#change(done.catch((error) => {
      if (!node.rooms.has(room)) this.#unsubscribeLater.add(room);
      throw error;
    }));
  }

  /**
   * Members of `room` (or every connection, without a room) on every server of the cluster: this
   * server's own count plus the answers of the servers subscribed to the room's channel when the
   * query reached Redis (as many as `PUBLISH` reports). A server that joins after that is not
   * counted; one that crashed has no subscription left, so it is not waited for.
   *
   * @throws {BackplaneError} `BACKPLANE_UNAVAILABLE` when the publisher is not ready,
   *   `BACKPLANE_TIMEOUT` when an answer is missing after `countTimeout`.
   * @throws {InvalidStateError} Before a server started with this adapter, or once it stopped.
   */
  async count(room?: string): Promise<number> {
    const node = this.#node;
    if (node === undefined) {
      throw new InvalidStateError("Cannot count as no server is started with this RedisAdapter");
    }
    if (room !== undefined && typeof room !== "string") {
      throw new TypeError(
        `Cannot count as 'room' must be a string: current value is ${typeof room}`,
      );
    }
    if (!this.#publisher.isReady) {
      throw new BackplaneError("BACKPLANE_UNAVAILABLE", "Cannot count as Redis is not reachable");
    }
    const { id, result } = this.#queries.open(room);
    const channel = room === undefined ? this.allChannel : this.roomChannel(room);
    try {
      const receivers = await this.#publisher.publish(
        channel,
        toBuffer(encodeQuery(node.id, id, room)),
      );
      this.#queries.published(id, receivers);
    } catch (error) {
      this.#queries.failed(id, error);
    }
    return await result;
  }

  /** Resolves once every subscription change asked for so far was answered by Redis (or failed). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Unsubscribes the server from every channel; the clients stay open (they are yours). */
  async stop(serverId: string): Promise<void> {
    const node = this.#nodeOf(serverId);
    if (node === undefined) return;
    this.#node = undefined;
    for (const client of [this.#publisher, this.#subscriber]) {
      client.off("error", this.#onLost);
      client.off("ready", this.#onReady);
    }
    this.#queries.rejectAll(() => new InvalidStateError("Cannot count as the server stopped"));
    const channels = [this.allChannel, this.#answerChannel(node.id)];
    for (const room of new Set([...node.rooms, ...this.#unsubscribeLater])) {
      channels.push(this.roomChannel(room));
    }
    this.#unsubscribeLater.clear();
    if (!this.#subscriber.isReady) return;
    await Promise.all(
      channels.map((channel) => this.#subscriber.unsubscribe(channel, this.#listener, true)),
    );
  }

  #answerChannel(serverId: string): string {
    return `${this.#prefix}#answer#${serverId}`;
  }

  #nodeOf(serverId: string): Node | undefined {
    const node = this.#node;
    return node?.id === serverId ? node : undefined;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const forget = (): void => void this.#pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** A subscription change: a failure while Redis is away is retried on reconnect, not reported. */
  async #change(promise: Promise<unknown>): Promise<void> {
    try {
      await this.#track(promise);
    } catch (error) {
      if (this.#subscriber.isReady && !this.#lost) throw error;
    }
  }

  readonly #onLost = (error?: unknown): void => {
    if (this.#lost || this.#node === undefined) return;
    this.#lost = true;
    this.#node.server.reportError(
      new BackplaneError(
        "BACKPLANE_UNAVAILABLE",
        "Lost the connection to Redis: broadcasts reach this server's connections only until it is back",
        { cause: error },
      ),
    );
  };

  /** A client is (again) ready: make sure every wanted channel is subscribed, and no other. */
  readonly #onReady = (): void => {
    const node = this.#node;
    if (node === undefined || !this.#publisher.isReady || !this.#subscriber.isReady) return;
    this.#lost = false;
    const wanted = [this.allChannel, this.#answerChannel(node.id)];
    for (const room of node.rooms) wanted.push(this.roomChannel(room));
    for (const channel of wanted) {
      this.#change(this.#subscriber.subscribe(channel, this.#listener, true)).catch(
        node.server.reportError,
      );
    }
    for (const room of [...this.#unsubscribeLater]) {
      this.#unsubscribeLater.delete(room);
      if (!node.rooms.has(room)) this.unsubscribe(node.id, room).catch(node.server.reportError);
    }
  };

  #receive(bytes: Uint8Array): void {
    const node = this.#node;
    if (node === undefined) return;
    const message = decodeMessage(bytes);
    if (message === undefined) {
      node.server.reportError(
        new BackplaneError(
          "BACKPLANE_MALFORMED",
          `Ignored a message of ${bytes.length} bytes on a ${this.#prefix} channel that is not a wirely backplane message`,
        ),
      );
      return;
    }
    if (message.kind === "broadcast") {
      if (message.source !== node.id) node.server.deliver(message);
    } else if (message.kind === "broadcasts") {
      if (message.envelope.source === node.id) return;
      const { envelope, payloads, frames } = message;
      for (let i = 0; i < payloads.length; i++) {
        node.server.deliver({ ...envelope, payload: payloads[i]!, frame: frames[i]! });
      }
    } else if (message.kind === "count") {
      if (!this.#publisher.isReady) return;
      const answer = encodeAnswer(node.id, message.query, node.server.count(message.room));
      this.#publisher.publish(this.#answerChannel(message.source), toBuffer(answer)).catch(
        () => {}, // the asking server times out; the outage itself was reported once
      );
    } else {
      // This server's own answer (it is subscribed) counts toward PUBLISH's receivers; its
      // members are counted when the query settles.
      this.#queries.answered(message.query, message.source === node.id ? 0 : message.members);
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
