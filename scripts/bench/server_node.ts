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
import { control } from "./server_control.ts";
import { serveWs } from "./server_ws.ts";
import { startWirely } from "./server_wirely.ts";

type WirelyServer = typeof import("../../server/mod.ts");

const impl = process.argv[2] ?? "wirely";
const started = impl === "ws" ? await serveWs() : await startWirely(
  ((await import(pathToFileURL(process.argv[3] ?? "npm/server/mod.js").href)) as WirelyServer)
    .serve,
);
control(started.port, started.connections, started.stop);
