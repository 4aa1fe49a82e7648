/**
 * The client benchmark's load (issue 16): `connections` clients of one kind against an echo
 * server, each keeping `window` messages of `size` bytes in flight (one sent per one received),
 * counting echoes and this process's CPU time. Kinds: `wirely` (`WirelyClient` over
 * `tcpTransport()`, the codec over `node:net`) and `ws` (npm `ws`'s `WebSocket`, its JavaScript
 * path). `bench_client.ts` runs it as its own Node process (`client_load_main.ts`, the built
 * package); the smoke test uses {@linkcode ClientSession} in-process with the sources.
 *
 * @module
 */

import process from "node:process";
import { WebSocket } from "ws";
import type { WirelyClient as WirelyClientClass } from "../../client/mod.ts";
import type { tcpTransport as tcpTransportFn } from "../../client/tcp.ts";

/** wirely's client classes, passed in (the built package in Node, the sources in tests). */
export interface WirelyClientModules {
  WirelyClient: typeof WirelyClientClass;
  tcpTransport: typeof tcpTransportFn;
}

/** What to open. */
export interface ClientOpenCommand {
  impl: "wirely" | "ws";
  /** The echo server's port on 127.0.0.1 (path `/echo`). */
  port: number;
  connections: number;
  /** Message size in bytes (binary messages). */
  size: number;
  /** Messages in flight per connection. */
  window: number;
}

/** What one timed run measured. */
export interface ClientRunResult {
  /** Echoes received before the deadline. */
  messages: number;
  elapsedMs: number;
  /** CPU time of this process (user + system) during the run, in milliseconds. */
  cpuMs: number;
}

/** One connection, whatever its kind: send, and a count of what came back. */
interface Peer {
  send(): void;
  close(): void;
}

/** The clients of one scenario; messages flow only while a run is on. */
export class ClientSession {
  #peers: Peer[] = [];
  #received = 0;
  #running = false;
  #outstanding = 0;
  #drained: (() => void) | undefined;

  private constructor() {}

  /** Connects every client (bounded by 10 s). */
  static async open(
    command: ClientOpenCommand,
    wirely: WirelyClientModules,
  ): Promise<ClientSession> {
    const session = new ClientSession();
    const payload = new Uint8Array(command.size).fill(0x61);
    const url = `ws://127.0.0.1:${command.port}/echo`;
    const opened: Promise<void>[] = [];
    for (let i = 0; i < command.connections; i++) {
      if (command.impl === "ws") {
        const ws = new WebSocket(url);
        ws.binaryType = "arraybuffer";
        ws.on("error", () => {});
        ws.on("message", () => session.#onEcho(peer));
        const peer: Peer = { send: () => ws.send(payload), close: () => ws.close() };
        opened.push(
          new Promise((resolve, reject) => {
            ws.once("open", () => resolve());
            ws.once("error", reject);
          }),
        );
        session.#peers.push(peer);
      } else {
        const client = new wirely.WirelyClient(url, {
          transport: wirely.tcpTransport({ perMessageDeflate: false }),
        });
        const peer: Peer = { send: () => void client.send(payload), close: () => client.close() };
        client.on("message", () => session.#onEcho(peer));
        opened.push(new Promise<void>((resolve) => client.on("open", () => resolve())));
        session.#peers.push(peer);
      }
    }
    await withTimeout(Promise.all(opened), 10_000, "clients open");
    return session;
  }

  #onEcho(peer: Peer): void {
    this.#outstanding--;
    if (this.#running) {
      this.#received++;
      this.#outstanding++;
      peer.send();
    } else if (this.#outstanding === 0) {
      this.#drained?.();
    }
  }

  /** Sends `window` messages on every connection, counts echoes for `ms`, then drains. */
  async run(ms: number, window: number): Promise<ClientRunResult> {
    this.#received = 0;
    this.#running = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const peer of this.#peers) {
      for (let i = 0; i < window; i++) {
        this.#outstanding++;
        peer.send();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.#running = false;
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const messages = this.#received;
    if (this.#outstanding > 0) {
      await withTimeout(
        new Promise<void>((resolve) => this.#drained = resolve),
        10_000,
        "echoes in flight",
      );
    }
    this.#drained = undefined;
    return { messages, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  /** Closes every client. */
  close(): void {
    for (const peer of this.#peers) peer.close();
    this.#peers = [];
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Serves JSON commands on stdin (`open`, `run`, `close`, `quit`), one answer line each. */
export async function serveClientCommands(wirely: WirelyClientModules): Promise<void> {
  const { createInterface } = await import("node:readline");
  const sessions = new Map<string, ClientSession>();
  const reply = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      const command = line.startsWith("{") ? JSON.parse(line) : { cmd: line.trim() };
      const id = String(command.id ?? "");
      try {
        if (command.cmd === "open") {
          sessions.get(id)?.close();
          sessions.set(id, await ClientSession.open(command, wirely));
          reply({ ok: true });
        } else if (command.cmd === "run") {
          const session = sessions.get(id);
          if (session === undefined) throw new Error(`no session ${id}`);
          reply(await session.run(command.ms, command.window));
        } else if (command.cmd === "close") {
          sessions.get(id)?.close();
          sessions.delete(id);
          reply({ ok: true });
        } else if (command.cmd === "quit") {
          for (const session of sessions.values()) session.close();
          reply({ ok: true });
          process.exit(0);
        } else throw new Error(`unknown command ${command.cmd}`);
      } catch (error) {
        reply({ error: String(error) });
      }
    });
  });
}
