/**
 * Entry of the permessage-deflate benchmark's load generator (bundled for Node by
 * `bench_deflate.ts`): serves the JSON commands of `deflate_load.ts` on stdin/stdout.
 *
 * @module
 */

import { serveDeflateCommands } from "./deflate_load.ts";

await serveDeflateCommands();
