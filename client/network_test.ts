import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { HEARTBEAT_PING } from "./heartbeat.ts";
import {
  browserNetworkSignals,
  followNetwork,
  type NetworkSignal,
  type NetworkSignals,
} from "./network.ts";
import type { WirelyClientOptions } from "./options.ts";
import { checkLiveness } from "./liveness.ts";
import {
  fakeClient,
  type FakeRig,
  flush,
  sleep,
  until,
  within,
  WsWebSocket,
} from "./_helpers_test.ts";
import { track } from "./_servers_test.ts";
import { heartbeat } from "./heartbeat.ts";
import { opened } from "./lifecycle.ts";

/** A network source the test drives. */
class FakeNetwork implements NetworkSignals {
  readonly listeners: Set<(signal: NetworkSignal) => void> = new Set();

  subscribe(listener: (signal: NetworkSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(signal: NetworkSignal): void {
    for (const listener of [...this.listeners]) listener(signal);
  }
}

/** A fake `document` whose visibility the test sets. */
class FakeDocument extends EventTarget {
  visibilityState = "visible";
}

const HEARTBEAT = heartbeat({ interval: 1_000, timeout: 500 });

/** A fake client that follows `network`. */
function follow(network: NetworkSignals, options: WirelyClientOptions = {}): FakeRig {
  const rig = fakeClient(options);
  followNetwork(rig.client, network);
  return rig;
}

describe("WirelyClient network signals", () => {
  it("'offline' while open sends a heartbeat ping now and does not close", async () => {
    const network = new FakeNetwork();
    const { client, transport, clock, log } = follow(network, { heartbeat: HEARTBEAT });
    await flush();
    transport.last.open();
    clock.advance(100);
    network.emit("offline");
    assert.deepEqual(transport.last.texts, [HEARTBEAT_PING]);
    assert.equal(client.state, "open");
    transport.last.message("anything");
    clock.advance(600);
    assert.equal(client.state, "open");
    assert.equal(transport.last.aborted, false);
    assert.ok(!log.some((entry) => entry.startsWith("close")));
    client.close();
  });

  it("a check after 'offline' that gets no answer drops the connection within the timeout", async () => {
    const network = new FakeNetwork();
    const { client, transport, clock, log } = follow(network, { heartbeat: HEARTBEAT });
    await flush();
    transport.last.open();
    network.emit("offline");
    clock.advance(499);
    assert.equal(client.state, "open");
    clock.advance(1);
    assert.equal(transport.attempts[0]?.aborted, true);
    assert.equal(client.state, "reconnecting");
    assert.ok(log.includes("error:HEARTBEAT_TIMEOUT"));
    client.close();
  });

  it("becoming visible checks liveness; a second signal while a ping waits sends nothing more", async () => {
    const network = new FakeNetwork();
    const { client, transport } = follow(network, { heartbeat: HEARTBEAT });
    await flush();
    transport.last.open();
    network.emit("visible");
    network.emit("visible");
    network.emit("offline");
    assert.deepEqual(transport.last.texts, [HEARTBEAT_PING]);
    client.close();
  });

  it("without a heartbeat a signal changes nothing on a transport without ping frames", async () => {
    const network = new FakeNetwork();
    const { client, transport, clock } = follow(network);
    await flush();
    transport.last.open();
    network.emit("offline");
    clock.advance(60_000);
    assert.deepEqual(transport.last.sent, []);
    assert.equal(client.state, "open");
    assert.equal(checkLiveness(client), false);
    client.close();
  });

  it("'online' while reconnecting retries now instead of waiting out the delay", async () => {
    const network = new FakeNetwork();
    const { client, transport, clock, log } = follow(network);
    await flush();
    transport.last.open();
    transport.last.end(1006);
    assert.equal(client.state, "reconnecting");
    assert.ok(log.includes("reconnecting:1:500"));
    network.emit("offline");
    assert.equal(transport.attempts.length, 1);
    network.emit("online");
    assert.equal(client.state, "connecting");
    await flush();
    assert.equal(transport.attempts.length, 2);
    clock.advance(500); // the old retry timer was cancelled
    await flush();
    assert.equal(transport.attempts.length, 2);
    transport.last.open();
    assert.equal(client.state, "open");
    client.close();
  });

  it("'online' while idle or connecting starts nothing", async () => {
    const network = new FakeNetwork();
    const { client, transport } = follow(network, { autoConnect: false });
    network.emit("online");
    assert.equal(client.state, "idle");
    client.connect();
    await flush();
    network.emit("online");
    await flush();
    assert.equal(transport.attempts.length, 1);
    client.close();
  });

  it("removes its listener on close() and after giving up", async () => {
    const network = new FakeNetwork();
    const first = follow(network);
    assert.equal(network.listeners.size, 1);
    first.client.close();
    assert.equal(network.listeners.size, 0);
    const second = follow(network, { backoff: { maxRetries: 0 } });
    await flush();
    second.transport.last.end(1006);
    assert.equal(second.client.state, "closed");
    assert.equal(network.listeners.size, 0);
  });

  it("follows nothing for an undefined source or a closed client", () => {
    const network = new FakeNetwork();
    const { client } = fakeClient({ autoConnect: false });
    client.close();
    followNetwork(client, network)();
    assert.equal(network.listeners.size, 0);
    const open = fakeClient({ autoConnect: false }).client;
    followNetwork(open, undefined)();
    open.close();
  });

  it("its stop function unsubscribes at once", () => {
    const network = new FakeNetwork();
    const { client } = fakeClient({ autoConnect: false });
    const stop = followNetwork(client, network);
    assert.equal(network.listeners.size, 1);
    stop();
    assert.equal(network.listeners.size, 0);
    client.close();
  });

  it("rejects a source without subscribe", () => {
    const { client } = fakeClient({ autoConnect: false });
    assert.throws(() => followNetwork(client, {} as NetworkSignals), {
      name: "TypeError",
      message: "Invalid 'source': object",
    });
    client.close();
  });
});

describe("browserNetworkSignals", () => {
  it("is undefined where there is no window or document", () => {
    assert.equal(browserNetworkSignals(), undefined);
  });

  it("turns window online/offline and document visibilitychange into signals", () => {
    const window = new EventTarget();
    const document = new FakeDocument();
    const source = browserNetworkSignals(window, document);
    assert.ok(source !== undefined);
    const got: NetworkSignal[] = [];
    const stop = source.subscribe((signal) => got.push(signal));
    window.dispatchEvent(new Event("offline"));
    window.dispatchEvent(new Event("online"));
    document.visibilityState = "hidden";
    document.dispatchEvent(new Event("visibilitychange"));
    document.visibilityState = "visible";
    document.dispatchEvent(new Event("visibilitychange"));
    assert.deepEqual(got, ["offline", "online", "visible"]);
    stop();
    window.dispatchEvent(new Event("offline"));
    document.dispatchEvent(new Event("visibilitychange"));
    assert.deepEqual(got, ["offline", "online", "visible"]);
  });

  it("drives a client through window events", async () => {
    const window = new EventTarget();
    const source = browserNetworkSignals(window);
    assert.ok(source !== undefined);
    const { client, transport } = follow(source);
    await flush();
    transport.last.end(1006);
    assert.equal(client.state, "reconnecting");
    window.dispatchEvent(new Event("online"));
    assert.equal(client.state, "connecting");
    client.close();
  });
});

describe("network signals over a real socket", () => {
  const tracked = track();
  after(() => tracked.cleanup());

  it("'offline' sends the heartbeat ping at once; the echoed ping keeps the connection", async () => {
    const server = await tracked.server();
    const network = new FakeNetwork();
    const client = tracked.client(server.url, {
      WebSocket: WsWebSocket,
      heartbeat: heartbeat({ interval: 60_000, timeout: 300 }),
    });
    followNetwork(client, network);
    await within(opened(client), 2_000, "open");
    network.emit("offline");
    await until(() => server.received.includes(HEARTBEAT_PING), 2_000, "the ping at the server");
    await sleep(400); // past the timeout
    assert.equal(client.state, "open");
    client.close();
    assert.equal(network.listeners.size, 0);
  });
});
