/**
 * A server of the delivery benchmark, for Node (bundled by `bench_delivery.ts`):
 * `node delivery_server.mjs <kind> <port> <redisUrl> <acceptLog>`, one of three of a cluster.
 *
 * Kinds: `wirely` (`EventServer` + `RedisAdapter` + recovery on a `RedisStore`),
 * `wirely-pubsub` (`EventServer` + `RedisAdapter`, no recovery), `sio-recovery` (socket.io 4 +
 * `@socket.io/redis-streams-adapter` + `connectionStateRecovery`), `sio-streams` (the same
 * without recovery), `sio-pubsub` (socket.io 4 + `@socket.io/redis-adapter`, for the broadcast
 * throughput).
 *
 * Every kind has the same handlers:
 * - on connection, the socket joins the room named in its URL (`?room=`, wirely) or handshake
 *   `auth.room` (socket.io), unless the system restored its rooms, then gets `joined`;
 * - `pub` `{ room, seq, t }`: the server appends `room seq time` to its accept log (one
 *   synchronous write per message: a SIGKILL loses none), emits `msg` (the same object, with `a`: the acceptance time) to room
 *   `r<room>` on every server, and answers 1;
 * - `say` (throughput): re-emitted as `said` to room `room`.
 *
 * Prints `{"port":N}` once listening, exits on stdin `quit`.
 *
 * @module
 */

import { appendFileSync, closeSync, openSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import process from "node:process";
import { createInterface } from "node:readline";
import { createClient, type RedisClientType } from "redis";
import { Server as SocketIoServer } from "socket.io";
import { createAdapter as streamsAdapter } from "@socket.io/redis-streams-adapter";
import { createAdapter as pubsubAdapter } from "@socket.io/redis-adapter";
import { EventServer } from "../../events/event_server.ts";
import { RedisAdapter, RedisStore } from "../../redis/mod.ts";

const [kind = "wirely", portText = "0", redisUrl = "", acceptLog = "/dev/null"] = process.argv
  .slice(2);
const port = Number(portText);
const log = openSync(acceptLog, "a");
const now = (): number => performance.timeOrigin + performance.now();

// An error nobody handled (socket.io's streams adapter rejects a publish when Redis dies) would
// end the process; a production server logs it and goes on: this one counts it in
// `<acceptLog>.errors`, which the benchmark prints.
const unhandled = (error: unknown): void => {
  appendFileSync(`${acceptLog}.errors`, `${String(error).split("\n")[0]}\n`);
};
process.on("unhandledRejection", unhandled);
process.on("uncaughtException", unhandled);

interface Pub {
  room: number;
  seq: number;
  t: number;
  a?: number;
}

/** Logs `pub` as accepted and stamps it with the time (`a`) before it is broadcast. */
function accept(pub: Pub): void {
  pub.a = now();
  writeSync(log, `${pub.room} ${pub.seq} ${pub.a.toFixed(3)}\n`);
}

async function redis(): Promise<RedisClientType> {
  const client = createClient({
    url: redisUrl,
    socket: { reconnectStrategy: () => 100 },
  }) as unknown as RedisClientType;
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function startWirely(): Promise<() => Promise<void>> {
  const publisher = await redis();
  const subscriber = publisher.duplicate();
  subscriber.on("error", () => {});
  await subscriber.connect();
  const adapter = new RedisAdapter({ publisher, subscriber });
  // History bounds as socket.io's below: more than a whole run publishes.
  const store = new RedisStore({
    client: publisher,
    subscriber,
    maxLength: 100_000,
    maxAge: 600_000,
  });
  const io = new EventServer(
    kind === "wirely" ? { recovery: { store, sessionTtl: 120_000 } } : {},
  );
  io.onConnection((socket) => {
    const room = socket.conn.url.searchParams.get("room");
    if (room !== null && !socket.recovered) socket.join(room); // a recovered socket has its rooms
    socket.emit("joined");
    socket.on("pub", (data) => {
      const pub = data as Pub;
      accept(pub);
      io.to(`r${pub.room}`).emit("msg", pub);
      return 1;
    });
    socket.on("say", (line: unknown) => void io.to("room").emit("said", line));
  });
  const server = await io.serve({ port, hostname: "127.0.0.1", adapter, onError: () => {} });
  return async () => {
    await server.close();
    publisher.destroy();
    subscriber.destroy();
  };
}

async function startSocketIo(): Promise<() => Promise<void>> {
  const client = await redis();
  let adapter;
  if (kind === "sio-pubsub") {
    const subscriber = client.duplicate();
    subscriber.on("error", () => {});
    await subscriber.connect();
    adapter = pubsubAdapter(client, subscriber);
  } else {
    // History of 100,000 messages: more than a whole run publishes, so trimming loses nothing.
    adapter = streamsAdapter(client, { maxLen: 100_000 });
  }
  const http = createServer();
  const io = new SocketIoServer(http, {
    transports: ["websocket"],
    serveClient: false,
    adapter,
    ...(kind === "sio-recovery"
      ? { connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true } }
      : {}),
  });
  io.on("connection", (socket) => {
    const room = (socket.handshake.auth as { room?: string }).room;
    if (!socket.recovered && room !== undefined) socket.join(room);
    socket.emit("joined");
    socket.on("pub", (pub: Pub, ack?: (n: number) => void) => {
      accept(pub);
      io.to(`r${pub.room}`).emit("msg", pub);
      ack?.(1);
    });
    socket.on("say", (line: unknown) => void io.to("room").emit("said", line));
  });
  await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
  return () =>
    new Promise<void>((resolve) => {
      io.close(() => {
        client.destroy();
        resolve();
      });
    });
}

const stop = kind.startsWith("wirely") ? await startWirely() : await startSocketIo();
console.log(JSON.stringify({ port }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "quit") break;
}
await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
closeSync(log);
process.exit(0);
