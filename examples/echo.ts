/**
 * Echo server: sends every text and binary message back verbatim, on any path.
 *
 *     deno run --allow-net examples/echo.ts --port 8080 [--host 127.0.0.1] [--engine native|codec]
 *     node examples/echo.ts --port 8080
 *     bun examples/echo.ts --port 8080 [--engine native|codec]
 *
 * `--engine` picks the engine; without it, the runtime's default: in Deno `codec` (`node:http` and
 * wirely's codec; `native` is `Deno.serve` and `Deno.upgradeWebSocket`), in Bun `native`
 * (`Bun.serve` with Bun's own WebSockets; `codec` is `node:http`). Node always uses the codec
 * engine. permessage-deflate is accepted whenever a client offers it on the codec engine (Deno's
 * default, and Node); the native engines have none.
 *
 * Prints `listening on ws://HOST:PORT/` once it accepts connections (with `--port 0`, the port
 * the system picked). Ctrl-C (SIGINT) closes every connection with 1001, then exits.
 *
 * @module
 */

import process from "node:process";
import { serve, type ServerEngine } from "../server/mod.ts";

const USAGE = "usage: echo.ts --port PORT [--host HOST] [--engine native|codec]";

interface Args {
  port: number;
  host: string;
  /** Absent: the runtime's default engine. */
  engine: ServerEngine | undefined;
}

function parseArgs(args: readonly string[]): Args {
  let port = 8080;
  let host = "127.0.0.1";
  let engine: ServerEngine | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if ((flag === "--port" || flag === "--host" || flag === "--engine") && value === undefined) {
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
    } else if (flag === "--engine") {
      if (value !== "native" && value !== "codec") {
        throw new Error(`--engine must be native or codec: got ${value}\n${USAGE}`);
      }
      engine = value;
      i++;
    } else {
      throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return { port, host, engine };
}

let options: Args;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const server = await serve({
  ...(options.engine === undefined ? {} : { engine: options.engine }),
  port: options.port,
  hostname: options.host,
  limits: { maxMessageSize: 16 * 1_048_576 },
  onMessage: (conn, message) => {
    // The peer may already have started closing; sending then throws InvalidStateError.
    if (conn.state === "open") conn.send(message.data);
  },
});

const shown = options.host.includes(":") ? `[${options.host}]` : options.host;
console.log(`listening on ws://${shown}:${server.addr.port}/`);

process.once("SIGINT", async () => {
  await server.close();
  process.exit(0);
});
