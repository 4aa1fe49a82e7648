// Opens and closes 200 connections against a server with every timer enabled, closes the server,
// then simply ends (`--engine=native` for Deno's engine, else the codec engine): if any socket, timer or listener leaked, the process would not exit.
import { connect } from "node:net";
import process from "node:process";
import WebSocket from "ws";
import { serve } from "../mod.ts";

const server = await serve({
  engine: process.argv.includes("--engine=native") ? "native" : "codec",
  port: 0,
  hostname: "127.0.0.1",
  heartbeatInterval: 50,
  heartbeatTimeout: 20,
  onMessage: (conn, message) => conn.send(message.data),
});
for (let round = 0; round < 10; round++) {
  await Promise.all(Array.from({ length: 20 }, () =>
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
const partial = connect(server.addr.port, "127.0.0.1", () => partial.write("GET / HTTP/1.1\r\n"));
partial.on("error", () => {});
await new Promise((resolve) => setTimeout(resolve, 50));
await server.close();
console.log(`done clients=${server.clients.size}`);
