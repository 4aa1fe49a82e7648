// A server restarted for real: a child process killed (SIGKILL) or shut down gracefully
// (SIGTERM: 1001, then 503 to new handshakes), then started again on the same port, while the
// client queues sends. In Deno the native transport is Deno's own WebSocket, which reports
// close code 0 (not 1006) for the refused attempts in between: the client must keep retrying
// and deliver every queued message once, in order.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ClientCloseEvent } from "./events.ts";
import { WirelyClient } from "./client.ts";
import type { WirelyClientOptions } from "./options.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
import { tcpTransport } from "./tcp_transport.node.ts";
import { until, within, WsWebSocket } from "./_helpers_test.ts";
import { type ServerProcess, startServerProcess } from "./_process_server_test.ts";
import { opened } from "./lifecycle.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

const TRANSPORTS: { name: string; options: () => WirelyClientOptions }[] = [
  {
    // Deno's, Bun's or Node 22's own WebSocket; `ws` on Node 20, which has none.
    name: globalWebSocket === undefined ? "native (ws)" : "native (the runtime's WebSocket)",
    options: () => ({ WebSocket: globalWebSocket ?? WsWebSocket }),
  },
  { name: "tcp", options: () => ({ transport: tcpTransport() }) },
];

for (const { name, options } of TRANSPORTS) {
  describe(`a restarted server process, ${name} transport`, () => {
    const servers: ServerProcess[] = [];
    const clients: WirelyClient[] = [];
    after(async () => {
      for (const client of clients) if (client.state !== "closed") client.close();
      for (const server of servers) await server.stop("SIGKILL");
    });

    it("reconnects after SIGKILL and after a graceful close, every queued message sent once, in order", async () => {
      const server = await startServerProcess("plain");
      servers.push(server);
      const client = new WirelyClient(server.url, {
        ...options(),
        backoff: { baseDelay: 5, maxDelay: 50 },
        onUnhandledError: false, // the refused attempts' TRANSPORT_ERRORs are expected
      });
      clients.push(client);
      const messages: string[] = [];
      const closes: ClientCloseEvent[] = [];
      client.on("message", (message) => {
        if (message.type === "text") messages.push(message.data);
      });
      client.on("close", (event) => closes.push(event));
      await within(opened(client), 10_000, "the first open");
      const expected: string[] = [];
      for (const [round, signal] of [[1, "SIGKILL"], [2, "SIGTERM"]] as const) {
        client.send(`live-${round}`);
        expected.push(`live-${round}`);
        await until(() => messages.length === expected.length, 10_000, `the echo of live-${round}`);
        const before = closes.length;
        await server.stop(signal);
        await until(() => closes.length > before, 10_000, "the close after the stop");
        // SIGKILL: no close frame (1006); graceful: 1001 going away.
        assert.equal(closes[before]?.code, signal === "SIGKILL" ? 1006 : 1001);
        for (let i = 1; i <= 3; i++) {
          assert.equal(client.send(`queued-${round}-${i}`), false); // queued, not sent
          expected.push(`queued-${round}-${i}`);
        }
        // At least one attempt refused while the server is down: it must not stop the client.
        await until(
          () => closes.slice(before + 1).some((close) => !close.opened),
          10_000,
          "a refused attempt",
        );
        const refused = closes.slice(before + 1);
        assert.deepEqual(refused.map((close) => [close.code, close.willReconnect]).slice(0, 1), [
          [1006, true],
        ]);
        assert.notEqual(client.state, "closed");
        assert.equal(client.queuedMessages, 3);
        await server.restart();
        await until(() => messages.length === expected.length, 10_000, "the queued echoes");
      }
      client.send("end");
      expected.push("end");
      await until(() => messages.at(-1) === "end", 10_000, "the echo of end");
      // Anything sent twice would have been echoed before "end".
      assert.deepEqual(messages, expected);
      // The server's log line may come after its echo: wait for it (more would show as well).
      await until(() => server.received.length >= expected.length, 10_000, "the server's log");
      assert.deepEqual(server.received, expected);
      assert.equal(client.state, "open");
    });
  });
}
