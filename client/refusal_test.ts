// Refused handshakes over real sockets, against wirely's server (`authenticate` answering a
// status): `tcpTransport` sees the status, so the default policy stops on a 4xx (but 408 and
// 429) with the status and the body's text in the `close` event and a HANDSHAKE_REFUSED
// error, and retries 5xx, 408 and 429. The WebSocket API cannot see the status: servers refuse
// such clients after the upgrade with 3000/3003 (the documented convention), and they stop.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve, type ServedWebSocketServer } from "../server/mod.ts";
import { WirelyClient } from "./client.ts";
import { ClientError } from "./errors.ts";
import type { ClientCloseEvent } from "./events.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
import type { WirelyClientOptions } from "./options.ts";
import { tcpTransport } from "./tcp_transport.node.ts";
import { until, within, WsWebSocket } from "./_helpers_test.ts";
import { opened } from "./lifecycle.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
const NATIVE = { WebSocket: globalWebSocket ?? WsWebSocket };
const FAST: WirelyClientOptions = { backoff: { baseDelay: 5, maxDelay: 20 } };

describe("refused handshakes", () => {
  let server: ServedWebSocketServer;
  /** Handshakes seen per path. */
  const attempts = new Map<string, number>();
  const clients: WirelyClient[] = [];
  after(async () => {
    for (const client of clients) if (client.state !== "closed") client.close();
    await server?.close();
  });

  /** A client of `path` that records its close events and errors. */
  function open(
    path: string,
    options: WirelyClientOptions,
  ): { client: WirelyClient; closes: ClientCloseEvent[]; errors: Error[] } {
    const client = new WirelyClient(`${server.url}${path.slice(1)}`, { ...FAST, ...options });
    clients.push(client);
    const closes: ClientCloseEvent[] = [];
    const errors: Error[] = [];
    client.on("close", (event) => closes.push(event));
    client.on("error", (error) => errors.push(error));
    return { client, closes, errors };
  }

  before(async () => {
    server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      engine: "codec",
      onError: () => {},
      authenticate: ({ url }) => {
        const seen = (attempts.get(url.pathname) ?? 0) + 1;
        attempts.set(url.pathname, seen);
        const [, kind, status] = url.pathname.split("/");
        // /refuse/401: always; /busy/503: the first two attempts only.
        if (kind === "refuse") return { status: Number(status), body: `refused ${status}` };
        if (kind === "busy" && seen <= 2) return { status: Number(status), body: "busy" };
        return true;
      },
      onOpen: (connection) => {
        if (connection.url.pathname === "/after-upgrade") connection.close(3000, "no token");
      },
    });
  });

  for (const status of [401, 403, 404]) {
    it(`tcpTransport: ${status} stops the client, with the status and the reason`, async () => {
      const { client, closes, errors } = open(`/refuse/${status}`, { transport: tcpTransport() });
      await within(
        opened(client).then(() => assert.fail("opened"), () => {}),
        5_000,
        "the client to stop",
      );
      assert.equal(client.state, "closed");
      assert.equal(attempts.get(`/refuse/${status}`), 1);
      assert.deepEqual(closes, [{
        code: 1006,
        reason: `refused ${status}`,
        wasClean: false,
        opened: false,
        status,
        willReconnect: false,
      }]);
      const refused = errors.find((e) => e instanceof ClientError);
      assert.ok(refused instanceof ClientError);
      assert.equal(refused.code, "HANDSHAKE_REFUSED");
      assert.equal(
        refused.message,
        `HTTP ${status}: refused ${status}`,
      );
    });
  }

  for (const status of [503, 408, 429]) {
    it(`tcpTransport: ${status} is retried until the server accepts`, async () => {
      const { client, closes } = open(`/busy/${status}`, { transport: tcpTransport() });
      await within(opened(client), 5_000, "the open after two refusals");
      assert.equal(attempts.get(`/busy/${status}`), 3);
      assert.deepEqual(
        closes.map(({ code, status, willReconnect }) => [code, status, willReconnect]),
        [[1006, status, true], [1006, status, true]],
      );
      client.close();
    });
  }

  it("native transport: the status is hidden, so a 401 is a retried 1006 without status", async () => {
    const { client, closes } = open("/refuse/401", NATIVE);
    const before = attempts.get("/refuse/401") ?? 0;
    await until(() => closes.length >= 2, 5_000, "two refused attempts");
    const refused = closes.slice(0, 2);
    client.close();
    assert.ok((attempts.get("/refuse/401") ?? 0) >= before + 2);
    for (const close of refused) {
      assert.equal(close.willReconnect, true);
      assert.equal(close.code, 1006);
      assert.equal("status" in close, false);
    }
  });

  for (
    const [name, options] of [["native", NATIVE], ["tcp", { transport: tcpTransport() }]] as const
  ) {
    it(`${name} transport: a refusal after the upgrade (close 3000) stops the client with the reason`, async () => {
      const { client, closes } = open("/after-upgrade", options);
      await until(() => client.state === "closed", 5_000, "the client to stop");
      assert.deepEqual(
        closes.map(({ code, reason, willReconnect }) => [code, reason, willReconnect]),
        [
          [3000, "no token", false],
        ],
      );
    });
  }
});
