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
import { control } from "./server_control.ts";
import { serveWs } from "./server_ws.ts";
import { startWirely } from "./server_wirely.ts";

type WirelyServer = typeof import("../../server/mod.ts");

/** ws's `perMessageDeflate` option for each contender. */
const WS_DEFLATE = {
  ws: true,
  "ws-matched": { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 1024 },
} as const;

const impl = process.argv[2] ?? "wirely";
const started = impl === "ws" || impl === "ws-matched"
  ? await serveWs(WS_DEFLATE[impl])
  : await startWirely(
    ((await import(pathToFileURL(process.argv[3] ?? "npm/server/mod.js").href)) as WirelyServer)
      .serve,
  );
control(started.port, started.connections, started.stop);
