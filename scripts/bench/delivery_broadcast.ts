/**
 * The broadcast throughput of the delivery benchmark, for Node: `receivers` raw `ws` clients
 * spread evenly over the cluster's servers, all in room `room` (they only count what they get,
 * the same cost per message for both systems: socket.io's speak engine.io by hand), and one
 * sender on the first server, with its system's client, emitting `say`; each server re-emits it
 * to the room, so it crosses Redis to the two other servers. At most `window` events are in
 * flight (sent but not yet delivered to every receiver). No chaos here.
 *
 * @module
 */

import process from "node:process";
import WebSocket from "ws";
import { io as socketIo } from "socket.io-client";
import { EventClient } from "../../events/client.ts";

/** What the orchestrator asks for. */
export interface BroadcastConfig {
  kind: "wirely" | "socketio";
  ports: number[];
  receivers: number;
  events: number;
  window: number;
  deadlineMs: number;
}

/** The result of one throughput run. */
export interface BroadcastResult {
  events: number;
  deliveries: number;
  elapsedMs: number;
  cpuMs: number;
  complete: boolean;
}

const line = { from: 1, text: "hello everyone in the room, this is a chat line" };

/** Opens one receiver on `port`; resolves once the server said `joined`. */
function receiver(kind: string, port: number, count: () => void): Promise<WebSocket> {
  const socketio = kind === "socketio";
  const url = socketio
    ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`
    : `ws://127.0.0.1:${port}/?room=room`;
  const ws = new WebSocket(url, socketio ? [] : ["wirely.v1"], { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let joined = false;
    ws.once("error", reject);
    ws.on("message", (data: Uint8Array) => {
      if (socketio && data.length === 1 && data[0] === 0x32) return void ws.send("3"); // ping
      if (joined) return count();
      if (socketio) {
        const text = String(data);
        if (text.startsWith("0")) return void ws.send('40{"room":"room"}');
        if (!text.startsWith("42")) return; // "40{sid}": connected, "joined" follows
      }
      joined = true;
      resolve(ws);
    });
  });
}

async function sender(kind: string, port: number): Promise<{ emit(): void; close(): void }> {
  if (kind === "wirely") {
    const client = new EventClient(`ws://127.0.0.1:${port}/`, {
      WebSocket: WebSocket as never,
    });
    await new Promise<void>((resolve) => client.once("joined", () => resolve()));
    return { emit: () => client.emit("say", line), close: () => client.close() };
  }
  const client = socketIo(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  await new Promise<void>((resolve) => client.once("joined", () => resolve()));
  return { emit: () => void client.emit("say", line), close: () => void client.close() };
}

/**
 * One throughput run: {@linkcode BroadcastRun.open} connects the receivers and the sender,
 * {@linkcode BroadcastRun.run} measures (so that the servers' CPU can be read around the run
 * alone) and closes them.
 */
export class BroadcastRun {
  readonly #config: BroadcastConfig;
  #sockets: WebSocket[] = [];
  #send: { emit(): void; close(): void } | undefined;
  #deliveries = 0;
  #onDelivery = (): void => {};

  constructor(config: BroadcastConfig) {
    this.#config = config;
  }

  /** Connects every receiver (spread over the servers) and the sender (first server). */
  async open(): Promise<void> {
    const { kind, ports, receivers } = this.#config;
    const count = (): void => {
      this.#deliveries++;
      this.#onDelivery();
    };
    for (let i = 0; i < receivers; i += 50) {
      const batch = Math.min(50, receivers - i);
      this.#sockets.push(
        ...await Promise.all(
          Array.from(
            { length: batch },
            (_, j) => receiver(kind, ports[(i + j) % ports.length]!, count),
          ),
        ),
      );
    }
    this.#send = await sender(kind, ports[0]!);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room subscriptions settle
    this.#deliveries = 0;
  }

  /** Sends `events` events, `window` in flight; stops at the last delivery or the deadline. */
  async run(): Promise<BroadcastResult> {
    const { receivers, events, window, deadlineMs } = this.#config;
    const send = this.#send!;
    const total = events * receivers;
    let sent = 0;
    const room = (): boolean =>
      sent < events && sent * receivers - this.#deliveries < window * receivers;
    const pump = (): void => {
      while (room()) {
        send.emit();
        sent++;
      }
    };
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      this.#onDelivery = () => {
        if (this.#deliveries >= total) {
          clearTimeout(timer);
          resolve();
        } else if (room()) pump();
      };
      pump();
    });
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    const deliveries = this.#deliveries;
    this.#onDelivery = () => {};
    send.close();
    for (const ws of this.#sockets) ws.terminate();
    return {
      events: Math.floor(deliveries / receivers),
      deliveries,
      elapsedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      complete: deliveries >= total,
    };
  }
}
