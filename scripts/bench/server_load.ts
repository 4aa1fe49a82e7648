/**
 * The server benchmark's load generator: raw TCP clients (`node:net`) that send pre-built masked
 * frames, keep a window of messages in flight per connection and count what comes back by reading
 * frame headers only. `bench_server.ts` runs it as its own Node process (`server_load_main.ts`);
 * the smoke test uses {@linkcode LoadSession} in-process.
 *
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import process from "node:process";
import {
  CLOSE_FRAME,
  FrameCounter,
  maskedFrames,
  READ_BUFFER,
  upgradeRequest,
} from "./server_frames.ts";
import { type HandshakeTally, runHandshakes } from "./server_handshakes.ts";

/** What to open: echo clients, a broadcast sender and receivers, idle clients, or nothing (handshakes). */
export interface OpenCommand {
  kind: "echo" | "broadcast" | "idle" | "handshake";
  port: number;
  /** Connections (echo, idle) or receivers (broadcast). */
  connections: number;
  /** Message size in bytes. */
  size: number;
  /** Binary messages (`false`: ASCII text). */
  binary: boolean;
  /** Messages in flight per connection (echo) or in all (broadcast), or handshakes in flight. */
  window: number;
}

/** What one timed run measured. */
export interface RunResult {
  /** Messages echoed, deliveries, or handshakes completed before the deadline. */
  ops: number;
  /** Payload bytes received before the deadline. */
  bytes: number;
  /** Length of the timed run, in milliseconds. */
  elapsedMs: number;
  /** CPU time of this process (user + system) during the run, in milliseconds. */
  cpuMs: number;
  /** Whether everything in flight came back after the deadline (the session stays usable). */
  drained: boolean;
  /** Handshakes refused or lost (handshake scenario; 0 otherwise). */
  failed: number;
}

/** An upgraded generator connection. */
export interface Client {
  socket: Socket;
  counter: FrameCounter;
  /** Bytes that came with the 101 response. */
  leftover: Uint8Array;
  outstanding: number;
  closed: boolean;
  /**
   * Sets what gets the bytes read from now on: a view of the shared read buffer, valid only
   * during the call (see {@linkcode connect}).
   */
  listen(onData: (chunk: Uint8Array) => void): void;
}

const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEAD_END = new Uint8Array([13, 10, 13, 10]);

function indexOfHeadEnd(bytes: Uint8Array): number {
  outer: for (let i = 0; i + 4 <= bytes.length; i++) {
    for (let k = 0; k < 4; k++) if (bytes[i + k] !== HEAD_END[k]) continue outer;
    return i;
  }
  return -1;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reads the response head from `socket`'s data; calls `done` once with the bytes after it, or
 * with an error. Returns the function to give each piece of the socket's data (owned by it).
 */
export function readHead(
  done: (error: Error | undefined, rest: Uint8Array) => void,
): (chunk: Uint8Array) => void {
  let head: Uint8Array = new Uint8Array(0);
  const listener = (chunk: Uint8Array): void => {
    head = join(head, chunk);
    const end = indexOfHeadEnd(head);
    if (end === -1) {
      if (head.length > 8192) done(new Error("response head too long"), head);
      return;
    }
    const status = new TextDecoder().decode(head.subarray(0, 12));
    if (status !== "HTTP/1.1 101") done(new Error(`upgrade refused: ${status}`), head);
    else done(undefined, head.subarray(end + 4));
  };
  return listener;
}

/** Connects and upgrades; reads go to the head parser, then to what `listen` sets. */
export function connect(port: number, request: Uint8Array): Promise<Client> {
  return new Promise((resolve, reject) => {
    let onData: ((chunk: Uint8Array) => void) | undefined;
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    // The head's pieces are copied: the shared buffer is overwritten by the next read.
    const head = readHead((error, rest) => {
      socket.off("error", fail);
      if (error) return fail(error);
      onData = ignoreBytes;
      socket.on("error", () => {});
      resolve({
        socket,
        counter: new FrameCounter(),
        leftover: rest,
        outstanding: 0,
        closed: false,
        listen: (handler) => onData = handler,
      });
    });
    const socket = netConnect({
      host: HOST,
      port,
      onread: {
        buffer: READ_BUFFER,
        callback: (length: number, buffer: Uint8Array): boolean => {
          const chunk = buffer.subarray(0, length);
          if (onData !== undefined) onData(chunk);
          else head(chunk.slice());
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.once("error", fail);
    socket.once("connect", () => socket.write(request));
  });
}

const ignoreBytes = (): void => {};

/** Runs `task` for `items` indices with at most `limit` at a time. */
export async function inBatches<T>(
  items: number,
  limit: number,
  task: () => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  let started = 0;
  const worker = async () => {
    while (started < items) {
      started++;
      out.push(await task());
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items) }, worker));
  return out;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One set of open connections for one scenario, measured by repeated `run` calls. */
export class LoadSession {
  readonly #options: OpenCommand;
  #clients: Client[] = [];
  #sender: Client | undefined;
  #frames: Uint8Array = new Uint8Array(0);
  #frameLength = 0;
  #running = false;
  #ops = 0;
  #bytes = 0;
  #sent = 0;
  #delivered = 0;

  private constructor(options: OpenCommand) {
    this.#options = options;
  }

  /** Opens the connections of a scenario (handshakes 100 at a time). */
  static async open(options: OpenCommand): Promise<LoadSession> {
    const session = new LoadSession(options);
    const { kind, port, connections, size, binary, window } = options;
    if (kind === "handshake") return session;
    const path = kind === "broadcast" ? "/broadcast" : "/echo";
    const request = upgradeRequest(HOST, port, path);
    session.#clients = await inBatches(connections, 100, () => connect(port, request));
    if (kind === "idle") return session;
    session.#frames = maskedFrames(size, binary, window);
    session.#frameLength = session.#frames.length / window;
    if (kind === "broadcast") session.#sender = await connect(port, request);
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

  /** Runs the scenario for `ms` (at most `maxOps` operations), then lets what is in flight drain. */
  async run(ms: number, maxOps: number): Promise<RunResult> {
    const kind = this.#options.kind;
    this.#ops = 0;
    this.#bytes = 0;
    this.#sent = 0;
    this.#delivered = 0;
    const cpu0 = cpuMs();
    const start = performance.now();
    let result = { ops: 0, bytes: 0, elapsedMs: 0 };
    const tally: HandshakeTally = { running: true, ops: 0, maxOps, failed: 0 };
    const stopped = new Promise<void>((resolve) => {
      const check = () => {
        const now = performance.now();
        if (now - start >= ms || this.#ops + tally.ops >= maxOps) {
          this.#running = false;
          tally.running = false;
          result = { ops: this.#ops + tally.ops, bytes: this.#bytes, elapsedMs: now - start };
          resolve();
        } else setTimeout(check, Math.min(10, Math.max(1, ms - (now - start))));
      };
      setTimeout(check, Math.min(10, ms));
    });
    this.#running = true;
    let workers: Promise<void> | undefined;
    if (kind === "handshake") {
      const { port, window, size, binary } = this.#options;
      workers = runHandshakes(port, window, size, binary, tally);
    } else if (kind === "echo") {
      for (const client of this.#clients) this.#refill(client);
    } else if (kind === "broadcast") {
      this.#feedSender();
    }
    await stopped;
    const cpu = cpuMs() - cpu0;
    await workers;
    const drained = await this.#drain();
    return { ...result, cpuMs: cpu, drained, failed: tally.failed };
  }

  /** Sends a close frame on every connection and waits (bounded) until the server closed them. */
  async close(): Promise<void> {
    const all = this.#sender ? [...this.#clients, this.#sender] : this.#clients;
    const closed = all.map((client) =>
      new Promise<void>((resolve) => {
        if (client.socket.destroyed) return resolve();
        client.socket.once("close", () => resolve());
        client.socket.resume();
        client.socket.write(CLOSE_FRAME);
      })
    );
    await Promise.race([Promise.all(closed), sleep(3000)]);
    for (const client of all) client.socket.destroy();
    this.#clients = [];
    this.#sender = undefined;
  }

  async #drain(): Promise<boolean> {
    const kind = this.#options.kind;
    const limit = performance.now() + 5000;
    while (performance.now() < limit) {
      if (kind === "echo" && this.#clients.every((c) => c.outstanding === 0 || c.closed)) {
        return true;
      }
      if (kind === "broadcast" && this.#delivered >= this.#sent * this.#clients.length) {
        return true;
      }
      if (kind === "idle" || kind === "handshake") return true;
      await sleep(5);
    }
    return false;
  }

  #refill(client: Client): void {
    const n = this.#options.window - client.outstanding;
    if (n <= 0 || client.closed) return;
    client.outstanding += n;
    client.socket.write(this.#frames.subarray(0, n * this.#frameLength));
  }

  #feedSender(): void {
    const sender = this.#sender;
    if (sender === undefined || !this.#running || sender.closed) return;
    const window = this.#options.window;
    const inFlight = this.#sent - Math.floor(this.#delivered / this.#clients.length);
    if (inFlight >= window) return;
    const n = window - inFlight;
    this.#sent += n;
    sender.socket.write(this.#frames.subarray(0, n * this.#frameLength));
  }

  #onData(client: Client, chunk: Uint8Array): void {
    const counter = client.counter;
    const bytes0 = counter.bytes;
    const done = counter.push(chunk);
    if (done === 0) return;
    if (this.#running) {
      this.#ops += done;
      this.#bytes += counter.bytes - bytes0;
    }
    if (this.#options.kind === "echo") {
      client.outstanding -= done;
      // Refill at every read: the window stays full, and our data carries the ACK at once (a
      // server socket with Nagle's algorithm on would otherwise wait for a delayed ACK).
      if (this.#running) this.#refill(client);
    } else {
      this.#delivered += done;
      this.#feedSender();
    }
  }
}

/** Serves JSON commands from stdin, one per line, answering each with one JSON line. */
export async function serveCommands(): Promise<void> {
  const { createInterface } = await import("node:readline");
  const sessions = new Map<string, LoadSession>();
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
          sessions.set(id, await LoadSession.open(command));
          reply({ ok: true, openMs: performance.now() - t0 });
        } else if (command.cmd === "run") {
          const session = sessions.get(id);
          if (session === undefined) throw new Error(`no session ${id}`);
          reply(await session.run(command.ms, command.maxOps));
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
