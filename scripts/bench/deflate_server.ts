/**
 * A benchmark server for Node 20 with permessage-deflate: `node deflate_server.mjs <impl>
 * <wirely server module>` with `<impl>` `wirely` (the built package's `serve()` with its default
 * `perMessageDeflate`), `ws` (`WebSocketServer` with `perMessageDeflate: true`: ws's defaults,
 * context takeover both ways) or `ws-matched` (ws with wirely's parameters:
 * `serverNoContextTakeover`, `clientNoContextTakeover`, threshold 1024). `/echo` echoes,
 * `/broadcast` sends to all others. Control: `server_control.ts`.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { WebSocket, WebSocketServer } from "ws";
import { control } from "./server_control.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

type WirelyServer = typeof import("../../server/mod.ts");

/** ws's `perMessageDeflate` option for each contender. */
const WS_DEFLATE = {
  ws: true,
  "ws-matched": { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 1024 },
} as const;

async function serveWs(impl: keyof typeof WS_DEFLATE): Promise<BenchServer> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: WS_DEFLATE[impl],
  });
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
const started = impl === "ws" || impl === "ws-matched" ? await serveWs(impl) : await startWirely(
  ((await import(pathToFileURL(process.argv[3] ?? "npm/server/mod.js").href)) as WirelyServer)
    .serve,
);
control(started.port, started.connections, started.stop);
