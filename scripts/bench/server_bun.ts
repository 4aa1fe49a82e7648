/**
 * A benchmark server in Bun: `bun scripts/bench/server_bun.ts <impl>` with `<impl>` one of
 * `native` (wirely's `serve()` from `server/mod.bun.ts`: `Bun.serve` and Bun's WebSockets) or
 * `bare` (`Bun.serve` with its own `websocket` handlers, the reference). Path `/echo` echoes
 * every message; on `/broadcast` every message goes to all other connections. Control: see
 * `server_control.ts`.
 *
 * @module
 */

import { serve } from "../../server/mod.bun.ts";
import { control } from "./server_control.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

/** The part of Bun's API the bare server uses. */
interface BareSocket {
  data: { broadcast: boolean };
  send(data: string | Uint8Array): number;
}
interface BunServe {
  serve(options: {
    port: number;
    hostname: string;
    fetch(
      request: Request,
      server: { upgrade(r: Request, o: { data: unknown }): boolean },
    ): Response | undefined;
    websocket: {
      perMessageDeflate: false;
      open(ws: BareSocket): void;
      close(ws: BareSocket): void;
      message(ws: BareSocket, message: string | Uint8Array): void;
    };
  }): { port: number; stop(force?: boolean): Promise<void> };
}

/** Starts the bare reference server; returns its port, connection count and stop. */
function serveBare(): BenchServer {
  const sockets = new Set<BareSocket>();
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  const server = bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => {
      const broadcast = new URL(request.url).pathname === "/broadcast";
      return srv.upgrade(request, { data: { broadcast } })
        ? undefined
        : new Response("upgrade failed", { status: 400 });
    },
    websocket: {
      perMessageDeflate: false,
      open: (ws) => void sockets.add(ws),
      close: (ws) => void sockets.delete(ws),
      message: (ws, message) => {
        if (!ws.data.broadcast) {
          ws.send(message);
          return;
        }
        for (const peer of sockets) if (peer !== ws) peer.send(message);
      },
    },
  });
  return { port: server.port, connections: () => sockets.size, stop: () => server.stop(true) };
}

const impl = process.argv[2] ?? "native";
if (impl !== "native" && impl !== "bare") {
  throw new TypeError(`unknown server ${impl}: native or bare`);
}
const started = impl === "bare" ? serveBare() : await startWirely(serve, "native");
control(started.port, started.connections, started.stop);
