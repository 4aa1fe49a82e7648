/**
 * The parts of the `redis` (node-redis) clients that {@linkcode RedisAdapter} uses, declared
 * structurally so that the backplane imports nothing from that package.
 *
 * @module
 */

import type { Buffer } from "node:buffer";

/**
 * What {@linkcode RedisAdapter} uses of the client that publishes: a `redis` (node-redis 5 or
 * later) client from `createClient()`, connected. Declared here so that this module imports
 * nothing from the package.
 *
 * @example
 * ```ts
 * import type { RedisPublisher } from "@wirely/wirely/redis";
 * const offline: RedisPublisher = {
 *   isReady: false,
 *   publish: () => Promise.resolve(0),
 *   on: () => {},
 *   off: () => {},
 * };
 * console.log(offline.isReady); // false
 * ```
 */
export interface RedisPublisher {
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** `PUBLISH`: resolves with how many subscribed clients got the message. */
  publish(channel: string, message: Buffer): Promise<number>;
  /** Adds a listener (`"error"`: a lost connection; `"ready"`: connected again). */
  on(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
}

/**
 * What {@linkcode RedisAdapter} uses of the client that subscribes: a connected node-redis
 * client used for nothing else (`await publisher.duplicate().connect()`).
 *
 * @example
 * ```ts
 * import type { RedisSubscriber } from "@wirely/wirely/redis";
 * const offline: RedisSubscriber = {
 *   isReady: false,
 *   subscribe: () => Promise.resolve(),
 *   unsubscribe: () => Promise.resolve(),
 *   on: () => {},
 *   off: () => {},
 * };
 * console.log(offline.isReady); // false
 * ```
 */
export interface RedisSubscriber {
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** `SUBSCRIBE` with a listener that gets the message as bytes (`bufferMode` true). */
  subscribe(
    channel: string,
    listener: (message: Uint8Array, channel: Uint8Array) => void,
    bufferMode: true,
  ): Promise<unknown>;
  /** Removes the listener; `UNSUBSCRIBE` once a channel has none. */
  unsubscribe(
    channel: string,
    listener: (message: Uint8Array, channel: Uint8Array) => void,
    bufferMode: true,
  ): Promise<unknown>;
  /** Adds a listener (`"error"`: a lost connection; `"ready"`: connected again). */
  on(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
}

/**
 * Options of {@linkcode RedisAdapter}.
 *
 * @example
 * ```ts
 * import type { RedisAdapterOptions, RedisPublisher, RedisSubscriber } from "@wirely/wirely/redis";
 * function options(publisher: RedisPublisher, subscriber: RedisSubscriber): RedisAdapterOptions {
 *   return { publisher, subscriber, prefix: "chat", countTimeout: 2_000 };
 * }
 * console.log(typeof options); // function
 * ```
 */
export interface RedisAdapterOptions {
  /** Publishes broadcasts and count answers; may be shared with the rest of your app. */
  publisher: RedisPublisher;
  /** Subscribes to the channels; one per adapter, used for nothing else (pub/sub mode). */
  subscriber: RedisSubscriber;
  /** Start of every channel name; servers with the same prefix (and Redis) form one cluster. @default "wirely" */
  prefix?: string;
  /** Milliseconds {@linkcode RedisAdapter.count} waits for the other servers' answers. @default 5_000 */
  countTimeout?: number;
}
