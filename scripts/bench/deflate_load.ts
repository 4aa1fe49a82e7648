/**
 * The permessage-deflate benchmark's load generator: raw TCP clients (the server benchmark's
 * `connect`, `inBatches` and `FrameCounter`) that offer permessage-deflate, send pre-compressed
 * masked 1 KiB JSON chat messages (`deflate_messages.ts`) and count what comes back from the
 * frame headers and the socket: messages, RSV1 (compressed) frames and bytes on the wire. The
 * generator never runs zlib while it measures, so it stays far cheaper than the servers.
 * `bench_deflate.ts` runs it as its own Node process (`deflate_load_main.ts`); the smoke test
 * uses {@linkcode DeflateSession} in-process.
 *
 * @module
 */

import process from "node:process";
import type { FrameCounter } from "./server_frames.ts";
import { type Client, connect, inBatches } from "./server_load.ts";
import {
  chatMessages,
  deflateUpgradeRequest,
  type FrameRing,
  frameRing,
} from "./deflate_messages.ts";
import { CLOSE_FRAME } from "./server_frames.ts";

/** What to open: echo clients, a broadcast sender and receivers, or connections that wait. */
export interface DeflateOpen {
  kind: "echo" | "broadcast" | "idle";
  port: number;
  /** Connections (echo, idle) or receivers (broadcast). */
  connections: number;
  /** Offer permessage-deflate and send compressed messages. */
  deflate: boolean;
  /** Messages in flight per connection (echo) or in all (broadcast). */
  window: number;
}

/** What one run or exchange measured (rates are the caller's business). */
export interface DeflateResult {
  /** Messages echoed or deliveries before the deadline. */
  ops: number;
  /** Of those, frames with RSV1 set (compressed by the server). */
  compressed: number;
  /** Bytes the server wrote to the sockets (frame headers included) before the deadline. */
  wireIn: number;
  /** Bytes the generator wrote (frame headers and masks included) before the deadline. */
  wireOut: number;
  /** Messages the generator sent before the deadline. */
  sent: number;
  elapsedMs: number;
  /** CPU time of this process during the run, milliseconds. */
  cpuMs: number;
  /** Whether everything in flight came back after the deadline. */
  drained: boolean;
}

const MESSAGES = 256;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

interface Peer extends Client {
  cursor: number;
}

/** One set of open connections, measured by `run` (timed) or `exchange` (n messages each). */
export class DeflateSession {
  readonly #options: DeflateOpen;
  readonly #ring: FrameRing;
  #clients: Peer[] = [];
  #sender: Peer | undefined;
  #running = false;
  #ops = 0;
  #compressed = 0;
  #wireIn = 0;
  #wireOut = 0;
  #sent = 0;
  #received = 0;
  #expected = 0;

  private constructor(options: DeflateOpen) {
    this.#options = options;
    this.#ring = frameRing(chatMessages(MESSAGES), options.deflate);
  }

  /** Opens the connections (handshakes 100 at a time). */
  static async open(options: DeflateOpen): Promise<DeflateSession> {
    const session = new DeflateSession(options);
    const { kind, port, connections, deflate } = options;
    const request = deflateUpgradeRequest(
      port,
      kind === "broadcast" ? "/broadcast" : "/echo",
      deflate,
    );
    const open = async (): Promise<Peer> => ({ ...(await connect(port, request)), cursor: 0 });
    session.#clients = await inBatches(connections, 100, open);
    if (kind === "broadcast") session.#sender = await open();
    for (const client of session.#clients) {
      client.listen((chunk) => session.#onData(client, chunk));
      client.socket.on("close", () => client.closed = true);
      if (client.leftover.length > 0) session.#onData(client, client.leftover);
    }
    return session;
  }

  /** Open connections (receivers and the sender of a broadcast). */
  get size(): number {
    return this.#clients.length + (this.#sender ? 1 : 0);
  }

  #reset(): void {
    this.#ops =
      this.#compressed =
      this.#wireIn =
      this.#wireOut =
      this.#sent =
        0;
    this.#received = this.#expected = 0;
  }

  /** Runs echo or broadcast for `ms` (at most `maxOps`), then lets what is in flight drain. */
  async run(ms: number, maxOps: number): Promise<DeflateResult> {
    this.#reset();
    const cpu0 = cpuMs();
    const start = performance.now();
    this.#running = true;
    if (this.#options.kind === "echo") { for (const client of this.#clients) this.#refill(client); }
    else if (this.#options.kind === "broadcast") this.#feedSender();
    while (performance.now() - start < ms && this.#ops < maxOps) await sleep(Math.min(10, ms));
    this.#running = false;
    const result = this.#result(start, cpu0);
    const drained = await this.#drain(5000);
    return { ...result, drained };
  }

  /** Every connection sends `perClient` messages at once; waits (bounded) for every echo. */
  async exchange(perClient: number, timeoutMs = 60_000): Promise<DeflateResult> {
    this.#reset();
    const cpu0 = cpuMs();
    const start = performance.now();
    for (const client of this.#clients) {
      client.outstanding += perClient;
      this.#send(client, perClient);
    }
    this.#expected = this.#sent;
    const drained = await this.#drain(timeoutMs);
    return { ...this.#result(start, cpu0), drained };
  }

  #result(start: number, cpu0: number): DeflateResult {
    return {
      ops: this.#ops,
      compressed: this.#compressed,
      wireIn: this.#wireIn,
      wireOut: this.#wireOut,
      sent: this.#sent,
      elapsedMs: performance.now() - start,
      cpuMs: cpuMs() - cpu0,
      drained: false,
    };
  }

  /** Sends a close frame on every connection and waits (bounded) until the server closed them. */
  async close(): Promise<void> {
    const all = this.#sender ? [...this.#clients, this.#sender] : this.#clients;
    const closed = all.map((client) =>
      new Promise<void>((resolve) => {
        if (client.socket.destroyed) return resolve();
        client.socket.once("close", () => resolve());
        client.socket.write(CLOSE_FRAME);
      })
    );
    await Promise.race([Promise.all(closed), sleep(5000)]);
    for (const client of all) client.socket.destroy();
    this.#clients = [];
    this.#sender = undefined;
  }

  async #drain(timeoutMs: number): Promise<boolean> {
    const limit = performance.now() + timeoutMs;
    const receivers = this.#options.kind === "broadcast" ? this.#clients.length : 1;
    while (performance.now() < limit) {
      const target = this.#options.kind === "broadcast" ? this.#sent * receivers : this.#expected;
      if (this.#options.kind === "echo" && this.#expected === 0) {
        if (this.#clients.every((c) => c.outstanding === 0 || c.closed)) return true;
      } else if (this.#received >= target) return true;
      await sleep(5);
    }
    return false;
  }

  /** Writes the next `n` frames of the ring on `client`. */
  #send(client: Peer, n: number): void {
    const { bytes, offsets } = this.#ring;
    while (n > 0) {
      const take = Math.min(n, MESSAGES - client.cursor);
      const chunk = bytes.subarray(offsets[client.cursor]!, offsets[client.cursor + take]!);
      client.socket.write(chunk);
      this.#wireOut += chunk.length;
      this.#sent += take;
      client.cursor = (client.cursor + take) % MESSAGES;
      n -= take;
    }
  }

  #refill(client: Peer): void {
    const n = this.#options.window - client.outstanding;
    if (n <= 0 || client.closed) return;
    client.outstanding += n;
    this.#send(client, n);
  }

  #feedSender(): void {
    const sender = this.#sender;
    if (sender === undefined || !this.#running || sender.closed) return;
    const inFlight = this.#sent - Math.floor(this.#received / this.#clients.length);
    if (inFlight < this.#options.window) this.#send(sender, this.#options.window - inFlight);
  }

  #onData(client: Peer, chunk: Uint8Array): void {
    const counter: FrameCounter = client.counter;
    const compressed0 = counter.compressed;
    const done = counter.push(chunk);
    if (this.#running || this.#expected > 0) {
      this.#wireIn += chunk.length;
      this.#ops += done;
      this.#compressed += counter.compressed - compressed0;
    }
    if (done === 0) return;
    this.#received += done;
    if (this.#options.kind === "broadcast") return this.#feedSender();
    client.outstanding -= done;
    if (this.#running && this.#options.kind === "echo") this.#refill(client);
  }
}

/** Serves JSON commands (`open`, `run`, `exchange`, `close`, `quit`) from stdin, one per line. */
export async function serveDeflateCommands(): Promise<void> {
  const { createInterface } = await import("node:readline");
  const sessions = new Map<string, DeflateSession>();
  const reply = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      const command = line.startsWith("{") ? JSON.parse(line) : { cmd: line.trim() };
      const id = String(command.id ?? "");
      try {
        if (command.cmd === "open") {
          await sessions.get(id)?.close();
          const t0 = performance.now();
          const session = await DeflateSession.open(command);
          sessions.set(id, session);
          reply({ ok: true, openMs: performance.now() - t0, size: session.size });
        } else if (command.cmd === "run" || command.cmd === "exchange") {
          const session = sessions.get(id);
          if (session === undefined) throw new Error(`no session ${id}`);
          reply(
            command.cmd === "run"
              ? await session.run(command.ms, command.maxOps)
              : await session.exchange(command.perClient),
          );
        } else if (command.cmd === "close") {
          await sessions.get(id)?.close();
          sessions.delete(id);
          reply({ ok: true });
        } else if (command.cmd === "quit") {
          for (const session of sessions.values()) await session.close();
          reply({ ok: true });
          process.exit(0);
        } else throw new Error(`unknown command ${command.cmd}`);
      } catch (error) {
        reply({ error: String(error) });
      }
    });
  });
}
