/**
 * The chaos run of the delivery benchmark, for Node: receivers and publishers, each behind its
 * own {@linkcode Relay}; numbered messages at a fixed total rate; every connection cut at a
 * random time every 1-3 s. The orchestrator kills and restarts a server and Redis meanwhile.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import {
  compare,
  type DeliveryReport,
  parseAccepted,
  type PublisherRecord,
} from "./delivery_check.ts";
import { Receiver } from "./delivery_check.ts";
import type { BenchClient, BenchPublisher, Driver } from "./delivery_clients.ts";
import { Relay } from "./delivery_relay.ts";

/** What the orchestrator asks for. */
export interface ChaosConfig {
  /** Ports of the cluster's servers. */
  ports: number[];
  rooms: number;
  receiversPerRoom: number;
  /** Messages per second, all publishers together. */
  rate: number;
  /** Each connection is cut after a uniform random time in [dropMinMs, dropMaxMs], again and again. */
  dropMinMs: number;
  dropMaxMs: number;
  /** Where the servers append what they accepted. */
  acceptLog: string;
  /** Longest wait for the last messages after the publishing stopped, milliseconds. */
  drainMs: number;
  /** The drain ends when nothing arrived for this long, milliseconds. */
  quietMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One chaos run: `open`, then `start`, then `finish` (which stops and compares). */
export class ChaosRun {
  readonly #config: ChaosConfig;
  readonly #driver: Driver;
  readonly #relays: Relay[] = [];
  readonly #clients: BenchClient[] = [];
  readonly #publishers: BenchPublisher[] = [];
  readonly receivers: Receiver[] = [];
  readonly records: PublisherRecord[] = [];
  #timers: ReturnType<typeof setTimeout>[] = [];
  #pump: ReturnType<typeof setInterval> | undefined;
  #chaos = false;

  constructor(config: ChaosConfig, driver: Driver) {
    this.#config = config;
    this.#driver = driver;
  }

  /** Opens every relay and client; resolves once all are in their rooms. */
  async open(): Promise<number> {
    const { rooms, receiversPerRoom, ports } = this.#config;
    const ready: Promise<void>[] = [];
    for (let room = 0; room < rooms; room++) {
      const record: PublisherRecord = { room, sent: 0, acked: 0 };
      this.records.push(record);
      const relay = await Relay.start(ports);
      this.#relays.push(relay);
      const publisher = this.#driver.publisher(relay.port, record);
      this.#publishers.push(publisher);
      this.#clients.push(publisher);
      ready.push(publisher.ready);
      for (let i = 0; i < receiversPerRoom; i++) {
        const receiver = new Receiver(room);
        this.receivers.push(receiver);
        const relay = await Relay.start(ports);
        this.#relays.push(relay);
        const client = this.#driver.receiver(relay.port, receiver);
        this.#clients.push(client);
        ready.push(client.ready);
        if (ready.length % 50 === 0) await Promise.all(ready); // do not storm the servers
      }
    }
    await Promise.all(ready);
    return this.#clients.length;
  }

  /** Starts publishing and cutting connections. */
  start(): void {
    const { rate, dropMinMs, dropMaxMs } = this.#config;
    this.#chaos = true;
    for (const relay of this.#relays) {
      const cut = (): void => {
        if (!this.#chaos) return;
        relay.drop();
        this.#timers.push(setTimeout(cut, dropMinMs + Math.random() * (dropMaxMs - dropMinMs)));
      };
      this.#timers.push(setTimeout(cut, dropMinMs + Math.random() * (dropMaxMs - dropMinMs)));
    }
    const start = performance.now();
    let sent = 0;
    let next = 0;
    this.#pump = setInterval(() => {
      const due = Math.floor(((performance.now() - start) * rate) / 1000);
      for (; sent < due; sent++) {
        const i = next++ % this.#publishers.length;
        const record = this.records[i]!;
        record.sent++;
        this.#publishers[i]!.publish(record.sent, performance.now());
      }
    }, 5);
  }

  /**
   * Stops publishing and cutting, waits until every receiver has every accepted message of its
   * room (or until nothing arrived for `quietMs`, or `drainMs`), closes everything and compares.
   */
  async finish(): Promise<DeliveryReport & { drops: number; drainMs: number }> {
    clearInterval(this.#pump);
    this.#chaos = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    const started = performance.now();
    let lastTotal = -1;
    let quietSince = performance.now();
    while (performance.now() - started < this.#config.drainMs) {
      await sleep(250);
      const accepted = parseAccepted(readFileSync(this.#config.acceptLog, "utf8"));
      const rooms = new Map<number, Set<number>>();
      for (const [room, seq] of accepted) {
        const set = rooms.get(room) ?? new Set();
        set.add(seq);
        rooms.set(room, set);
      }
      const allAcked = this.records.every((r) => (rooms.get(r.room)?.size ?? 0) >= r.sent);
      const complete = this.receivers.every((r) => {
        const set = rooms.get(r.room);
        if (set === undefined) return true;
        const got = new Set(r.seqs);
        for (const seq of set) if (!got.has(seq)) return false;
        return true;
      });
      if (allAcked && complete) break;
      const total = this.receivers.reduce((sum, r) => sum + r.seqs.length, 0) +
        accepted.length;
      if (total !== lastTotal) {
        lastTotal = total;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > this.#config.quietMs) break;
    }
    const drainMs = performance.now() - started;
    await sleep(200); // duplicates arriving just after the last expected message are counted
    const accepted = parseAccepted(readFileSync(this.#config.acceptLog, "utf8"));
    const drops = this.#relays.reduce((sum, relay) => sum + relay.drops, 0);
    for (const client of this.#clients) client.close();
    await Promise.all(this.#relays.map((relay) => relay.close()));
    return { ...compare(this.receivers, this.records, accepted), drops, drainMs };
  }
}
