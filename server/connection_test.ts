import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Opcode } from "../codec/constants.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import { encodeFrame } from "../codec/frame_encoder.ts";
import type { Frame } from "../codec/frame.ts";
import { ServerCore } from "./core.ts";
import type {
  ByteSocket,
  ByteSocketHandlers,
  CloseInfo,
  ServerConnection,
  ServerOptions,
} from "./mod.ts";
import { until } from "./_helpers_test.ts";

const MASK = new Uint8Array([9, 8, 7, 6]);

/** An in-memory ByteSocket: records writes, lets the test set backpressure and close it. */
class FakeSocket implements ByteSocket {
  bufferedAmount = 0;
  writeResult = true;
  paused = false;
  ended = false;
  destroyed = false;
  handlers: ByteSocketHandlers | undefined;
  readonly #decoder = new FrameDecoder({ role: "client", maxPayloadSize: Infinity });
  readonly frames: Frame[] = [];

  write(chunks: readonly Uint8Array[]): boolean {
    for (const chunk of chunks) this.#decoder.push(chunk.slice(), (f) => this.frames.push(f));
    return this.writeResult;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.handlers?.closed());
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  listen(handlers: ByteSocketHandlers): void {
    this.handlers = handlers;
  }
  /** Delivers a masked client frame. */
  receive(opcode: number, payload: Uint8Array | string, fin = true): void {
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.handlers!.data(encodeFrame(opcode, bytes, { fin, mask: MASK }));
  }
  closeCode(): number | undefined {
    const frame = this.frames.find((f) => f.opcode === Opcode.CLOSE);
    return frame && frame.payload.length >= 2
      ? (frame.payload[0]! << 8) | frame.payload[1]!
      : undefined;
  }
}

/** Every fake socket of the current test; closed after it so no timer outlives the test. */
const opened: FakeSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.handlers?.closed();
});

interface Opened<Data> {
  core: ServerCore<Data>;
  conn: ServerConnection<Data>;
  socket: FakeSocket;
  errors: unknown[];
  closes: CloseInfo[];
}

function open<Data = undefined>(options: ServerOptions<Data> = {}, data?: Data): Opened<Data> {
  const errors: unknown[] = [];
  const closes: CloseInfo[] = [];
  const core = new ServerCore<Data>({
    onError: (error) => errors.push(error),
    onClose: (_conn, info) => void closes.push(info),
    ...options,
  });
  const socket = new FakeSocket();
  opened.push(socket);
  const request = {
    method: "GET",
    url: new URL("http://localhost/chat?room=a"),
    headers: new Headers({ host: "localhost" }),
    remoteAddress: "127.0.0.1",
  };
  const conn = core.openBytes(socket, request, "chat", data as Data);
  return { core, conn, socket, errors, closes };
}

describe("ServerConnection", () => {
  it("exposes the request, protocol and data", () => {
    const { conn } = open({}, { user: "ada" });
    assert.equal(conn.url.searchParams.get("room"), "a");
    assert.equal(conn.headers.get("host"), "localhost");
    assert.equal(conn.protocol, "chat");
    assert.deepEqual(conn.data, { user: "ada" });
    assert.equal(conn.remoteAddress, "127.0.0.1");
    assert.equal(conn.state, "open");
  });

  it("queues messages for for-await and pauses reading past 1 MiB until the loop catches up", async () => {
    const { conn, socket } = open();
    socket.receive(Opcode.BINARY, new Uint8Array(600_000));
    assert.equal(socket.paused, false);
    socket.receive(Opcode.BINARY, new Uint8Array(600_000));
    assert.equal(socket.paused, true);
    assert.equal(conn.readPaused, true);
    const iterator = conn[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.data.length, 600_000);
    assert.equal(socket.paused, true, "600 kB still wait: above half the high-water mark");
    assert.equal((await iterator.next()).value?.type, "binary");
    assert.equal(socket.paused, false);
    socket.receive(Opcode.TEXT, "last");
    assert.deepEqual((await iterator.next()).value, { type: "text", data: "last" });
    const pending = iterator.next();
    socket.handlers!.closed();
    assert.deepEqual(await pending, { done: true, value: undefined });
  });

  it("does not queue messages that a listener consumes", () => {
    const { conn, socket } = open();
    const seen: string[] = [];
    conn.on("message", (message) => void seen.push(message.type));
    for (let i = 0; i < 2_000; i++) socket.receive(Opcode.TEXT, "x");
    assert.equal(seen.length, 2_000);
    assert.equal(socket.paused, false);
  });

  it("closes with 1011 and reports when an async listener rejects", async () => {
    const { conn, socket, errors } = open();
    conn.on("message", () => Promise.reject(new Error("async bug")));
    socket.receive(Opcode.TEXT, "x");
    await until(() => errors.length === 1, 1_000, "error reported");
    assert.equal((errors[0] as Error).message, "async bug");
    assert.equal(socket.closeCode(), 1011);
    assert.equal(conn.state, "closing");
  });

  it("throws InvalidStateError when sending after close, and broadcast skips it", () => {
    const { core, conn, socket } = open();
    conn.close(1000, "done");
    assert.throws(() => conn.send("late"), { name: "InvalidStateError" });
    assert.equal(core.broadcast("to all"), 1);
    assert.deepEqual(socket.frames.map((f) => f.opcode), [Opcode.CLOSE]);
  });

  it("refuses values sendJson cannot serialise", () => {
    const { conn } = open();
    assert.throws(() => conn.sendJson(undefined), { name: "TypeError" });
    assert.equal(conn.sendJson({ a: 1 }), true);
  });

  it("fires close once with 1006, leaves rooms and the client set when the transport drops", () => {
    const { core, conn, socket, closes } = open();
    let fired = 0;
    conn.on("close", () => void fired++);
    conn.join("lobby");
    assert.deepEqual([...conn.rooms], ["lobby"]);
    socket.handlers!.closed();
    socket.handlers!.closed();
    assert.equal(fired, 1);
    assert.deepEqual(closes, [{ code: 1006, reason: "", wasClean: false }]);
    assert.equal(core.clients.size, 0);
    assert.equal(core.rooms.members("lobby").size, 0);
    conn.join("late");
    assert.equal(core.rooms.members("late").size, 0);
  });

  it("ends the socket after the peer's close frame and reports a clean close", () => {
    const { socket, closes } = open();
    socket.receive(Opcode.CLOSE, new Uint8Array([0x0f, 0xa0, 0x68]));
    assert.equal(socket.ended, true);
    assert.equal(socket.closeCode(), 4000);
    socket.handlers!.closed();
    assert.deepEqual(closes, [{ code: 4000, reason: "h", wasClean: true }]);
  });

  it("returns false from send() under backpressure and emits drain", () => {
    const { conn, socket } = open();
    let drained = 0;
    conn.on("drain", () => void drained++);
    socket.writeResult = false;
    assert.equal(conn.send("a"), false);
    socket.writeResult = true;
    socket.handlers!.drain();
    assert.equal(drained, 1);
    assert.equal(conn.send("b"), true);
  });

  it("closes with 1008 when more than maxBufferedBytes wait in the socket", () => {
    const { conn, socket } = open({ limits: { maxBufferedBytes: 1_000 } });
    socket.bufferedAmount = 1_001;
    conn.send("one too many");
    assert.equal(socket.closeCode(), 1008);
    assert.equal(socket.ended, true);
    assert.equal(conn.state, "closing");
  });

  it("destroys the socket when the closing handshake outlasts limits.closeTimeout", async () => {
    const { conn, socket, closes } = open({ limits: { closeTimeout: 20 } });
    conn.close();
    await until(() => closes.length === 1, 1_000, "close after timeout");
    assert.equal(socket.destroyed, true);
    assert.deepEqual(closes, [{ code: 1006, reason: "", wasClean: false }]);
  });

  it("pings a silent connection and terminates it after the heartbeat timeout", async () => {
    const { socket, closes } = open({ heartbeat: { interval: 30, timeout: 10 } });
    await until(() => socket.frames.some((f) => f.opcode === Opcode.PING), 1_000, "ping");
    await until(() => closes.length === 1, 1_000, "terminated");
    assert.equal(socket.destroyed, true);
  });
});

describe("server options", () => {
  it("refuse out-of-range limits with a RangeError naming the option", () => {
    assert.throws(() => new ServerCore({ limits: { maxMessageSize: 0 } }), {
      name: "RangeError",
      message:
        "Cannot create server as 'limits.maxMessageSize' must be an integer >= 1 or Infinity: current value is 0",
    });
    assert.throws(() => new ServerCore({ limits: { closeTimeout: -1 } }), { name: "RangeError" });
    assert.throws(() => new ServerCore({ heartbeat: { interval: 100, timeout: 100 } }), {
      name: "RangeError",
    });
    assert.throws(() => new ServerCore({ onMessage: "nope" as never }), { name: "TypeError" });
    assert.doesNotThrow(() =>
      new ServerCore({ limits: { maxMessageSize: Infinity }, heartbeat: { interval: 0 } })
    );
  });

  it("name each option by its path in the groups", () => {
    const refusals: [ServerOptions<undefined>, string, string][] = [
      [{ limits: { maxFramesPerMessage: 0.5 } }, "limits.maxFramesPerMessage", "RangeError"],
      [{ limits: { maxBufferedBytes: -1 } }, "limits.maxBufferedBytes", "RangeError"],
      [{ limits: { closeTimeout: 0 } }, "limits.closeTimeout", "RangeError"],
      [{ handshake: { timeout: 2 ** 31 } }, "handshake.timeout", "RangeError"],
      [{ handshake: { maxHeadSize: 0 } }, "handshake.maxHeadSize", "RangeError"],
      [{ handshake: { origins: "x" as never } }, "handshake.origins", "TypeError"],
      [{ handshake: { protocols: "x" as never } }, "handshake.protocols", "TypeError"],
      [
        { handshake: { refuseUnknownProtocols: 1 as never } },
        "handshake.refuseUnknownProtocols",
        "TypeError",
      ],
      [{ handshake: { keepHeaders: "yes" as never } }, "handshake.keepHeaders", "TypeError"],
      [{ heartbeat: { interval: -1 } }, "heartbeat.interval", "RangeError"],
      [{ heartbeat: { timeout: 0 } }, "heartbeat.timeout", "RangeError"],
      [{ heartbeat: { appMessage: "yes" as never } }, "heartbeat.appMessage", "TypeError"],
      [{ heartbeat: true as never }, "heartbeat", "TypeError"],
      [{ limits: 1_024 as never }, "limits", "TypeError"],
      [{ handshake: null as never }, "handshake", "TypeError"],
      [{ shutdownTimeout: 0 }, "shutdownTimeout", "RangeError"],
    ];
    for (const [options, path, name] of refusals) {
      assert.throws(() => new ServerCore(options), (error: Error) => {
        assert.equal(error.name, name, path);
        assert.match(error.message, new RegExp(`^Cannot create server as '${path}' must `));
        return true;
      });
    }
  });

  it("apply one default per setting, and heartbeat: false turns pings and the answer off", () => {
    const core = new ServerCore({});
    assert.deepEqual(core.settings, {
      limits: {
        maxMessageSize: 1_048_576,
        maxFramesPerMessage: 4_096,
        maxBufferedBytes: 16_777_216,
        closeTimeout: 5_000,
      },
      handshake: { timeout: 5_000, maxHeadSize: 16_384, keepHeaders: false },
      heartbeat: { interval: 30_000, timeout: 10_000, appMessage: true },
      shutdownTimeout: 10_000,
    });
    assert.deepEqual(new ServerCore({ heartbeat: false }).heartbeat, {
      interval: 0,
      timeout: 10_000,
      appMessage: false,
    });
    assert.deepEqual(new ServerCore({ heartbeat: { interval: 0 } }).heartbeat.appMessage, true);
  });
});
