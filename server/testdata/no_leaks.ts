// Opens and closes 500 connections (25 rounds of 20, 30 s at most) against a server with every
// timer enabled, leaves one peer open and one handshake half-sent for close() to handle, closes
// the server, prints `done clients=N resources=[...]` (the server's client count and the process's
// active handles), then simply ends. If any socket, timer or listener leaked, the process would
// not exit on its own. `--engine=native` for Deno's engine, else the codec engine; `--leak`
// leaks a timer on purpose (server/no_leaks_test.ts checks that the leak is seen).
import { connect } from "node:net";
import process from "node:process";
import WebSocket from "ws";
import { serve } from "../mod.ts";

const ROUNDS = 25;
const PER_ROUND = 20;
const DEADLINE = Date.now() + 30_000;

const server = await serve({
  engine: process.argv.includes("--engine=native") ? "native" : "codec",
  port: 0,
  hostname: "127.0.0.1",
  heartbeat: { interval: 50, timeout: 20 },
  onMessage: (conn, message) => conn.send(message.data),
});
for (let round = 0; round < ROUNDS; round++) {
  if (Date.now() > DEADLINE) {
    console.log(`too slow: ${round * PER_ROUND} connections in 30 s`);
    process.exit(1);
  }
  await Promise.all(Array.from({ length: PER_ROUND }, () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(server.url);
      ws.on("error", reject);
      ws.on("open", () => ws.send("ping"));
      ws.on("message", () => ws.close());
      ws.on("close", () => resolve());
    })));
}
// One peer left open for close() to handle, and one half-done handshake.
const last = new WebSocket(server.url);
await new Promise((resolve) => last.on("open", resolve));
const lastClosed = new Promise((resolve) => last.on("close", resolve));
const partial = connect(server.addr.port, "127.0.0.1", () => partial.write("GET / HTTP/1.1\r\n"));
partial.on("error", () => {});
const partialClosed = new Promise((resolve) => partial.on("close", resolve));
await new Promise((resolve) => setTimeout(resolve, 50));
await server.close();
// The clients' own sockets close right after the server's; then nothing may be left.
await Promise.all([lastClosed, partialClosed]);
await new Promise((resolve) => setTimeout(resolve, 20));
if (process.argv.includes("--leak")) setInterval(() => {}, 60_000);
const resources = process.getActiveResourcesInfo();
console.log(`done clients=${server.clients.size} resources=${JSON.stringify(resources)}`);
