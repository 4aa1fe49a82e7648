/**
 * Chat room server: rooms, who is online, join/leave notices, typing indicators, the last 50
 * messages of each room for late joiners, and connection state recovery (a page that reconnects
 * gets what it missed, in order, and its own messages are stored once). Serves the page on the
 * same port.
 *
 * One process (rooms, history and recovery in memory):
 *
 *     npx deno run --allow-net --allow-read --allow-env --allow-run examples/chat/server.ts
 *     node examples/chat/server.ts          # Node 22.18+ (runs .ts directly)
 *
 * Several nodes sharing rooms, history, presence and recovery through Redis: the same command
 * with `REDIS_URL` set, one per node (`--port 8001`, `--port 8002`, ...).
 *
 * Options: `--port 8001`, `--host 127.0.0.1`, `--engine native|codec` (Deno).
 *
 * @module
 */
import process from "node:process";
import type { RedisClientType } from "redis";
import type { RecoveryOptions } from "../../events/store.ts";
import { EventServer } from "../../events/server.ts";
import type { EventSocket } from "../../events/socket.ts";
import type { PubSubAdapter } from "../../server/mod.ts";
import { startApp } from "../_shared/app.ts";
import {
  checkSay,
  cleanName,
  type ClientToServer,
  type Member,
  type ServerToClient,
} from "./protocol.ts";
import { type ChatStore, MemoryChatStore, RedisChatStore } from "./store.ts";

interface Seat {
  member: Member;
  room: string;
}
type Socket = EventSocket<ClientToServer, ServerToClient, Seat>;

/** This process's name in the cluster (shown on the page). */
const node = crypto.randomUUID().slice(0, 8);
const redisUrl = process.env.REDIS_URL;
let store: ChatStore = new MemoryChatStore();
let recovery: boolean | RecoveryOptions = true;
let adapter: PubSubAdapter | undefined;
if (redisUrl !== undefined && redisUrl !== "") {
  // Loaded only here: the single-process chat needs neither `redis` nor wirely's Redis entry.
  const { createClient } = await import("redis");
  const { RedisAdapter, RedisStore } = await import("../../redis/mod.ts");
  const client = createClient({ url: redisUrl });
  const subscriber = client.duplicate();
  for (const c of [client, subscriber]) c.on("error", () => {}); // outages reach onError below
  await Promise.all([client.connect(), subscriber.connect()]);
  store = new RedisChatStore(client as unknown as RedisClientType, node);
  recovery = { store: new RedisStore({ client, subscriber }) };
  adapter = new RedisAdapter({ publisher: client, subscriber });
}

const io = new EventServer<ClientToServer, ServerToClient, Seat>({ recovery, malformed: "close" });
/** Open connections per room and member on this node (a tab that reconnects may have two). */
const seats = new Map<string, number>();

function seat(room: string, member: Member, change: 1 | -1): number {
  const key = JSON.stringify([room, member.id]);
  const count = (seats.get(key) ?? 0) + change;
  if (count === 0) seats.delete(key);
  else seats.set(key, count);
  return count;
}

function report(error: unknown): void {
  console.error(`chat node ${node}:`, error);
}

io.use("say", (_socket, data) => {
  if (checkSay(data) === undefined) throw new Error("expected { id, text } (1-2000 characters)");
});

io.onConnection(async (socket: Socket) => {
  const { member, room } = socket.data;
  // Handlers first: events that arrive while the welcome is prepared are not lost.
  socket.on("say", ({ id, text }) => {
    const line = { id, from: member, text, at: Date.now() };
    // Everything is sent before anything is awaited: with recovery the page's event counts as
    // handled once this handler has run, so what a crash must not lose leaves here, in this
    // order, on the one Redis connection that also writes the session (Redis runs the history
    // write, then the log appends, then the write that confirms the event). A crash in between
    // makes another node handle the event again: the history stores it once, the page shows a
    // line once per id.
    store.add(room, line).catch(report); // the history for late joiners
    socket.to(room).emit("message", line);
    socket.emit("ack", { id, at: line.at });
  });
  socket.on("typing", (typing) => {
    if (typeof typing === "boolean") socket.to(room).emit("typing", { member, typing });
  });
  socket.onClose(() => {
    if (seat(room, member, -1) > 0) return;
    store.leave(room, member).then((left) => {
      if (left) io.to(room).emit("left", member);
    }).catch(report);
  });
  if (!socket.recovered) socket.join(room); // a recovered socket is back in its room
  if (seat(room, member, 1) === 1 && await store.enter(room, member)) {
    socket.to(room).emit("joined", member);
  }
  const [online, history] = await Promise.all([store.online(room), store.history(room)]);
  socket.emit("welcome", { room, you: member, online, history, node });
});

const app = await startApp<Seat>({
  base: import.meta.url,
  defaultPort: 8001,
  ws: io.serverOptions({
    limits: { maxMessageSize: 16_384 },
    adapter,
    onError: report,
    authenticate: (request) => {
      const query = request.url.searchParams;
      const name = cleanName(query.get("name"));
      const room = cleanName(query.get("room"));
      const id = cleanName(query.get("client"));
      if (name === undefined || room === undefined || id === undefined) {
        return { status: 400, body: "name, room and client (1-32 characters) are required\n" };
      }
      return { data: { member: { id, name }, room } };
    },
    // Only connections without wirely.v1 get here (the page always offers it).
    onMessage: (conn) => conn.close(1003, "this chat speaks wirely.v1 (named events)"),
  }),
});
io.bind(app.wss);
console.log(
  `node ${node}: ${redisUrl ? `rooms, history and sessions on ${redisUrl}` : "in memory"}`,
);
