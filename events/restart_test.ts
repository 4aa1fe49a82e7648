// emitWithAck across a server restarted for real: a child process killed (SIGKILL) or shut down
// gracefully (SIGTERM), then started again on the same port. Events emitted while it is down
// wait in the offline queue and are answered after the reconnection, each once, in order. In
// Deno the client is Deno's own WebSocket (close code 0 for a refused attempt).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { WebSocketConstructor } from "../client/native_transport.ts";
import { type ServerProcess, startServerProcess } from "../client/_process_server_test.ts";
import { EventClient } from "./client.ts";
import { until, within, WsWebSocket } from "./_helpers_test.ts";
import { opened } from "../client/lifecycle.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

describe("EventClient and a restarted server process", () => {
  const servers: ServerProcess[] = [];
  const clients: EventClient[] = [];
  after(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop("SIGKILL");
  });

  it("answers every event emitted while the server was down, once, in order (SIGKILL and SIGTERM)", async () => {
    const server = await startServerProcess("events");
    servers.push(server);
    const socket = new EventClient<Record<never, never>, { echo: (text: string) => string }>(
      server.url,
      {
        WebSocket: globalWebSocket ?? WsWebSocket,
        backoff: { baseDelay: 5, maxDelay: 50 },
        onUnhandledError: false, // the refused attempts' TRANSPORT_ERRORs are expected
      },
    );
    clients.push(socket as unknown as EventClient);
    const client = socket.client;
    let closes = 0;
    let refused = 0;
    client.on("close", ({ opened }) => {
      closes++;
      if (!opened) refused++;
    });
    await within(opened(client), 10_000, "the first open");
    const expected: string[] = [];
    for (const signal of ["SIGKILL", "SIGTERM"] as const) {
      expected.push(`live ${signal}`);
      assert.equal(
        await within(socket.emitWithAck("echo", `live ${signal}`), 10_000, "live"),
        `live ${signal}`,
      );
      const before = closes;
      await server.stop(signal);
      await until(() => closes > before, 10_000, "the close after the stop");
      const answers: string[] = [];
      const pending = [1, 2, 3].map((i) => {
        expected.push(`queued ${signal} ${i}`);
        return socket.emitWithAck("echo", `queued ${signal} ${i}`, { timeout: 30_000 }).then(
          (answer) => {
            answers.push(answer);
            return answer;
          },
        );
      });
      const refusedBefore = refused;
      await until(() => refused > refusedBefore, 10_000, "a refused attempt");
      assert.notEqual(client.state, "closed");
      await server.restart();
      const settled = await within(Promise.all(pending), 10_000, "the queued answers");
      assert.deepEqual(settled, [1, 2, 3].map((i) => `queued ${signal} ${i}`));
      assert.deepEqual(answers, settled);
    }
    assert.equal(await within(socket.emitWithAck("echo", "end"), 10_000, "end"), "end");
    expected.push("end");
    // The server's log line may come after its answer: wait for it (more would show as well).
    await until(() => server.received.length >= expected.length, 10_000, "the server's log");
    assert.deepEqual(server.received, expected);
  });
});
