/**
 * Starts an example app: parses `--port`, `--host` and `--engine`, bundles the app's
 * `page.ts`, serves `index.html`, the bundle and the shared stylesheet on the same port as the
 * WebSocket route `/ws`, prints `listening on http://HOST:PORT/`, and on SIGINT or SIGTERM
 * closes every connection with 1001 and exits.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import type { ServerEngine, ServerOptions, WebSocketServer } from "../../server/mod.ts";
import { bundlePage, stopBundler } from "./bundle.ts";
import { listen, type StaticFile } from "./listen.ts";

/** Command-line arguments of every example server. */
export interface AppArgs {
  port: number;
  host: string;
  engine: ServerEngine;
}

/** Parses `--port N --host H --engine native|codec`; throws with a usage line on bad input. */
export function parseArgs(args: readonly string[], defaultPort: number): AppArgs {
  const usage = "usage: server.ts [--port PORT] [--host HOST] [--engine native|codec]";
  const parsed: AppArgs = { port: defaultPort, host: "127.0.0.1", engine: "native" };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag !== "--port" && flag !== "--host" && flag !== "--engine") {
      throw new Error(`unknown argument ${flag}\n${usage}`);
    }
    if (value === undefined) throw new Error(`${flag} needs a value\n${usage}`);
    if (flag === "--port") {
      parsed.port = Number(value);
      if (!Number.isInteger(parsed.port) || parsed.port < 0 || parsed.port > 65_535) {
        throw new Error(`--port must be an integer from 0 to 65535: got ${value}\n${usage}`);
      }
    } else if (flag === "--host") {
      parsed.host = value;
    } else if (value === "native" || value === "codec") {
      parsed.engine = value;
    } else {
      throw new Error(`--engine must be native or codec: got ${value}\n${usage}`);
    }
  }
  return parsed;
}

/** Which app to start. */
export interface AppOptions<Data> {
  /** `import.meta.url` of the app's `server.ts` (its folder holds `index.html` and `page.ts`). */
  base: string;
  /** Port when `--port` is not given. */
  defaultPort: number;
  /** The WebSocket server's options (hooks, limits). */
  ws: ServerOptions<Data>;
}

/** The running app; `wss` is there for `broadcast` from the hooks. */
export interface App<Data> {
  wss: WebSocketServer<Data>;
  url: string;
}

/** Starts the app as described in the module doc; exits with code 2 on bad arguments. */
export async function startApp<Data>(options: AppOptions<Data>): Promise<App<Data>> {
  let args: AppArgs;
  try {
    args = parseArgs(process.argv.slice(2), options.defaultPort);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const html = await readFile(new URL("./index.html", options.base), "utf8");
  const css = await readFile(new URL("./style.css", import.meta.url), "utf8");
  const js = await bundlePage(new URL("./page.ts", options.base));
  await stopBundler(); // esbuild's helper process would keep the runtime alive
  const files = new Map<string, StaticFile>([
    ["/", { type: "text/html; charset=utf-8", body: html }],
    ["/page.js", { type: "text/javascript; charset=utf-8", body: js }],
    ["/style.css", { type: "text/css; charset=utf-8", body: css }],
  ]);
  const server = await listen({
    port: args.port,
    hostname: args.host,
    engine: args.engine,
    files,
    wsPath: "/ws",
    ws: options.ws,
  });
  const host = args.host.includes(":") ? `[${args.host}]` : args.host;
  const url = `http://${host}:${server.port}/`;
  console.log(`listening on ${url} (engine ${server.engine})`);
  const shutdown = async (): Promise<void> => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  return { wss: server.wss, url };
}
