/**
 * Test helpers of the client tests (a fake clock, a seeded random source, a scripted transport,
 * waiting and recording helpers); real peers are in `_servers_test.ts`. Named `_test.ts` so it
 * is never published; it holds no tests.
 *
 * @module
 */

import WebSocket from "ws";
import type { Message } from "../codec/message.ts";
import type { Clock } from "./clock.ts";
import type { ClientEventMap, ClientEventType } from "./events.ts";
import { WirelyClient } from "./client.ts";
import type { WirelyClientOptions } from "./options.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
import type {
  Transport,
  TransportData,
  TransportEvent,
  TransportFactory,
  TransportListener,
} from "./transport.ts";
import { until, within } from "../testing/async.ts";
export { until, within };

/** `ws`'s client class as the native transport's constructor. */
export const WsWebSocket: WebSocketConstructor = WebSocket;

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; callback: () => void }[] = [];
  #seq = 0;
  /** Every delay passed to `schedule`, in order. */
  readonly scheduled: number[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, delay: number): () => void {
    this.scheduled.push(delay);
    const timer = { at: this.#now + delay, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.#timers
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = end;
  }

  /** Jumps the wall clock without firing timers (a suspended machine, a clock change). */
  jump(ms: number): void {
    this.#now += ms;
  }
}

/** A seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One scripted connection attempt of {@linkcode FakeTransportFactory}. */
export class FakeAttempt implements Transport {
  readonly url: string;
  readonly protocols: readonly string[];
  readonly sent: TransportData[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  aborted = false;
  bufferedAmount = 0;
  readonly #listener: TransportListener;

  constructor(url: string, protocols: readonly string[], listener: TransportListener) {
    this.url = url;
    this.protocols = protocols;
    this.#listener = listener;
  }

  send(data: TransportData): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  abort(): void {
    this.aborted = true;
  }

  emit(event: TransportEvent): void {
    if (!this.aborted) this.#listener(event);
  }

  open(protocol = ""): void {
    this.emit({ type: "open", protocol, extensions: "" });
  }

  message(data: string | Uint8Array): void {
    this.emit({ type: "message", data });
  }

  end(code: number, reason: string = "", wasClean: boolean = code !== 1006): void {
    this.emit({ type: "close", code, reason, wasClean });
  }

  /** Texts sent, for easy comparison. */
  get texts(): string[] {
    return this.sent.filter((data): data is string => typeof data === "string");
  }
}

/** A transport factory that records attempts for the test to drive. */
export class FakeTransportFactory implements TransportFactory {
  readonly name = "fake";
  readonly attempts: FakeAttempt[] = [];

  connect(url: string, protocols: readonly string[], listener: TransportListener): Transport {
    const attempt = new FakeAttempt(url, protocols, listener);
    this.attempts.push(attempt);
    return attempt;
  }

  /** The newest attempt; throws when there is none. */
  get last(): FakeAttempt {
    const attempt = this.attempts.at(-1);
    if (attempt === undefined) throw new Error("no attempt yet");
    return attempt;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets pending microtasks (the client's async URL step) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Resolves with the first `type` event that passes `accept`, or rejects after `ms`. */
export function nextEvent<K extends ClientEventType>(
  client: WirelyClient,
  type: K,
  accept: (event: ClientEventMap[K]) => boolean = () => true,
  ms = 2_000,
): Promise<ClientEventMap[K]> {
  let off = (): void => {};
  const promise = new Promise<ClientEventMap[K]>((resolve) => {
    off = client.on(type, (event) => {
      if (accept(event)) resolve(event);
    });
  });
  return within(promise, ms, `event '${type}'`).finally(() => off());
}

/** Resolves once the client is in `state` (now or later). */
export function reachState(
  client: WirelyClient,
  state: ClientEventMap["state"]["state"],
  ms = 2_000,
): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return nextEvent(client, "state", (change) => change.state === state, ms).then(() => {});
}

/** Records a client's events as short strings, in order. */
export function recordEvents(client: WirelyClient): string[] {
  const log: string[] = [];
  client.on("state", ({ state }) => log.push(`state:${state}`));
  client.on("open", ({ reconnected }) => log.push(`open:${reconnected}`));
  client.on("close", ({ code, opened, willReconnect }) => {
    log.push(`close:${code}:${opened ? "opened" : "attempt"}:${willReconnect ? "retry" : "stop"}`);
  });
  client.on("reconnecting", ({ attempt, delay }) => log.push(`reconnecting:${attempt}:${delay}`));
  client.on("error", (error) => {
    const code = "code" in error && typeof error.code === "string" ? error.code : error.name;
    log.push(`error:${code}`);
  });
  client.on("unsent", (entries) => log.push(`unsent:${entries.length}`));
  return log;
}

/** A client over a fake transport and a fake clock, with its events recorded. */
export interface FakeRig {
  clock: FakeClock;
  transport: FakeTransportFactory;
  client: WirelyClient;
  log: string[];
}

/** The URL fake clients connect to by default. */
export const FAKE_URL = "ws://example.test/live";

/** Builds a client on a fake transport and clock; backoff random is fixed at 0.5. */
export function fakeClient(
  options: WirelyClientOptions = {},
  url: ConstructorParameters<typeof WirelyClient>[0] = FAKE_URL,
): FakeRig {
  const clock = new FakeClock();
  const transport = new FakeTransportFactory();
  const client = new WirelyClient(url, {
    transport,
    clock,
    backoff: { random: () => 0.5 },
    ...options,
  });
  const log = recordEvents(client);
  return { clock, transport, client, log };
}

/** Collects the next `count` messages the client delivers, within `ms` milliseconds. */
export function take(c: WirelyClient, count: number, ms = 2_000): Promise<Message[]> {
  const got: Message[] = [];
  let off = (): void => {};
  return within(
    new Promise<Message[]>((resolve) => {
      off = c.on("message", (message) => {
        got.push(message);
        if (got.length === count) resolve(got);
      });
    }),
    ms,
    `${count} messages`,
  ).finally(() => off());
}
