/**
 * A server run as its own process by the restart tests (`client/_process_server_test.ts`), so
 * that SIGKILL is a real crash: `restart_server.ts <port> <plain|events>`. Listens on
 * 127.0.0.1 (port 0: any free one) with the codec engine, prints `listening <port>`, then
 * `got <text>` for every message (plain) or `echo` event (events) it receives, and answers it:
 * plain messages are echoed, `echo` events answered with their value. SIGTERM closes it
 * gracefully (1001 to every client), then the process exits.
 *
 * @module
 */

import process from "node:process";
import { serve, type ServedWebSocketServer } from "../../server/mod.ts";
import { EventServer } from "../../events/server.ts";

const port = Number(process.argv.at(-2));
const mode = process.argv.at(-1);
const options = { port, hostname: "127.0.0.1", engine: "codec" as const, onError: () => {} };

let server: ServedWebSocketServer;
if (mode === "events") {
  const io = new EventServer<{ echo: (text: string) => string }, Record<never, never>>();
  io.onConnection((socket) => {
    socket.on("echo", (text) => {
      process.stdout.write(`got ${text}\n`);
      return text;
    });
  });
  server = await io.serve(options);
} else {
  server = await serve({
    ...options,
    onMessage: (connection, message) => {
      if (typeof message.data === "string") process.stdout.write(`got ${message.data}\n`);
      connection.send(message.data);
    },
  });
}
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
process.stdout.write(`listening ${server.addr.port}\n`);
