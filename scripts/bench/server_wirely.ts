/**
 * wirely's benchmark server, the same in every runtime: `/echo` echoes every message, on
 * `/broadcast` every message goes to all other connections with `server.broadcast` (encoded
 * once). `serve` is passed in so that Node can use the built package and Deno the sources.
 *
 * @module
 */

import type { serve as serveFn, ServerEngine, ServerOptions } from "../../server/mod.ts";

/** A started benchmark server. */
export interface BenchServer {
  port: number;
  connections: () => number;
  stop: () => Promise<void>;
}

/** Starts wirely's echo/broadcast server on 127.0.0.1 and a free port. */
export async function startWirely(
  serve: typeof serveFn,
  engine?: ServerEngine,
  options: Pick<ServerOptions<boolean>, "perMessageDeflate"> = {},
): Promise<BenchServer> {
  const server = await serve<boolean>({
    ...options,
    port: 0,
    hostname: "127.0.0.1",
    ...(engine !== undefined ? { engine } : {}),
    onOpen: (conn) => {
      conn.data = conn.url.pathname === "/broadcast";
    },
    onMessage: (conn, message) => {
      if (conn.data) server.broadcast(message.data, { except: conn });
      else conn.send(message.data);
    },
    onError: () => {},
  });
  return {
    port: server.addr.port,
    connections: () => server.clients.size,
    stop: () => server.close(),
  };
}
