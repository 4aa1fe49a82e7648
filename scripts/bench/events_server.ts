/**
 * A server of the events benchmark, for Node (bundled by `bench_events.ts`):
 * `node events_server.mjs <kind>` with `<kind>`:
 *
 * - `events`: wirely's `EventServer`; `join` (answered) puts the socket in `room`, `say` is
 *   re-emitted as `said` with `socket.to("room").emit`.
 * - `plain`: wirely's server; the text `join` puts the connection in `room` (answer `joined`),
 *   any other message goes to `room` with `server.broadcast(data, { room, except: sender })`.
 * - `socketio`: socket.io 4 (WebSocket transport only) with the same `join`/`say` handlers and
 *   `socket.to("room").emit`.
 *
 * Prints `{"port":N}` once listening; then answers each stdin line `cpu` with
 * `{"cpuMs":N}` (user + system CPU of this process) and exits on `quit`.
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";
import { createInterface } from "node:readline";
import { Server as SocketIoServer } from "socket.io";
import { EventServer } from "../../events/event_server.ts";
import { serve } from "../../server/mod.ts";

interface Say {
  from: number;
  text: string;
}
interface ClientToServer {
  join: (room: string) => number;
  say: (line: Say) => void;
}
interface ServerToClient {
  said: (line: Say) => void;
}

async function start(kind: string): Promise<{ port: number; stop(): Promise<void> }> {
  const base = { port: 0, hostname: "127.0.0.1", onError: () => {} } as const;
  if (kind === "events") {
    const io = new EventServer<ClientToServer, ServerToClient>();
    io.onConnection((socket) => {
      socket.on("join", (room) => {
        socket.join(room);
        return 1;
      });
      socket.on("say", (line) => {
        socket.to("room").emit("said", line);
      });
    });
    const server = await io.serve(base);
    return { port: server.addr.port, stop: () => server.close() };
  }
  if (kind === "plain") {
    const server = await serve({
      ...base,
      onMessage: (conn, message) => {
        if (message.data === "join") {
          conn.join("room");
          conn.send("joined");
        } else server.broadcast(message.data, { room: "room", except: conn });
      },
    });
    return { port: server.addr.port, stop: () => server.close() };
  }
  if (kind === "socketio") {
    const http = createServer();
    const io = new SocketIoServer(http, { transports: ["websocket"], serveClient: false });
    io.on("connection", (socket) => {
      socket.on("join", (room: string, ack: (n: number) => void) => {
        socket.join(room);
        ack(1);
      });
      socket.on("say", (line: Say) => {
        socket.to("room").emit("said", line);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return { port, stop: () => new Promise((resolve) => io.close(() => resolve())) };
  }
  throw new TypeError(`unknown kind ${kind}`);
}

const started = await start(process.argv[2] ?? "events");
console.log(JSON.stringify({ port: started.port }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "cpu") {
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpuMs: (user + system) / 1000 }));
  } else if (line === "quit") break;
}
await Promise.race([started.stop(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
process.exit(0);
