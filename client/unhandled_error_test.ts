// `error` events with no handler are not lost: by default they go to console.error once per
// distinct code, `onUnhandledError` redirects them (every one), `false` drops them. Checked with
// a client that can never connect (a real refused TCP connection).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { WirelyClient } from "./client.ts";
import { ClientError } from "./errors.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
import type { WirelyClientOptions } from "./options.ts";
import { tcpTransport } from "./tcp_transport.node.ts";
import { until, within, WsWebSocket } from "./_helpers_test.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

/** A port nothing listens on: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await within(
    new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
    2_000,
    "a port",
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

const TRANSPORTS: [string, WirelyClientOptions][] = [
  ["native", { WebSocket: globalWebSocket ?? WsWebSocket }],
  ["tcp", { transport: tcpTransport() }],
];

describe("unhandled error events", () => {
  let url: string;
  const original = console.error;
  const logged: unknown[][] = [];
  before(async () => {
    url = `ws://127.0.0.1:${await refusedPort()}/`;
    console.error = (...args: unknown[]) => logged.push(args);
  });
  after(() => {
    console.error = original;
  });

  /** A client of the refused port; resolves once it failed `attempts` times, then closes it. */
  async function refusedClient(options: WirelyClientOptions, attempts = 3): Promise<void> {
    const client = new WirelyClient(url, {
      backoff: { baseDelay: 5, maxDelay: 20 },
      ...options,
    });
    let closes = 0;
    client.on("close", () => closes++);
    try {
      await until(() => closes >= attempts, 5_000, `${attempts} refused attempts`);
    } finally {
      client.close();
    }
  }

  for (const [name, options] of TRANSPORTS) {
    it(`${name}: logs to console.error once per code by default`, async () => {
      logged.length = 0;
      await refusedClient(options);
      assert.equal(logged.length, 1);
      const [text, error] = logged[0] ?? [];
      assert.match(String(text), /^wirely: unhandled TRANSPORT_ERROR \(logged once per code\)/);
      assert.ok(error instanceof ClientError && error.code === "TRANSPORT_ERROR");
    });

    it(`${name}: onUnhandledError gets every unhandled error; false drops them`, async () => {
      logged.length = 0;
      const errors: Error[] = [];
      await refusedClient({ ...options, onUnhandledError: (error) => errors.push(error) });
      assert.ok(errors.length >= 3, `${errors.length} errors`);
      await refusedClient({ ...options, onUnhandledError: false });
      assert.equal(logged.length, 0);
    });

    it(`${name}: an error handler takes them instead`, async () => {
      logged.length = 0;
      const sink: Error[] = [];
      const client = new WirelyClient(url, {
        backoff: { baseDelay: 5, maxDelay: 20 },
        onUnhandledError: (error) => sink.push(error),
        ...options,
      });
      const handled: Error[] = [];
      client.on("error", (error) => handled.push(error));
      await until(() => handled.length >= 2, 5_000, "two handled errors");
      client.close();
      assert.equal(sink.length, 0);
      assert.equal(logged.length, 0);
    });
  }

  it("refuses an onUnhandledError that is neither a function nor false", () => {
    assert.throws(
      () => new WirelyClient(url, { onUnhandledError: true as unknown as false }),
      { name: "TypeError", message: "Invalid 'onUnhandledError': true" },
    );
  });
});
