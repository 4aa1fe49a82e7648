/**
 * The options of {@linkcode RedisStore} and what it needs of its Redis client.
 *
 * @module
 */

import type { HistoryBounds } from "../events/memory_store.ts";
import type { RedisSubscriber } from "./clients.ts";

/**
 * What {@linkcode RedisStore} uses of the client that runs commands: a connected `redis`
 * (node-redis 5 or later) client (the publisher of a `RedisAdapter` will do).
 *
 * @example
 * ```ts
 * import type { RedisCommands } from "@wirely/wirely/redis";
 * const offline: RedisCommands = {
 *   isReady: false,
 *   sendCommand: () => Promise.reject(new Error("offline")),
 *   on: () => {},
 *   off: () => {},
 * };
 * console.log(offline.isReady); // false
 * ```
 */
export interface RedisCommands {
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** Runs one command (`["EVAL", ...]`, `["SET", ...]`); replies with strings decoded as UTF-8. */
  sendCommand(args: string[]): Promise<unknown>;
  /** Adds a listener (`"error"`: a lost connection; `"ready"`: connected again). */
  on(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: "error" | "ready", listener: (error?: unknown) => void): unknown;
}

/**
 * Options of {@linkcode RedisStore}: its clients, key prefix and history bounds.
 *
 * @example
 * ```ts
 * import type { RedisCommands, RedisStoreOptions, RedisSubscriber } from "@wirely/wirely/redis";
 * function options(client: RedisCommands, subscriber: RedisSubscriber): RedisStoreOptions {
 *   return { client, subscriber, maxLength: 50_000, maxAge: 600_000 };
 * }
 * console.log(typeof options); // function
 * ```
 */
export interface RedisStoreOptions extends HistoryBounds {
  /** Runs the scripts and session commands; may be shared (a `RedisAdapter`'s publisher). */
  client: RedisCommands;
  /** Gets the log channel; may be shared with a `RedisAdapter` (its subscriber). */
  subscriber: RedisSubscriber;
  /** Start of every key and channel; servers with the same prefix share one log and their sessions. @default "wirely" */
  prefix?: string;
  /** Newest log entries (of those this server received) kept in memory to replay from without reading Redis; 0: every replay reads Redis. @default 10_000 */
  recentEntries?: number;
}
