// EventClient's own errors (malformed frames, refusals of events sent without an answer) that no
// onError handler gets are written to console.error, once per code; `logEventErrors: false` or a
// handler silences it. The server sends the bad frames over a real socket.
import { after, before, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { EventClient } from "./client.ts";
import type { EventError } from "./errors.ts";
import { encodeError } from "./wire.ts";
import { FAST, Rig } from "./_helpers_test.ts";

interface ClientToServer {
  misbehave: () => boolean;
}

/** The EventClient lines among console.error's calls. */
function logged(calls: readonly { arguments: readonly unknown[] }[]): unknown[][] {
  return calls
    .map((call) => [...call.arguments])
    .filter(([first]) => typeof first === "string" && first.startsWith("wirely: unhandled "));
}

describe("EventClient errors without an onError handler", () => {
  const rig = new Rig<ClientToServer, Record<never, never>>();

  before(async () => {
    rig.io.onConnection((socket) => {
      // Two malformed frames, a refusal of an event sent without an answer, then the answer:
      // the client has handled all three errors when its emitWithAck resolves.
      socket.on("misbehave", () => {
        socket.conn.send("not json");
        socket.conn.send('["?"]');
        socket.conn.send(encodeError(0, "NOPE", "not wanted", "note"));
        return true;
      });
    });
    await rig.start("codec");
  });
  after(() => rig.stop());

  /** Has the server misbehave `times` times toward `client`; returns what was logged meanwhile. */
  async function round(
    client: EventClient<Record<never, never>, ClientToServer>,
    times: number,
  ): Promise<unknown[][]> {
    const spy = mock.method(console, "error", () => {});
    try {
      for (let i = 0; i < times; i++) {
        assert.equal(await client.emitWithAck("misbehave", undefined, { timeout: 5_000 }), true);
      }
      return logged(spy.mock.calls);
    } finally {
      spy.mock.restore();
    }
  }

  it("logs the first error of each code to console.error, once per client", async () => {
    const client = await rig.client<Record<never, never>, ClientToServer>();
    const lines = await round(client, 2);
    assert.deepEqual(
      lines.map(([, error]) => (error as EventError).code),
      ["MALFORMED_EVENT", "REJECTED"],
    );
    assert.match(String(lines[0]![0]), /MALFORMED_EVENT.*logEventErrors: false/);
    assert.equal((lines[1]![1] as EventError).remoteCode, "NOPE");
  });

  it("logs nothing while an onError handler is registered, which gets every error", async () => {
    const client = await rig.client<Record<never, never>, ClientToServer>();
    const seen: string[] = [];
    client.onError((error) => seen.push(error.code));
    assert.deepEqual(await round(client, 1), []);
    assert.deepEqual(seen, ["MALFORMED_EVENT", "MALFORMED_EVENT", "REJECTED"]);
  });

  it("logs nothing with logEventErrors: false", async () => {
    const client = await rig.client<Record<never, never>, ClientToServer>({
      logEventErrors: false,
    });
    assert.deepEqual(await round(client, 1), []);
  });

  it("refuses a logEventErrors that is not a boolean before connecting", () => {
    assert.throws(
      () => new EventClient("ws://127.0.0.1:9", { ...FAST, logEventErrors: "no" as never }),
      (error: unknown) =>
        error instanceof TypeError && error.message === "Invalid 'logEventErrors': no",
    );
  });
});
