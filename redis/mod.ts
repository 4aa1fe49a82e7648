/**
 * The Redis backplane: rooms and broadcasts of wirely servers in several processes or machines,
 * through Redis pub/sub. It takes the `redis` (node-redis) clients you create and imports
 * nothing from that package, so wirely keeps no dependency; install `redis` in your app.
 * Guide and guarantees: `docs/scale-out.md`.
 *
 * @example Every server of the cluster gets the room's broadcasts
 * ```ts ignore
 * import { createClient } from "redis";
 * import { EventServer } from "@wirely/wirely/events/server";
 * import { RedisAdapter } from "@wirely/wirely/redis";
 * const publisher = createClient({ url: process.env.REDIS_URL });
 * const subscriber = publisher.duplicate();
 * for (const client of [publisher, subscriber]) client.on("error", () => {});
 * await Promise.all([publisher.connect(), subscriber.connect()]);
 * const adapter = new RedisAdapter({ publisher, subscriber });
 * const io = new EventServer();
 * io.onConnection((socket) => socket.join("lobby"));
 * await io.serve({ port: 8080, adapter });
 * io.to("lobby").except("muted").emit("news", "hello, cluster");
 * console.log(await adapter.count("lobby"));
 * ```
 *
 * @module
 */

export { RedisAdapter } from "./adapter.ts";
export { RedisStore } from "./store.ts";
export type { RedisCommands, RedisStoreOptions } from "./store_options.ts";
export type { RedisAdapterOptions, RedisPublisher, RedisSubscriber } from "./clients.ts";
export { BackplaneError, type BackplaneErrorCode } from "./errors.ts";
