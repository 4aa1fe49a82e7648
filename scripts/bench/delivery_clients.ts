/**
 * The clients of the delivery benchmark, one driver per system, for Node: a receiver (in one
 * room, recording every `msg` and every reconnection with what the system said about recovery)
 * and a publisher (numbered `pub` events, counting acknowledgements). Each uses its own
 * library's reconnection, with the same mean first retry delay (about 200 ms) for both.
 *
 * - wirely: `EventClient`, with a `recovery()` session (kind `wirely`) or without
 *   (`wirely-pubsub`); `emitWithAck` for publishing (exactly once with recovery).
 * - socket.io: `socket.io-client` 4 (WebSocket transport); publishing with its `retries` and
 *   `ackTimeout` options (socket.io's own at-least-once for client-to-server events).
 *
 * @module
 */

import WebSocket from "ws";
import { io as socketIo, type Socket } from "socket.io-client";
import { EventClient } from "../../events/client.ts";
import { recovery } from "../../events/session.ts";
import type { PublisherRecord, Receiver } from "./delivery_check.ts";

/** A connected client of the benchmark. */
export interface BenchClient {
  /** Resolves once the first connection is open and the socket in its room. */
  ready: Promise<void>;
  close(): void;
}

/** A publisher: `publish(seq, t)` sends message `seq` of its room, sent at time `t`. */
export interface BenchPublisher extends BenchClient {
  publish(seq: number, t: number): void;
}

/** Which client library, and whether the system reports recovery. */
export interface Driver {
  receiver(port: number, record: Receiver): BenchClient;
  publisher(port: number, record: PublisherRecord): BenchPublisher;
}

const now = (): number => performance.now();
/** The servers' accept-log clock (milliseconds since 1970, sub-millisecond). */
const wall = (): number => performance.timeOrigin + performance.now();

interface Pub {
  room: number;
  seq: number;
  /** When the publisher sent it (the load process's `performance.now()`). */
  t: number;
  /** When a server accepted it (milliseconds since 1970). */
  a: number;
}

const wirelyOptions = {
  WebSocket: WebSocket as never,
  // Like socket.io's: the retry counter resets on every successful connection (wirely's default
  // waits for 5 s of uptime, which a connection cut every 1-3 s never reaches).
  backoff: { baseDelay: 400, maxDelay: 2_000, minUptime: 0 },
  ackTimeout: 30_000,
  logEventErrors: false,
  onUnhandledError: false,
} as const;

/** wirely's events client with a recovery session (`recovery()`): what it reports is counted. */
export const wirelyRecoveryDriver: Driver = {
  receiver(port, record): BenchClient {
    const session = recovery();
    const client = new EventClient(`ws://127.0.0.1:${port}/?room=r${record.room}`, {
      ...wirelyOptions,
      recovery: session,
    });
    let first = true;
    const ready = new Promise<void>((resolve) => client.once("joined", () => resolve()));
    session.onRecovery((result) => {
      if (first) return void (first = false); // the first connection: "new"
      record.reconnected(result.recovered, wall(), result.recovered ? undefined : result.reason);
    });
    client.on("msg", (data) => {
      const { seq, t, a } = data as Pub;
      record.receive(seq, t, now(), wall() - a);
    });
    return { ready, close: () => client.close() };
  },
  publisher(port, record): BenchPublisher {
    const client = new EventClient(`ws://127.0.0.1:${port}/`, {
      ...wirelyOptions,
      recovery: recovery({ maxUnconfirmed: 100_000 }),
    });
    const ready = new Promise<void>((resolve) => client.once("joined", () => resolve()));
    return {
      ready,
      publish(seq, t): void {
        client.emitWithAck("pub", { room: record.room, seq, t }).then(
          () => void record.acked++,
          () => {}, // counted as unacknowledged
        );
      },
      close: () => client.close(),
    };
  },
};

/** wirely's events client without recovery (RedisAdapter only). */
export const wirelyDriver: Driver = {
  receiver(port, record): BenchClient {
    const client = new EventClient(`ws://127.0.0.1:${port}/?room=r${record.room}`, wirelyOptions);
    let first = true;
    const ready = new Promise<void>((resolve) => {
      client.on("joined", () => {
        if (first) resolve(); // no recovery: nothing to report at a reconnection
        first = false;
      });
    });
    client.on("msg", (data) => {
      const { seq, t, a } = data as Pub;
      record.receive(seq, t, now(), wall() - a);
    });
    return { ready, close: () => client.close() };
  },
  publisher(port, record): BenchPublisher {
    const client = new EventClient(`ws://127.0.0.1:${port}/`, wirelyOptions);
    const ready = new Promise<void>((resolve) => client.once("joined", () => resolve()));
    return {
      ready,
      publish(seq, t): void {
        client.emitWithAck("pub", { room: record.room, seq, t }).then(
          () => void record.acked++,
          () => {}, // lost with its connection: counted as unacknowledged
        );
      },
      close: () => client.close(),
    };
  },
};

function sio(port: number, room: string | undefined, extra: object): Socket {
  return socketIo(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 2_000,
    auth: room === undefined ? {} : { room },
    ...extra,
  });
}

/** socket.io's client; `recovery`: the server has connection state recovery. */
export function socketIoDriver(recovery: boolean): Driver {
  return {
    receiver(port, record): BenchClient {
      const socket = sio(port, `r${record.room}`, {});
      let first = true;
      const ready = new Promise<void>((resolve) => socket.once("joined", () => resolve()));
      socket.on("connect", () => {
        if (!first && recovery) record.reconnected(socket.recovered, wall());
        first = false;
      });
      socket.on("msg", ({ seq, t, a }: Pub) => record.receive(seq, t, now(), wall() - a));
      return { ready, close: () => void socket.close() };
    },
    publisher(port, record): BenchPublisher {
      const socket = sio(port, undefined, { ackTimeout: 5_000, retries: 1_000 });
      const ready = new Promise<void>((resolve) => socket.once("joined", () => resolve()));
      return {
        ready,
        publish(seq, t): void {
          socket.emit("pub", { room: record.room, seq, t }, (error: unknown) => {
            if (!error) record.acked++;
          });
        },
        close: () => void socket.close(),
      };
    },
  };
}
