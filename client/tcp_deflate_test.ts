import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import type { PerMessageDeflateOptions as WsDeflateOptions } from "ws";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import { acceptResponseHeaders } from "../codec/handshake.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import { writeResponseHead } from "../codec/http_write.ts";
import { HandshakeError, ProtocolError } from "../codec/errors.ts";
import { PYTHON, skipWithoutPythonWebsockets } from "../testing/python.ts";
import { until, within } from "../testing/async.ts";
import { skipOnBun } from "../testing/runtime.ts";
import { tcpTransport, type TcpTransportOptions } from "./tcp_transport.node.ts";
import type { Transport, TransportEvent } from "./transport.ts";

/** Bytes that went through a recording proxy, each way. */
interface Recording {
  up: Uint8Array[];
  down: Uint8Array[];
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** A TCP proxy to `port` that records every byte both ways. */
async function recordingProxy(port: number): Promise<{ url: string; recording: Recording }> {
  const recording: Recording = { up: [], down: [] };
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    sockets.push(client, upstream);
    client.on("data", (chunk: Uint8Array) => {
      recording.up.push(new Uint8Array(chunk));
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Uint8Array) => {
      recording.down.push(new Uint8Array(chunk));
      client.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  const proxyPort = await listen(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${proxyPort}/`, recording };
}

/** The HTTP head and the data frames (opcode, RSV1) recorded one way. */
function parse(chunks: Uint8Array[], role: "client" | "server"): {
  head: string;
  frames: { opcode: number; rsv1: boolean }[];
} {
  const all = Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));
  const text = new TextDecoder("latin1").decode(all);
  const end = text.indexOf("\r\n\r\n") + 4;
  const frames: { opcode: number; rsv1: boolean }[] = [];
  const decoder = new FrameDecoder({ role, allowedRsv: 4, maxPayloadSize: Infinity });
  decoder.push(all.slice(end), (frame) => {
    if (frame.opcode < 8) frames.push({ opcode: frame.opcode, rsv1: frame.rsv1 });
  });
  return { head: text.slice(0, end), frames };
}

async function startWs(perMessageDeflate: boolean | WsDeflateOptions): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
  await new Promise<void>((resolve) => wss.on("listening", () => resolve()));
  wss.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  cleanups.push(() => {
    for (const client of wss.clients) client.terminate();
    return new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return wss;
}

/** One transport attempt with its events recorded. */
function attempt(url: string, options: TcpTransportOptions): {
  transport: Transport;
  events: TransportEvent[];
  wait: <T extends TransportEvent["type"]>(
    type: T,
    count?: number,
  ) => Promise<Extract<TransportEvent, { type: T }>[]>;
} {
  const events: TransportEvent[] = [];
  const transport = tcpTransport(options).connect(url, [], (event) => events.push(event));
  cleanups.push(() => transport.abort());
  const wait = async <T extends TransportEvent["type"]>(
    type: T,
    count = 1,
  ): Promise<Extract<TransportEvent, { type: T }>[]> => {
    await until(() => events.filter((e) => e.type === type).length >= count, 3_000, type);
    return events.filter((e) => e.type === type) as Extract<TransportEvent, { type: T }>[];
  };
  return { transport, events, wait };
}

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i % 17) * 3;
  return bytes;
}

const OFFER = "permessage-deflate; client_no_context_takeover; client_max_window_bits";
const MESSAGES: (string | Uint8Array)[] = [
  "hello ".repeat(200),
  pattern(5000),
  "é".repeat(100_000),
  pattern(300_000),
];

/** Echoes MESSAGES through `url` and checks them; returns the open event's extensions. */
async function echoAll(url: string, options: TcpTransportOptions): Promise<string> {
  const { transport, wait } = attempt(url, options);
  const [open] = await wait("open");
  for (const message of MESSAGES) transport.send(message);
  const replies = await wait("message", MESSAGES.length);
  assert.deepEqual(replies.map((event) => event.data), MESSAGES);
  transport.close(1000);
  await wait("close");
  return open!.extensions;
}

describe("tcpTransport permessage-deflate against ws's server", () => {
  const variants: [string, boolean | WsDeflateOptions][] = [
    ["perMessageDeflate: true", true],
    ["threshold 0", { threshold: 0 }],
    [
      "server and client no_context_takeover",
      { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    ],
    ["server_max_window_bits 10, client_max_window_bits 9", {
      threshold: 0,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    }],
  ];
  for (const [name, options] of variants) {
    it(`compresses both ways (${name}): RSV1 on every data frame`, async () => {
      const wss = await startWs(options);
      const { url, recording } = await recordingProxy((wss.address() as { port: number }).port);
      const extensions = await echoAll(url, { perMessageDeflate: { threshold: 0 } });
      assert.match(extensions, /^permessage-deflate/);
      const up = parse(recording.up, "server");
      const down = parse(recording.down, "client");
      assert.match(up.head, new RegExp(`sec-websocket-extensions: ${OFFER}\r\n`, "i"));
      assert.deepEqual(up.frames.map((f) => f.rsv1), MESSAGES.map(() => true));
      assert.deepEqual(down.frames.map((f) => f.rsv1), MESSAGES.map(() => true));
    });
  }

  it("inflates a message ws sends in two compressed fragments (RSV1 on the first only)", {
    skip: skipOnBun(
      "Bun replaces the npm package ws with its built-in ws, which sends fragments uncompressed",
    ),
  }, async () => {
    const wss = await startWs({ threshold: 0 });
    wss.on("connection", (socket) => {
      socket.send("hello ".repeat(300), { fin: false });
      socket.send("world ".repeat(300), { fin: true });
    });
    const { url, recording } = await recordingProxy((wss.address() as { port: number }).port);
    const { wait } = attempt(url, { perMessageDeflate: true });
    const [message] = await wait("message");
    assert.equal(message!.data, "hello ".repeat(300) + "world ".repeat(300));
    assert.deepEqual(parse(recording.down, "client").frames, [
      { opcode: 1, rsv1: true },
      { opcode: 0, rsv1: false },
    ]);
  });

  it("sends messages under the threshold (default 1024 bytes) uncompressed", async () => {
    const wss = await startWs({ threshold: 0 });
    const { url, recording } = await recordingProxy((wss.address() as { port: number }).port);
    const { transport, wait } = attempt(url, { perMessageDeflate: true });
    await wait("open");
    transport.send("a".repeat(1023));
    transport.send("a".repeat(1024));
    await wait("message", 2);
    assert.deepEqual(parse(recording.up, "server").frames.map((f) => f.rsv1), [false, true]);
  });

  it("inflates what ws compresses with context takeover: repeated messages shrink", async () => {
    const wss = await startWs({ threshold: 0, serverNoContextTakeover: false });
    const { url, recording } = await recordingProxy((wss.address() as { port: number }).port);
    const { transport, wait } = attempt(url, {});
    const [open] = await wait("open");
    assert.equal(open!.extensions, "permessage-deflate; client_no_context_takeover");
    const messages = Array.from(
      { length: 50 },
      (_, i) => `{"seq":${i % 5},"quote":"${"q".repeat(60)}"}`,
    );
    for (const message of messages) transport.send(message);
    const replies = await wait("message", messages.length);
    assert.deepEqual(replies.map((event) => event.data), messages);
    const down = Uint8Array.from(recording.down.flatMap((chunk) => [...chunk]));
    const frames = parse(recording.down, "client").frames;
    assert.deepEqual(frames.map((f) => f.rsv1), messages.map(() => true));
    // With the server's context kept, a repeated message is a few bytes on the wire.
    const head = new TextDecoder("latin1").decode(down).indexOf("\r\n\r\n") + 4;
    assert.ok(down.length - head < messages.length * 20, `${down.length - head} bytes`);
  });

  it("offers nothing with perMessageDeflate: false", async () => {
    const wss = await startWs({ threshold: 0 });
    const { url, recording } = await recordingProxy((wss.address() as { port: number }).port);
    assert.equal(await echoAll(url, { perMessageDeflate: false }), "");
    const up = parse(recording.up, "server");
    assert.doesNotMatch(up.head, /sec-websocket-extensions/i);
    assert.deepEqual(up.frames.map((f) => f.rsv1), MESSAGES.map(() => false));
  });

  it("closes with 1009 when a small compressed message inflates past maxMessageSize", async () => {
    const wss = await startWs({ threshold: 0 });
    wss.on("connection", (socket) => socket.send(new Uint8Array(8 << 20))); // ~8 KiB compressed
    const port = (wss.address() as { port: number }).port;
    const { url, recording } = await recordingProxy(port);
    const { events, wait } = attempt(url, { maxMessageSize: 1 << 20, perMessageDeflate: true });
    const [close] = await wait("close");
    assert.equal(close!.code, 1009);
    const error = events.find((event) => event.type === "error");
    assert.ok(error?.type === "error" && error.error instanceof ProtocolError);
    assert.equal(error.error.code, "MESSAGE_TOO_BIG");
    const down = parse(recording.down, "client");
    assert.deepEqual(down.frames, [{ opcode: 2, rsv1: true }]);
  });
});

const PYTHON_SERVER = fileURLToPath(
  new URL("./testdata/python_deflate_server.py", import.meta.url),
);

describe("tcpTransport permessage-deflate against python-websockets' server", () => {
  it(
    "negotiates and compresses both ways (python's extension saw RSV1 frames)",
    { skip: skipWithoutPythonWebsockets(PYTHON_SERVER) },
    async () => {
      const child = spawn(PYTHON, [PYTHON_SERVER], { stdio: ["ignore", "pipe", "pipe"] });
      cleanups.push(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
      });
      let output = "";
      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => output += chunk);
      child.stderr.on("data", (chunk: string) => output += chunk);
      await until(() => /port \d+/.test(output), 10_000, "python's port");
      const port = Number(/port (\d+)/.exec(output)![1]);
      const extensions = await within(
        echoAll(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } }),
        10_000,
        "the echo",
      );
      assert.match(extensions, /^permessage-deflate/);
      // python-websockets keeps its context: our client inflated with the server's window kept.
      assert.doesNotMatch(extensions, /server_no_context_takeover/);
      await until(
        () => (output.match(/sent compressed/g) ?? []).length >= MESSAGES.length,
        5_000,
        "python's log",
      );
      assert.equal((output.match(/received compressed/g) ?? []).length, MESSAGES.length);
      assert.equal((output.match(/sent compressed/g) ?? []).length, MESSAGES.length);
      assert.match(output, /extensions permessage-deflate/);
    },
  );
});

describe("tcpTransport permessage-deflate: the server's answer is checked", () => {
  async function answering(extensions: string): Promise<string> {
    const server = createServer((socket) => {
      const parser = new HttpHeadParser("request");
      socket.on("data", async (chunk: Uint8Array) => {
        const head = parser.push(chunk);
        if (head === undefined) return;
        const headers = await acceptResponseHeaders(head.headers.get("sec-websocket-key") ?? "");
        headers.set("sec-websocket-extensions", extensions);
        socket.write(writeResponseHead(101, "Switching Protocols", headers));
      });
      socket.on("error", () => {});
    });
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `ws://127.0.0.1:${port}/`;
  }

  const refused = [
    "permessage-deflate; client_max_window_bits", // a bare value in a response
    "permessage-deflate; server_no_context_takeover; client_max_window_bits=16",
    "permessage-deflate; server_no_context_takeover; x=1",
  ];
  for (const answer of refused) {
    it(`refuses ${JSON.stringify(answer)} with BAD_EXTENSION_PARAMS`, async () => {
      const { events, wait } = attempt(await answering(answer), { perMessageDeflate: true });
      const [close] = await wait("close");
      assert.equal(close!.code, 1006);
      const error = events.find((event) => event.type === "error");
      assert.ok(error?.type === "error" && error.error instanceof HandshakeError);
      assert.equal(error.error.code, "BAD_EXTENSION_PARAMS");
    });
  }
});
