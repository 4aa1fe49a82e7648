/**
 * The network-drop model of the delivery benchmark, for Node: one small TCP relay per client,
 * inside the load process. The client always connects to its relay; the relay opens a TCP
 * connection to a random server of the cluster (trying the others, in random order, when that
 * one refuses: a killed server) and copies bytes both ways. {@linkcode Relay.drop} cuts the
 * current connection abruptly: an RST to the client and the server side destroyed, with
 * whatever bytes were in flight inside the relay lost — what a network drop does to frames the
 * server had already written. Both systems' clients and servers see exactly the same cut, and
 * each reconnects with its own library's logic.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { connect } from "node:net";

/** One client's relay to the cluster. */
export class Relay {
  readonly #server: Server;
  readonly #ports: readonly number[];
  #pairs = new Set<[Socket, Socket | undefined]>();
  /** Connections cut by {@linkcode Relay.drop}. */
  drops = 0;
  /** Connections the relay opened to a server. */
  connections = 0;

  private constructor(server: Server, ports: readonly number[]) {
    this.#server = server;
    this.#ports = ports;
  }

  /** Starts a relay on a free port of 127.0.0.1 in front of the servers on `ports`. */
  static async start(ports: readonly number[]): Promise<Relay> {
    const server = createServer({ noDelay: true });
    const relay = new Relay(server, ports);
    server.on("connection", (socket) => relay.#accept(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  /** The port clients connect to. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  /** Whether a client connection is currently relayed. */
  get connected(): boolean {
    for (const [, up] of this.#pairs) if (up !== undefined) return true;
    return false;
  }

  #accept(down: Socket): void {
    const pair: [Socket, Socket | undefined] = [down, undefined];
    this.#pairs.add(pair);
    const pending: Uint8Array[] = [];
    down.on("data", (chunk: Uint8Array) => {
      if (pair[1] === undefined) pending.push(chunk);
      else pair[1].write(chunk);
    });
    const end = (): void => {
      this.#pairs.delete(pair);
      down.destroy();
      pair[1]?.destroy();
    };
    down.on("error", end);
    down.on("close", end);
    const order = [...this.#ports].sort(() => Math.random() - 0.5);
    const attempt = (i: number): void => {
      if (down.destroyed) return;
      const port = order[i];
      if (port === undefined) return end();
      const up = connect({ port, host: "127.0.0.1", noDelay: true });
      up.once("error", () => {
        if (pair[1] === up) end();
        else attempt(i + 1); // refused: a killed server; try another one
      });
      up.once("connect", () => {
        if (down.destroyed) return up.destroy();
        this.connections++;
        pair[1] = up;
        for (const chunk of pending.splice(0)) up.write(chunk);
        up.on("data", (chunk: Uint8Array) => down.write(chunk));
        up.on("close", end);
      });
    };
    attempt(0);
  }

  /** Cuts the relayed connection, if any: RST to the client, the server's side destroyed. */
  drop(): boolean {
    let cut = false;
    for (const pair of this.#pairs) {
      const [down, up] = pair;
      if (up === undefined) continue;
      this.#pairs.delete(pair);
      down.resetAndDestroy();
      up.resetAndDestroy();
      cut = true;
    }
    if (cut) this.drops++;
    return cut;
  }

  /** Closes the listener and every relayed connection. */
  close(): Promise<void> {
    for (const [down, up] of this.#pairs) {
      down.destroy();
      up?.destroy();
    }
    this.#pairs.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
