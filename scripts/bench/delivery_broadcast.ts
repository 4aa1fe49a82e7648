/**
 * The broadcast throughput of the delivery benchmark, for Node: `receivers` raw TCP receivers
 * (`delivery_receiver.ts`: the same code for both systems, checking every delivery's bytes and
 * number) spread evenly over the cluster's servers, all in room `room`, and one
 * sender on the first server, with its system's client, emitting `say`; each server re-emits it
 * to the room, so it crosses Redis to the two other servers. At most `window` events are in
 * flight (sent but not yet delivered to every receiver). No chaos here.
 *
 * @module
 */

import process from "node:process";
import type { Socket } from "node:net";
import WebSocket from "ws";
import { io as socketIo } from "socket.io-client";
import { EventClient } from "../../events/client.ts";
import { line, openReceiver, type Tally } from "./delivery_receiver.ts";

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
  /** Deliveries that were each receiver's next event, byte for byte. */
  deliveries: number;
  /** Frames that were not (a gap, a duplicate, a reordering, other bytes): 0 in a sound run. */
  bad: number;
  elapsedMs: number;
  cpuMs: number;
  complete: boolean;
}

/** The sender, with its system's own client: `emit(n)` sends event `say` with `line(n)`. */
async function sender(
  kind: string,
  port: number,
): Promise<{ emit(n: number): void; close(): void }> {
  if (kind === "wirely") {
    const client = new EventClient(`ws://127.0.0.1:${port}/`, {
      WebSocket: WebSocket as never,
    });
    await new Promise<void>((resolve) => client.once("joined", () => resolve()));
    return { emit: (n) => client.emit("say", line(n)), close: () => client.close() };
  }
  const client = socketIo(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  await new Promise<void>((resolve) => client.once("joined", () => resolve()));
  return { emit: (n) => void client.emit("say", line(n)), close: () => void client.close() };
}

/**
 * One throughput run: {@linkcode BroadcastRun.open} connects the receivers and the sender,
 * {@linkcode BroadcastRun.run} measures (so that the servers' CPU can be read around the run
 * alone) and closes them.
 */
export class BroadcastRun {
  readonly #config: BroadcastConfig;
  #sockets: Socket[] = [];
  #send: { emit(n: number): void; close(): void } | undefined;
  readonly #tally: Tally = { deliveries: 0, bad: 0, onDelivery: () => {} };

  constructor(config: BroadcastConfig) {
    this.#config = config;
  }

  /** Connects every receiver (spread over the servers) and the sender (first server). */
  async open(): Promise<void> {
    const { kind, ports, receivers } = this.#config;
    for (let i = 0; i < receivers; i += 50) {
      const batch = Math.min(50, receivers - i);
      this.#sockets.push(
        ...await Promise.all(
          Array.from(
            { length: batch },
            (_, j) => openReceiver(kind, ports[(i + j) % ports.length]!, this.#tally),
          ),
        ),
      );
    }
    this.#send = await sender(kind, ports[0]!);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room subscriptions settle
  }

  /** Sends `events` events, `window` in flight; stops at the last delivery or the deadline. */
  async run(): Promise<BroadcastResult> {
    const { receivers, events, window, deadlineMs } = this.#config;
    const send = this.#send!;
    const tally = this.#tally;
    const total = events * receivers;
    let sent = 0;
    const room = (): boolean =>
      sent < events && sent * receivers - tally.deliveries < window * receivers;
    const pump = (): void => {
      while (room()) send.emit(++sent);
    };
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      tally.onDelivery = () => {
        if (tally.deliveries >= total) {
          clearTimeout(timer);
          resolve();
        } else if (room()) pump();
      };
      pump();
    });
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    const { deliveries, bad } = tally;
    tally.onDelivery = () => {};
    send.close();
    for (const socket of this.#sockets) socket.destroy();
    return {
      events: Math.floor(deliveries / receivers),
      deliveries,
      bad,
      elapsedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      complete: deliveries >= total && bad === 0,
    };
  }
}
