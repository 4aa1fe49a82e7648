/**
 * An event server with recovery on Redis, run as its own process by `redis/recovery_test.ts`
 * so that SIGKILL is a real crash: `recovery_server.ts <port> <redis url>`. Sockets join
 * "room" (unless recovered); every `up` event prints `got <n>`; `say` broadcasts `down` to the
 * room. Prints `listening <port>` once it listens.
 *
 * @module
 */

import process from "node:process";
import { createClient } from "redis";
import { EventServer } from "../../events/server.ts";
import { RedisAdapter, RedisStore } from "../mod.ts";

const port = Number(process.argv.at(-2));
const url = process.argv.at(-1)!;
const client = createClient({ url, socket: { reconnectStrategy: () => 20 } });
const subscriber = client.duplicate();
for (const c of [client, subscriber]) c.on("error", () => {});
await Promise.all([client.connect(), subscriber.connect()]);

const io = new EventServer<{ up: (n: number) => void; say: (n: number) => void }, {
  down: (n: number) => void;
}>({ recovery: { store: new RedisStore({ client, subscriber }) } });
io.onConnection((socket) => {
  if (!socket.recovered) socket.join("room");
  socket.on("up", (n) => void process.stdout.write(`got ${n}\n`));
  socket.on("say", (n) => void io.to("room").emit("down", n));
});
const server = await io.serve({
  port,
  hostname: "127.0.0.1",
  engine: "codec",
  adapter: new RedisAdapter({ publisher: client, subscriber }),
  onError: () => {},
});
process.stdout.write(`listening ${server.addr.port}\n`);
