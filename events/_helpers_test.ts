// Shared helpers of the events tests (no tests here): a server per engine, typed clients over
// `ws` (so the files also run in Node 20), bounded waits.
import WebSocket from "ws";
import type { WebSocketConstructor } from "../client/native_transport.ts";
import type { ServedWebSocketServer, ServeOptions, ServerEngine } from "../server/mod.ts";
import { EventClient, type EventClientOptions } from "./client.ts";
import type { EventError } from "./errors.ts";
import { EventServer, type EventServerOptions } from "./event_server.ts";
import { until, within } from "../testing/async.ts";
import { opened } from "../client/lifecycle.ts";
export { until, within };

export { WebSocket };

/** `ws`'s client class as the native transport's constructor. */
export const WsWebSocket: WebSocketConstructor = WebSocket;

/** Whether Deno's native server engine exists here. */
export const inDeno: boolean =
  typeof (globalThis as { Deno?: { upgradeWebSocket?: unknown } }).Deno?.upgradeWebSocket ===
    "function";

/** Engines to run each suite on: both in Deno, the codec engine elsewhere. */
export const ENGINES: { engine: ServerEngine; skip: string | false }[] = [
  { engine: "codec", skip: false },
  { engine: "native", skip: inDeno ? false : "the native engine needs Deno (Deno.serve)" },
];

/** Client options for tests: `ws`, short backoff, no browser signals. */
export const FAST: EventClientOptions = {
  WebSocket: WsWebSocket,
  backoff: { baseDelay: 5, maxDelay: 20 },
  closeTimeout: 1_000,
};

/** Resolves with the rejection of `promise` (fails when it resolves), within 5 s. */
export async function rejection(promise: Promise<unknown>, what: string): Promise<EventError> {
  const outcome = await within(
    promise.then((value) => ({ value }), (error: EventError) => ({ error })),
    5_000,
    what,
  );
  if ("error" in outcome) return outcome.error;
  throw new Error(`${what}: resolved with ${JSON.stringify(outcome.value)}`);
}

/** A running event server and what a test needs to close. */
export class Rig<Listen extends object, Emit extends object, Data = undefined> {
  readonly io: EventServer<Listen, Emit, Data>;
  server!: ServedWebSocketServer<Data>;
  readonly clients: EventClient<never, never>[] = [];
  readonly raws: WebSocket[] = [];
  readonly errors: EventError[] = [];

  constructor(options: EventServerOptions<Data> = {}) {
    this.io = new EventServer<Listen, Emit, Data>({
      ...options,
      onError: (error) => this.errors.push(error),
    });
  }

  /** Starts the server on `engine` (127.0.0.1, a free port). */
  async start(engine: ServerEngine, options: ServeOptions<Data> = {}): Promise<this> {
    this.server = await this.io.serve({
      port: 0,
      hostname: "127.0.0.1",
      engine,
      onError: () => {},
      ...options,
    });
    return this;
  }

  /** An event client of this server, open (5 s at most). */
  async client<L extends object, E extends object>(
    options: EventClientOptions = {},
    query: string = "",
  ): Promise<EventClient<L, E>> {
    const client = new EventClient<L, E>(this.server.url + query, { ...FAST, ...options });
    this.clients.push(client as unknown as EventClient<never, never>);
    await within(opened(client.client), 5_000, "client open");
    return client;
  }

  /** A raw `ws` peer offering `protocols`, open, with every message recorded in `inbox`. */
  async raw(
    protocols: string[] = ["wirely.v1"],
  ): Promise<{ ws: WebSocket; inbox: (string | Uint8Array)[] }> {
    const ws = new WebSocket(this.server.url, protocols);
    this.raws.push(ws);
    const inbox: (string | Uint8Array)[] = [];
    ws.on("message", (data: Uint8Array, binary: boolean) => {
      inbox.push(binary ? new Uint8Array(data) : new TextDecoder().decode(data));
    });
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      }),
      5_000,
      "raw open",
    );
    return { ws, inbox };
  }

  /** Closes every client and the server. */
  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const ws of this.raws) ws.terminate();
    await this.server?.close();
  }
}

/** Records the data of every `event` a client or socket receives. */
export function record<T>(
  target: { on(event: string, handler: (data: T) => void): unknown },
  event: string,
): T[] {
  const seen: T[] = [];
  target.on(event, (data: T) => {
    seen.push(data);
  });
  return seen;
}
