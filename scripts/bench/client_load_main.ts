/**
 * Entry of the client benchmark's load process (bundled for Node by `bench_client.ts`):
 * `node client_load_main.mjs <npm folder>` serves the commands of `client_load.ts` with the
 * built package's client.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { serveClientCommands, type WirelyClientModules } from "./client_load.ts";

const npm = process.argv[2] ?? "npm";
const client = await import(pathToFileURL(`${npm}/client/mod.js`).href);
const tcp = await import(pathToFileURL(`${npm}/client/tcp.js`).href);
await serveClientCommands({
  WirelyClient: client.WirelyClient,
  tcpTransport: tcp.tcpTransport,
} as WirelyClientModules);
