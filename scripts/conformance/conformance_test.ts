import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { type RawData, type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import { cases, type ConformanceCase } from "./cases.ts";
import { ConnectionTarget } from "./connection_target.ts";
import { runCase } from "./run.ts";
import type { Target, TargetSession } from "./target.ts";
import { TcpTarget } from "./tcp_target.ts";
import { skipOnBun } from "../../testing/runtime.ts";

const MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
/** Set explicitly so 9.3.1 / 9.4.1 (65536 fragments) check the 1008/1009 refusal path on ws. */
const WS_MAX_FRAGMENTS = 16 * 1024;
/** The cases that need ws's `maxFragments` (over 16 Ki fragments), which Bun's built-in ws lacks. */
const OVER_MAX_FRAGMENTS = new Set(["9.3.1", "9.4.1"]);
/**
 * Cases whose ws verdict Bun's built-in ws (and its node:http) changes: it has no `maxFragments`
 * (the 200,000-fragment flood is not refused) and its HTTP parser refuses the target `*` itself.
 */
const BUN_WS_DIFFERS: Record<string, string> = {
  "11.3.2": "Bun's built-in ws has no maxFragments: it never refuses the fragment flood",
  "11.4.2": "Bun's node:http refuses the target * itself, so the ws known gap does not show",
};
/**
 * Request-line cases ws answers with 101 (it checks neither the HTTP version, nor the target
 * form, nor the Host): asserted to fail, so a change in ws shows up.
 */
const WS_KNOWN_GAPS: Record<string, string> = {
  "11.4.1": "ws upgrades an HTTP/1.0 request",
  "11.4.2": "ws upgrades the request target *",
  "11.4.3": "ws upgrades a request whose Host holds a space",
};
/** Sockets: silence that means "nothing more is coming" (fail-fast cases wait this long). */
const IDLE_MS = 200;

function byId(id: string): ConformanceCase {
  const found = cases.find((item) => item.id === id);
  assert.ok(found, `no case ${id}`);
  return found;
}

async function startEchoServer(
  options: ServerOptions,
): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  server.on("connection", (socket: WebSocket) => {
    socket.on("error", () => {}); // the suite sends garbage on purpose; ws closes with the right code
    socket.on("message", (data: RawData, isBinary: boolean) => {
      socket.send(data, { binary: isBinary }, () => {});
    });
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `ws://127.0.0.1:${port}/` };
}

async function stopServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("conformance suite against the in-process codec Connection echo", () => {
  const target = new ConnectionTarget({ maxMessageSize: MAX_MESSAGE_SIZE });
  for (const item of cases) {
    it(`${item.id} ${item.description}`, async () => {
      const result = await runCase(target, item, { caseTimeoutMs: Infinity });
      assert.notEqual(result.verdict, "FAILED", `${item.id}: ${result.detail}`);
    });
  }
});

describe("conformance suite against a ws echo server over TCP (validates the suite)", () => {
  let server: WebSocketServer | undefined;
  let target: Target | undefined;
  before(async () => {
    const started = await startEchoServer({
      maxPayload: MAX_MESSAGE_SIZE,
      maxFragments: WS_MAX_FRAGMENTS,
    });
    server = started.server;
    target = new TcpTarget(started.url, {
      limits: { maxMessageSize: MAX_MESSAGE_SIZE, maxFramesPerMessage: WS_MAX_FRAGMENTS },
    });
  });
  after(async () => {
    if (server !== undefined) await stopServer(server);
  });
  for (const item of cases) {
    const skip = OVER_MAX_FRAGMENTS.has(item.id)
      ? skipOnBun("Bun replaces the npm package ws with its built-in ws: no maxFragments")
      : item.id in BUN_WS_DIFFERS
      ? skipOnBun(BUN_WS_DIFFERS[item.id]!)
      : false;
    it(`${item.id} ${item.description}`, { skip }, async () => {
      assert.ok(target);
      const result = await runCase(target, item, { idleMs: IDLE_MS, caseTimeoutMs: 20_000 });
      if (item.id in WS_KNOWN_GAPS) {
        assert.equal(result.verdict, "FAILED", `${item.id} (${WS_KNOWN_GAPS[item.id]})`);
      } else {
        assert.notEqual(result.verdict, "FAILED", `${item.id}: ${result.detail}`);
      }
    });
  }
});

/** A target that accepts every byte and never answers or closes. */
const silentTarget: Target = {
  name: "silent",
  limits: {},
  deterministic: true,
  connect: (): Promise<TargetSession> =>
    Promise.resolve({
      send: () => Promise.resolve(),
      read: () => Promise.resolve({ type: "idle" }),
      dispose: () => Promise.resolve(),
    }),
};

describe("conformance suite catches broken targets", () => {
  it("fails a target that never answers (2.1 ping, 7.3.3 close, 5.1 fragmented ping)", async () => {
    for (const id of ["2.1", "7.3.3", "5.1"]) {
      const result = await runCase(silentTarget, byId(id));
      assert.equal(result.verdict, "FAILED", `${id}: ${result.detail}`);
    }
  });

  it("fails ws with UTF-8 validation turned off on invalid text (6.3.1, 6.20.1)", {
    skip: skipOnBun("Bun replaces the npm package ws with its built-in ws: no skipUTF8Validation"),
  }, async () => {
    const { server, url } = await startEchoServer({ skipUTF8Validation: true });
    try {
      const target = new TcpTarget(url);
      for (const id of ["6.3.1", "6.20.1"]) {
        const result = await runCase(target, byId(id), { idleMs: IDLE_MS });
        assert.equal(result.verdict, "FAILED", `${id}: ${result.detail}`);
        assert.match(result.detail, /expected nothing|did not fail/);
      }
      const valid = await runCase(target, byId("6.2.1"), { idleMs: IDLE_MS });
      assert.equal(valid.verdict, "OK", valid.detail);
    } finally {
      await stopServer(server);
    }
  });

  it("expects 1009 from a target whose limit is lower than the message", async () => {
    const target = new ConnectionTarget({ maxMessageSize: 64 * 1024 });
    const over = await runCase(target, byId("9.1.2"));
    assert.equal(over.verdict, "OK");
    assert.match(over.detail, /1009/);
  });
});
