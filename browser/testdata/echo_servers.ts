/**
 * Echo servers for `browser/client_test.ts`, one per runtime, behind one interface: wirely's
 * server in this Deno process (`serve()` from the sources, default native engine), and wirely's
 * server from the npm build in a Node or Bun child process (`node_echo_server.mjs`; on Bun its
 * `bun` entry, `Bun.serve`). Each records the
 * text messages its app received and the connections it accepted, across restarts, and can be
 * restarted on the same port. Also a static HTTP server that gives the page its origin.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serve, type ServedWebSocketServer } from "../../server/mod.ts";
import { within } from "../../testing/async.ts";

/** The client's heartbeat request. */
export const PING = '{"type":"wirely:ping"}';

/** How a server behaves. */
export interface EchoServerOptions {
  /** Port to listen on (`0`: a free one). @default 0 */
  port?: number;
  /** Turn off the heartbeat answer and leave heartbeat messages unanswered. @default false */
  silent?: boolean;
}

/** One echo server at a time, restartable; what it saw is kept across restarts. */
export interface EchoServer {
  /** Port of the latest start. */
  readonly port: number;
  /** `ws://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Text messages that reached the app (`onMessage`), in order. */
  readonly received: string[];
  /** Connections accepted (`onOpen`). */
  readonly opens: number;
  /** Starts listening; resolves with the URL. */
  start(options?: EchoServerOptions): Promise<string>;
  /** Stops the running server (nothing if none). */
  stop(): Promise<void>;
}

abstract class BaseServer {
  port = 0;
  opens = 0;
  readonly received: string[] = [];

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }
}

/** wirely's server in this Deno process; `stop()` is a graceful `close()` (1001 to peers). */
class DenoEchoServer extends BaseServer implements EchoServer {
  #server: ServedWebSocketServer | undefined;

  async start({ port = 0, silent = false }: EchoServerOptions = {}): Promise<string> {
    if (this.#server !== undefined) throw new Error("already running");
    this.#server = await serve({
      port,
      hostname: "127.0.0.1",
      limits: { closeTimeout: 500 },
      heartbeat: { appMessage: !silent },
      onOpen: () => this.opens++,
      onMessage: (conn, message) => {
        if (message.type === "text") this.received.push(message.data);
        if (silent && message.type === "text" && message.data === PING) return;
        conn.send(message.data);
      },
      onError: () => {},
    });
    this.port = this.#server.addr.port;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await within(server.close(), 5_000, "the Deno server to close");
  }
}

const NODE_SCRIPT = fileURLToPath(new URL("./node_echo_server.mjs", import.meta.url));

/** The Bun binary of the npm package bun (a devDependency). */
export const BUN: string = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));

/**
 * wirely's npm build in a child `node` (or `bun`: then `npm/server/mod.bun.js`, `Bun.serve`);
 * `stop()` kills it (SIGKILL: no closing handshake).
 */
class NodeEchoServer extends BaseServer implements EchoServer {
  readonly #runtime: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(runtime = "node") {
    super();
    this.#runtime = runtime;
  }

  async start({ port = 0, silent = false }: EchoServerOptions = {}): Promise<string> {
    if (this.#child !== undefined) throw new Error("already running");
    const child = spawn(this.#runtime, [NODE_SCRIPT, String(port), silent ? "silent" : "echo"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => stderr += chunk);
    const listening = new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`node exited (${code}): ${stderr}`)));
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const event = JSON.parse(line) as { event: string; port?: number; data?: string };
        if (event.event === "listening") resolve(event.port!);
        else if (event.event === "open") this.opens++;
        else if (event.event === "text") this.received.push(event.data!);
      });
    });
    try {
      this.port = await within(listening, 10_000, "the Node server to listen");
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await within(this.#exited, 5_000, "the Node server to exit");
  }
}

/** A server runtime under test. */
export interface ServerRuntime {
  /** Short name, for test names. */
  name: string;
  /** What runs, and how `stop()` ends it. */
  label: string;
  /** A new, not yet started, server. */
  create(): EchoServer;
}

/** The server runtimes. */
export const SERVER_RUNTIMES: readonly ServerRuntime[] = [
  {
    name: "Deno",
    label: "Deno (in-process serve(), native engine; stop: server.close(), 1001)",
    create: () => new DenoEchoServer(),
  },
  {
    name: "Node",
    label: "Node (npm/server/mod.js in a child `node`; stop: SIGKILL, no close frame)",
    create: () => new NodeEchoServer(),
  },
  {
    name: "Bun",
    label: "Bun (npm/server/mod.bun.js in a child `bun`, Bun.serve; stop: SIGKILL, no close frame)",
    create: () => new NodeEchoServer(BUN),
  },
];

/** A static HTTP server on 127.0.0.1: `/` is an HTML page that loads `/page.js`. */
export interface StaticSite {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  /** Stops it (drops open keep-alive connections). */
  close(): Promise<void>;
}

/** Serves the page and its bundled script, so the page has a real `http:` origin. */
export async function serveStatic(script: string): Promise<StaticSite> {
  const html = '<!doctype html><meta charset="utf-8"><title>wirely in Chromium</title>' +
    '<script type="module" src="/page.js"></script>';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    } else if (path === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
