// Shared helpers of the Redis backplane tests (no tests here): a real redis-server per test on a
// free port (stopped by PID), node-redis clients, and a cluster of event servers sharing it.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createClient, type RedisClientType } from "redis";
import type { EventClient } from "../events/client.ts";
import { Rig } from "../events/_helpers_test.ts";
import type { PubSubAdapter, ServeOptions } from "../server/mod.ts";
import { until, within } from "../testing/async.ts";
import { RedisAdapter } from "./mod.ts";

export { until, within };

/** Debian's redis-server (`apt-get install redis-server`). */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** `false` when redis-server exists, else the reason to skip. */
export const skipWithoutRedis: string | false = existsSync(REDIS_SERVER)
  ? false
  : `no ${REDIS_SERVER} (apt-get install redis-server)`;

/** A free TCP port on 127.0.0.1 (the kernel picks it; released before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * One redis-server process, loopback only: no persistence, or (`appendOnly`) an append-only
 * file with `appendfsync always` in a fresh temporary folder, so a restart keeps every write.
 */
export class RedisProcess {
  readonly port: number;
  /** The data folder of an append-only Redis (`undefined`: no persistence). */
  readonly dir: string | undefined;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string | undefined) {
    this.port = port;
    this.dir = dir;
  }

  /** The URL clients connect to. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on `port` (a free one by default); resolves once it accepts connections. */
  static async start(port?: number, appendOnly = false): Promise<RedisProcess> {
    const dir = appendOnly ? mkdtempSync(join(tmpdir(), "wirely-redis-")) : undefined;
    const redis = new RedisProcess(port ?? await freePort(), dir);
    await redis.restart();
    return redis;
  }

  /** Starts the process again on the same port (after `stop`). */
  async restart(): Promise<void> {
    const child = spawn(REDIS_SERVER, [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      ...(this.dir === undefined
        ? ["--appendonly", "no"]
        : ["--appendonly", "yes", "--appendfsync", "always", "--dir", this.dir]),
    ], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let output = "";
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("Ready to accept connections")) resolve();
      });
      child.stderr!.on("data", (chunk: string) => output += chunk);
      child.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
      child.once("error", reject);
    });
    await within(ready, 10_000, `redis-server on port ${this.port}`);
  }

  /**
   * Stops the process by its PID and waits for it to exit: SIGKILL (like a crash) by default,
   * SIGTERM for a graceful shutdown (Redis writes its append-only file and exits).
   */
  async stop(signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(child.pid!, signal);
    await within(exited, 5_000, "redis-server to exit");
  }
}

/** A node-redis client, connected, that retries every 20 ms (errors are the adapter's to report). */
export async function connect(url: string): Promise<RedisClientType> {
  const client = createClient({
    url,
    socket: { reconnectStrategy: () => 20 },
  }) as unknown as RedisClientType;
  client.on("error", () => {});
  await within(client.connect(), 5_000, "redis client connect");
  return client;
}

/** `PUBSUB NUMSUB channel`: how many clients are subscribed to `channel`. */
export async function subscribers(
  control: RedisClientType,
  channel: string,
): Promise<number> {
  const reply = await control.sendCommand(["PUBSUB", "NUMSUB", channel]) as [unknown, number];
  return Number(reply[1]);
}

/** `PUBSUB CHANNELS pattern`, sorted. */
export async function channels(
  control: RedisClientType,
  pattern: string,
): Promise<string[]> {
  const reply = await control.sendCommand(["PUBSUB", "CHANNELS", pattern]) as unknown[];
  return reply.map(String).sort();
}

export interface ClientToServer {
  join: (rooms: string[]) => number;
  leave: (room: string) => number;
  relay: (request: { to: string[]; except: string[]; text: string }) => number;
}
export interface ServerToClient {
  news: (text: string) => void;
}
export type Client = EventClient<ServerToClient, ClientToServer>;
/** A client and the `news` it got. */
export interface Member {
  client: Client;
  news: string[];
}

/** One event server of a cluster, with the Redis clients of its adapter (if any). */
export class Node {
  readonly rig: Rig<ClientToServer, ServerToClient> = new Rig<ClientToServer, ServerToClient>();
  readonly errors: unknown[] = [];
  readonly adapter: PubSubAdapter;
  /** The adapter's publisher and subscriber (none on a MemoryAdapter). */
  readonly redisClients: RedisClientType[];

  constructor(adapter: PubSubAdapter, clients: RedisClientType[] = []) {
    this.adapter = adapter;
    this.redisClients = clients;
    const { io } = this.rig;
    io.onConnection((socket) => {
      socket.on("join", (rooms) => {
        for (const room of rooms) socket.join(room);
        return socket.rooms.size;
      });
      socket.on("leave", (room) => {
        socket.leave(room);
        return socket.rooms.size;
      });
      // A socket's own broadcast: socket.to(...).except(...).emit leaves out the sender.
      socket.on("relay", ({ to, except, text }) => {
        let operator = socket.broadcast;
        for (const room of to) operator = operator.to(room);
        return (except.length > 0 ? operator.except(except) : operator).emit("news", text);
      });
    });
  }

  /** A node on Redis at `url`, with its own publisher and subscriber. */
  static async redis(url: string, options: { countTimeout?: number } = {}): Promise<Node> {
    const publisher = await connect(url);
    const subscriber = publisher.duplicate();
    subscriber.on("error", () => {});
    await within(subscriber.connect(), 5_000, "subscriber connect");
    const adapter = new RedisAdapter({ publisher, subscriber, ...options });
    return new Node(adapter, [publisher, subscriber]);
  }

  get redisAdapter(): RedisAdapter {
    return this.adapter as RedisAdapter;
  }

  /** Starts the server (codec engine) with this node's adapter. */
  async start(options: ServeOptions = {}): Promise<this> {
    await this.rig.start("codec", {
      adapter: this.adapter,
      onError: (error) => this.errors.push(error),
      ...options,
    });
    if (this.adapter instanceof RedisAdapter) await this.adapter.settled();
    return this;
  }

  /** An events client of this server, in `rooms`, with every `news` it gets recorded. */
  async member(rooms: string[]): Promise<Member> {
    const client = await this.rig.client<ServerToClient, ClientToServer>();
    const news: string[] = [];
    client.on("news", (text) => void news.push(text));
    await within(client.emitWithAck("join", rooms), 5_000, "join");
    if (this.adapter instanceof RedisAdapter) await this.adapter.settled();
    return { client, news };
  }

  /** Stops the server, then closes its Redis clients. */
  async stop(): Promise<void> {
    await this.rig.stop();
    for (const client of this.redisClients) {
      if (client.isOpen) client.destroy();
    }
  }
}
