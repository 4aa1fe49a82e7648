/**
 * A benchmark server in Deno: `deno run -A scripts/bench/server_deno.ts <impl>` with `<impl>`
 * one of `native` (wirely's `serve()`, default engine), `codec` (`serve({ engine: "codec" })`)
 * or `bare` (`Deno.serve` + `Deno.upgradeWebSocket`, the reference). Path `/echo` echoes every
 * message; on `/broadcast` every message goes to all other connections. Control: see
 * `server_control.ts`.
 *
 * @module
 */

import { serve } from "../../server/mod.ts";
import { control } from "./server_control.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

/** Starts the bare reference server; returns its port, connection count and stop. */
function serveBare(): BenchServer {
  const sockets = new Set<WebSocket>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) => {
      const { socket, response } = Deno.upgradeWebSocket(request);
      const broadcast = new URL(request.url).pathname === "/broadcast";
      socket.binaryType = "arraybuffer";
      socket.onopen = () => sockets.add(socket);
      socket.onclose = () => sockets.delete(socket);
      socket.onerror = () => {};
      socket.onmessage = broadcast
        ? (event) => {
          for (const peer of sockets) {
            if (peer !== socket && peer.readyState === WebSocket.OPEN) peer.send(event.data);
          }
        }
        : (event) => socket.send(event.data);
      return response;
    },
  );
  return {
    port: server.addr.port,
    connections: () => sockets.size,
    stop: () => server.shutdown(),
  };
}

const impl = Deno.args[0] ?? "native";
if (impl !== "native" && impl !== "codec" && impl !== "bare") {
  throw new TypeError(`unknown server ${impl}: native, codec or bare`);
}
const started = impl === "bare" ? serveBare() : await startWirely(serve, impl);
control(started.port, started.connections, started.stop);
