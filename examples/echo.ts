/**
 * Echo server: sends every text and binary message back verbatim, on any path.
 *
 *     deno run --allow-net examples/echo.ts --port 8080 [--host 127.0.0.1]
 *
 * Prints `listening on ws://HOST:PORT/` once it accepts connections (with `--port 0`, the port
 * the system picked). Ctrl-C (SIGINT) closes every connection with 1001, then exits.
 *
 * @module
 */

import process from "node:process";
import { serve } from "../server/mod.ts";

const USAGE = "usage: echo.ts --port PORT [--host HOST]";

function parseArgs(args: readonly string[]): { port: number; host: string } {
  let port = 8080;
  let host = "127.0.0.1";
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if ((flag === "--port" || flag === "--host") && value === undefined) {
      throw new Error(`${flag} needs a value\n${USAGE}`);
    }
    if (flag === "--port") {
      port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new Error(`--port must be an integer from 0 to 65535: got ${value}\n${USAGE}`);
      }
      i++;
    } else if (flag === "--host") {
      host = value!;
      i++;
    } else {
      throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return { port, host };
}

let options: { port: number; host: string };
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const server = await serve({
  port: options.port,
  hostname: options.host,
  maxMessageSize: 16 * 1_048_576,
  onMessage: (conn, message) => {
    conn.send(message.data);
  },
});

const shown = options.host.includes(":") ? `[${options.host}]` : options.host;
console.log(`listening on ws://${shown}:${server.addr.port}/`);

process.once("SIGINT", async () => {
  await server.close();
  process.exit(0);
});
