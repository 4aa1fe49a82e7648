/**
 * The `ws` contender of the Node benchmark servers (`server_node.ts`, `deflate_server.ts`): a
 * `WebSocketServer` on a free port whose `/echo` echoes and `/broadcast` sends to all others.
 *
 * @module
 */

import { WebSocket, WebSocketServer } from "ws";
import type { BenchServer } from "./server_wirely.ts";

/**
 * Starts a `ws` server.
 *
 * @param perMessageDeflate ws's option of that name; absent keeps ws's default (off).
 */
export async function serveWs(
  perMessageDeflate?: boolean | Record<string, unknown>,
): Promise<BenchServer> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    ...(perMessageDeflate === undefined ? {} : { perMessageDeflate }),
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
