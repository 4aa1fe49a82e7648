// Shared helpers of the recovery tests on Redis (no tests here): an event server with recovery
// on a real Redis in this process, clients with sessions, the cluster of a test.
import { rmSync } from "node:fs";
import type { RedisClientType } from "redis";
import { EventClient } from "../events/client.ts";
import { EventServer } from "../events/event_server.ts";
import { type ClientSession, recovery, type RecoveryResult } from "../events/session.ts";
import type { EventSocket } from "../events/socket.ts";
import type { RecoveryOptions } from "../events/store.ts";
import { FAST } from "../events/_helpers_test.ts";
import type { ServedWebSocketServer } from "../server/mod.ts";
import { RedisAdapter, RedisStore, type RedisStoreOptions } from "./mod.ts";
import { connect, RedisProcess, until, within } from "./_helpers_test.ts";

export interface Up {
  up: (n: number) => void;
  say: (n: number) => void;
  ask: (n: number) => number;
}
export interface Down {
  down: (n: number) => void;
}

/** Options of a test node: the store's bounds and the server's hold bounds. */
export type NodeOptions =
  & Partial<RedisStoreOptions>
  & Pick<RecoveryOptions, "holdLimit" | "holdTime">;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** An event server with recovery on Redis, in this process. */
export class Node {
  readonly ups: number[] = [];
  readonly sockets: EventSocket<Up, Down>[] = [];
  readonly errors: unknown[] = [];
  readonly io: EventServer<Up, Down>;
  server!: ServedWebSocketServer;
  away = false;
  #clients: RedisClientType[] = [];

  private constructor(io: EventServer<Up, Down>) {
    this.io = io;
    io.onConnection((socket) => {
      this.sockets.push(socket);
      if (!socket.recovered) socket.join("room");
      socket.on("up", (n) => void this.ups.push(n));
      socket.on("say", (n) => void io.to("room").emit("down", n));
      socket.on("ask", (n) => n * 2);
    });
  }

  static async start(redis: RedisProcess, options: NodeOptions = {}): Promise<Node> {
    const { holdLimit, holdTime, ...bounds } = options;
    const client = await connect(redis.url);
    const subscriber = client.duplicate();
    subscriber.on("error", () => {});
    await within(subscriber.connect(), 5_000, "subscriber connect");
    const store = new RedisStore({ client, subscriber, ...bounds });
    const node = new Node(new EventServer<Up, Down>({ recovery: { store, holdLimit, holdTime } }));
    node.#clients = [client, subscriber];
    node.server = await node.io.serve({
      port: 0,
      hostname: "127.0.0.1",
      engine: "codec",
      adapter: new RedisAdapter({ publisher: client, subscriber }),
      authenticate: () => node.away ? { status: 503 } : true,
      onError: (error) => void node.errors.push(error),
    });
    return node;
  }

  /** The newest socket. */
  get last(): EventSocket<Up, Down> {
    return this.sockets[this.sockets.length - 1]!;
  }

  async stop(): Promise<void> {
    await this.server.close();
    for (const client of this.#clients) if (client.isOpen) client.destroy();
  }
}

/** A client with a session, its url chosen by `url()` at each connection. */
export interface Member {
  client: EventClient<Down, Up>;
  session: ClientSession;
  results: RecoveryResult[];
  downs: number[];
}
export async function member(url: () => string): Promise<Member> {
  const session = recovery();
  const results: RecoveryResult[] = [];
  session.onRecovery((result) => void results.push(result));
  const client = new EventClient<Down, Up>(url, {
    ...FAST,
    recovery: session,
    onUnhandledError: false,
  });
  const downs: number[] = [];
  client.on("down", (n) => void downs.push(n));
  await until(() => results.length > 0, 5_000, "the first session answer");
  return { client, session, results, downs };
}

/** A Redis (append-only or not) and `count` nodes on it, stopped by the cleanups. */
export async function cluster(
  cleanups: (() => Promise<void> | void)[],
  count: number,
  options: NodeOptions = {},
  appendOnly = false,
): Promise<{ redis: RedisProcess; nodes: Node[] }> {
  const redis = await RedisProcess.start(undefined, appendOnly);
  cleanups.push(async () => {
    await redis.stop();
    if (redis.dir !== undefined) rmSync(redis.dir, { recursive: true, force: true });
  });
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) {
    const node = await Node.start(redis, options);
    cleanups.push(() => node.stop());
    nodes.push(node);
  }
  return { redis, nodes };
}
