import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientError } from "./errors.ts";
import { FAKE_URL, fakeClient, flush, seededRandom } from "./_helpers_test.ts";
import { closeOnAbort, opened } from "./lifecycle.ts";

const URL = FAKE_URL;
const setup = fakeClient;

describe("WirelyClient life cycle", () => {
  it("starts connecting on the next microtask, then opens", async () => {
    const { client, transport, log } = setup({ protocols: ["chat"] });
    assert.equal(client.state, "idle");
    assert.equal(transport.attempts.length, 0);
    await flush();
    assert.equal(client.state, "connecting");
    assert.equal(transport.last.url, "ws://example.test/live");
    assert.deepEqual(transport.last.protocols, ["chat"]);
    const open = opened(client);
    transport.last.open("chat");
    await open;
    assert.equal(client.state, "open");
    assert.equal(client.url, "ws://example.test/live");
    assert.deepEqual(log, ["state:connecting", "state:open", "open:false"]);
    client.close();
  });

  it("stays idle with autoConnect false until connect()", async () => {
    const { client, transport } = setup({ autoConnect: false });
    await flush();
    assert.equal(client.state, "idle");
    assert.equal(transport.attempts.length, 0);
    client.connect();
    assert.equal(client.state, "connecting");
    assert.equal(transport.attempts.length, 1);
    client.connect(); // no second attempt while connecting
    assert.equal(transport.attempts.length, 1);
    client.close();
  });

  it("retries failed attempts with exact full-jitter delays from a seeded random source", async () => {
    const { client, transport, clock, log } = setup({ backoff: { random: seededRandom(42) } });
    await flush();
    const expected = [
      601.1037519201636,
      896.5811179950833,
      3409.8631739616394,
      5357.872331514955,
      2797.0223799347878,
    ];
    for (const [i, delay] of expected.entries()) {
      transport.last.end(1006);
      assert.equal(client.state, "reconnecting");
      assert.equal(log.at(-1), `reconnecting:${i + 1}:${delay}`);
      assert.equal(clock.scheduled.at(-1), delay);
      clock.advance(delay - 0.001);
      assert.equal(transport.attempts.length, i + 1, "no retry before the delay");
      clock.advance(0.001);
      assert.equal(transport.attempts.length, i + 2);
      assert.equal(client.state, "connecting");
    }
    client.close();
  });

  it("reports a drop as close, then state reconnecting, then reconnecting", async () => {
    const { client, transport, log } = setup();
    await flush();
    transport.last.open();
    log.length = 0;
    transport.last.end(1012, "restart");
    assert.deepEqual(log, [
      "close:1012:opened:retry",
      "state:reconnecting",
      "reconnecting:1:500",
    ]);
    client.close();
  });

  it("resets the retry counter only after a connection stayed up minUptime", async () => {
    const { client, transport, clock, log } = setup();
    await flush();
    transport.last.end(1006);
    assert.equal(log.at(-1), "reconnecting:1:500");
    clock.advance(500);
    transport.last.open();
    clock.advance(4_999);
    transport.last.end(1006);
    assert.equal(log.at(-1), "reconnecting:2:1000");
    clock.advance(1_000);
    transport.last.open();
    clock.advance(5_000);
    transport.last.end(1001);
    assert.equal(log.at(-1), "reconnecting:1:500");
    client.close();
  });

  it("says reconnected in the open event after the first connection", async () => {
    const { client, transport, clock, log } = setup();
    await flush();
    transport.last.open();
    transport.last.end(1001);
    clock.advance(500);
    transport.last.open();
    assert.equal(log.at(-1), "open:true");
    client.close();
  });

  it("stops on a close code the policy stops on, with no timer left", async () => {
    const { client, transport, clock, log } = setup();
    await flush();
    transport.last.open();
    transport.last.end(1008, "policy");
    assert.equal(client.state, "closed");
    assert.deepEqual(log.slice(-2), ["close:1008:opened:stop", "state:closed"]);
    assert.equal(clock.pending, 0);
    clock.advance(3_600_000);
    assert.equal(transport.attempts.length, 1);
  });

  it("stops after a deliberate 1000 from the server", async () => {
    const { client, transport } = setup();
    await flush();
    transport.last.open();
    transport.last.end(1000);
    assert.equal(client.state, "closed");
  });

  it("waits 5 s more than the backoff delay after 1013", async () => {
    const { client, transport, log } = setup();
    await flush();
    transport.last.open();
    transport.last.end(1013);
    assert.equal(log.at(-1), "reconnecting:1:5500");
    client.close();
  });

  it("takes a custom close policy", async () => {
    const { client, transport } = setup({ closePolicy: () => ({ action: "stop" }) });
    await flush();
    transport.last.end(1006);
    assert.equal(client.state, "closed");
  });

  it("reports a throwing close policy as an error and stops", async () => {
    const { client, transport, log } = setup({
      closePolicy: () => {
        throw new Error("boom");
      },
    });
    await flush();
    transport.last.end(1006);
    assert.equal(client.state, "closed");
    assert.ok(log.includes("error:Error"));
  });

  it("gives up after maxRetries with MAX_RETRIES", async () => {
    const { client, transport, clock, log } = setup({
      backoff: { maxRetries: 2, random: () => 0 },
    });
    await flush();
    transport.last.end(1006);
    clock.advance(0);
    transport.last.end(1006);
    clock.advance(0);
    transport.last.end(1006);
    assert.equal(client.state, "closed");
    assert.equal(transport.attempts.length, 3);
    assert.deepEqual(log.slice(-3), [
      "error:MAX_RETRIES",
      "close:1006:attempt:stop",
      "state:closed",
    ]);
  });

  it("fails an attempt that does not open within connectTimeout with 1006, then retries", async () => {
    const { client, transport, clock, log } = setup({ connectTimeout: 3_000 });
    await flush();
    clock.advance(2_999);
    assert.equal(client.state, "connecting");
    clock.advance(1);
    assert.equal(transport.attempts[0]?.aborted, true);
    assert.deepEqual(log.slice(-4), [
      "error:CONNECT_TIMEOUT",
      "close:1006:attempt:retry",
      "state:reconnecting",
      "reconnecting:1:500",
    ]);
    // Events of the timed-out attempt are ignored.
    transport.attempts[0]?.emit({ type: "open", protocol: "", extensions: "" });
    assert.equal(client.state, "reconnecting");
    client.close();
  });

  it("close() during connecting aborts the attempt and never reconnects", async () => {
    const { client, transport, clock, log } = setup();
    await flush();
    const open = opened(client);
    assert.deepEqual(client.close(), []);
    assert.equal(client.state, "closed");
    assert.equal(transport.last.aborted, true);
    assert.deepEqual(log.slice(-2), ["close:1000:attempt:stop", "state:closed"]);
    await assert.rejects(
      open,
      (error: unknown) => error instanceof ClientError && error.code === "CLOSED",
    );
    clock.advance(3_600_000);
    assert.equal(transport.attempts.length, 1);
    assert.equal(clock.pending, 0);
  });

  it("close() before the first attempt closes at once", async () => {
    const { client, transport } = setup();
    client.close();
    await flush();
    assert.equal(client.state, "closed");
    assert.equal(transport.attempts.length, 0);
  });

  it("close() while reconnecting cancels the retry", async () => {
    const { client, transport, clock } = setup();
    await flush();
    transport.last.end(1006);
    client.close();
    assert.equal(client.state, "closed");
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(transport.attempts.length, 1);
  });

  it("close() while open runs the closing handshake and never reconnects", async () => {
    const { client, transport, clock, log } = setup();
    await flush();
    transport.last.open();
    client.close(4000, "bye");
    assert.equal(client.state, "closing");
    assert.deepEqual(transport.last.closedWith, { code: 4000, reason: "bye" });
    assert.deepEqual(client.close(), [], "a second close() does nothing");
    transport.last.end(4000, "bye");
    assert.equal(client.state, "closed");
    assert.deepEqual(log.slice(-2), ["close:4000:opened:stop", "state:closed"]);
    clock.advance(3_600_000);
    assert.equal(transport.attempts.length, 1);
  });

  it("close() drops the connection after closeTimeout without an answer", async () => {
    const { client, transport, clock, log } = setup({ closeTimeout: 1_000 });
    await flush();
    transport.last.open();
    client.close();
    clock.advance(1_000);
    assert.equal(client.state, "closed");
    assert.equal(transport.last.aborted, true);
    assert.deepEqual(log.slice(-3), [
      "error:CLOSE_TIMEOUT",
      "close:1006:opened:stop",
      "state:closed",
    ]);
  });

  it("a close handler that calls close() prevents the retry", async () => {
    const { client, transport, clock } = setup();
    await flush();
    transport.last.open();
    client.on("close", () => client.close());
    transport.last.end(1006);
    assert.equal(client.state, "closed");
    assert.equal(clock.pending, 0);
  });

  it("connect() while reconnecting skips the wait", async () => {
    const { client, transport, clock } = setup();
    await flush();
    transport.last.end(1006);
    client.connect();
    assert.equal(transport.attempts.length, 2);
    assert.equal(client.state, "connecting");
    clock.advance(1_000); // the cancelled retry timer does not start a third attempt
    assert.equal(transport.attempts.length, 2);
    client.close();
  });

  it("closeOnAbort closes for good when the signal aborts; opened() rejects with CLOSED", async () => {
    const controller = new AbortController();
    const { client, transport, clock } = setup();
    closeOnAbort(client, controller.signal);
    await flush();
    const open = opened(client);
    controller.abort(new Error("user left"));
    assert.equal(client.state, "closed");
    await assert.rejects(
      open,
      (error: unknown) => error instanceof ClientError && error.code === "CLOSED",
    );
    clock.advance(60_000);
    assert.equal(transport.attempts.length, 1);
  });

  it("closeOnAbort with an already aborted signal closes at once", async () => {
    const { client, transport } = setup();
    closeOnAbort(client, AbortSignal.abort());
    await flush();
    assert.equal(client.state, "closed");
    assert.equal(transport.attempts.length, 0);
    await assert.rejects(opened(client), { code: "CLOSED" });
  });

  it("closeOnAbort stops listening once the client closed, and on its stop function", () => {
    const controller = new AbortController();
    const signal = controller.signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => (listeners++, add(...args));
    signal.removeEventListener = (
      ...args: Parameters<typeof remove>
    ) => (listeners--, remove(...args));
    const { client } = setup({ autoConnect: false });
    closeOnAbort(client, signal);
    assert.equal(listeners, 1);
    client.close();
    assert.equal(listeners, 0);
    const other = setup({ autoConnect: false }).client;
    const stop = closeOnAbort(other, signal);
    stop();
    assert.equal(listeners, 0);
    controller.abort();
    assert.equal(other.state, "idle");
    other.close();
  });

  it("opened() resolves at once when open, and at the next open after a drop", async () => {
    const { client, transport, clock } = setup();
    await flush();
    transport.last.open();
    await opened(client);
    transport.last.end(1006);
    const next = opened(client);
    let done = false;
    void next.then(() => done = true);
    clock.advance(1_000);
    await flush();
    assert.equal(done, false);
    transport.last.open();
    await next;
    client.close();
  });

  it("calls the URL and protocols functions before each attempt", async () => {
    let n = 0;
    const { client, transport, clock } = setup(
      { protocols: () => Promise.resolve([`v${n}`]) },
      () => Promise.resolve(`${URL}?token=t${++n}`),
    );
    await flush();
    assert.equal(transport.last.url, "ws://example.test/live?token=t1");
    assert.deepEqual(transport.last.protocols, ["v1"]);
    transport.last.end(1006);
    clock.advance(500);
    await flush();
    assert.equal(transport.last.url, "ws://example.test/live?token=t2");
    client.close();
  });

  it("retries when the URL function fails", async () => {
    let calls = 0;
    const { client, transport, clock, log } = setup({}, () => {
      calls++;
      if (calls === 1) throw new Error("token service down");
      return URL;
    });
    await flush();
    assert.deepEqual(log.slice(-4), [
      "error:URL_PROVIDER_FAILED",
      "close:1006:attempt:retry",
      "state:reconnecting",
      "reconnecting:1:500",
    ]);
    clock.advance(500);
    await flush();
    assert.equal(transport.attempts.length, 1);
    client.close();
  });

  it("stops with INVALID_URL when the URL function gives a non-WebSocket URL", async () => {
    const { client, log } = setup({}, () => "ftp://example.test/");
    await flush();
    assert.equal(client.state, "closed");
    assert.ok(log.includes("error:INVALID_URL"));
  });

  it("a connect timeout also covers a URL function that never settles", async () => {
    const { client, clock, log } = setup({ connectTimeout: 100 }, () => new Promise(() => {}));
    await flush();
    clock.advance(100);
    assert.ok(log.includes("error:CONNECT_TIMEOUT"));
    assert.equal(client.state, "reconnecting");
    client.close();
  });
});
