/**
 * A benchmark server for Node 20: `node server_node.mjs <impl> <wirely server module>` with
 * `<impl>` `wirely` (the built package's `serve()`) or `ws` (`WebSocketServer` from npm `ws`).
 * Bundled to JavaScript by `bench_server.ts` (Node 20 does not run TypeScript). Path `/echo`
 * echoes every message; on `/broadcast` every message goes to all other connections. Control:
 * see `server_control.ts`.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { WebSocket, WebSocketServer } from "ws";
import { control } from "./server_control.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

type WirelyServer = typeof import("../../server/mod.ts");

async function serveWs(): Promise<BenchServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (ws, request) => {
    ws.on("error", () => {});
    if (request.url === "/broadcast") {
      ws.on("message", (data, isBinary) => {
        for (const client of wss.clients) {
          if (client !== ws && client.readyState === WebSocket.OPEN) {
            client.send(data, { binary: isBinary });
          }
        }
      });
    } else {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    }
  });
  const address = wss.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    connections: () => wss.clients.size,
    stop: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

const impl = process.argv[2] ?? "wirely";
const started = impl === "ws" ? await serveWs() : await startWirely(
  ((await import(pathToFileURL(process.argv[3] ?? "npm/server/mod.js").href)) as WirelyServer)
    .serve,
);
control(started.port, started.connections, started.stop);
