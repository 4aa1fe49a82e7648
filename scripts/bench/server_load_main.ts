/**
 * Entry of the load generator process (bundled for Node by `bench_server.ts`): serves the JSON
 * commands of `server_load.ts` on stdin/stdout.
 *
 * @module
 */

import { serveCommands } from "./server_load.ts";

await serveCommands();
