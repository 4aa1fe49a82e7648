/**
 * The server hook of permessage-deflate ({@linkcode perMessageDeflateServer}) over real sockets:
 * a minimal codec server (not wirely's server, which plugs it in later) against ws's client and
 * python-websockets' client, both of which offer compression by default.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { Connection } from "../codec/connection.ts";
import type { Extension, ExtensionNegotiator } from "../codec/extension.ts";
import type { Frame } from "../codec/frame.ts";
import { acceptResponseHeaders, validateUpgradeRequest } from "../codec/handshake.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import { writeResponseHead } from "../codec/http_write.ts";
import { perMessageDeflateServer } from "../codec/permessage_deflate_server.ts";
import { receiveAndProcess } from "../codec/receive_loop.ts";
import { runPython, skipWithoutPythonWebsockets } from "../testing/python.ts";
import { until, within } from "../testing/async.ts";
import { zlibDeflate } from "./zlib.node.ts";

/** RSV1 frames the server's extensions decoded and encoded. */
interface Counts {
  received: number;
  sent: number;
}

/** Wraps each negotiated extension to count the compressed frames it saw. */
function counting(negotiate: ExtensionNegotiator, counts: Counts): ExtensionNegotiator {
  return (offers) => {
    const { response, extensions } = negotiate(offers);
    const wrapped = extensions.map((extension): Extension => ({
      name: extension.name,
      rsv: extension.rsv,
      decode(frame, maxSize): Frame {
        if (frame.rsv1) counts.received++;
        return extension.decode(frame, maxSize);
      },
      encode(frame, options): Frame {
        const out = extension.encode(frame, options);
        if (out.rsv1) counts.sent++;
        return out;
      },
    }));
    return { response, extensions: wrapped };
  };
}

/** An echo server: the codec over node:net, negotiating extensions with `negotiate`. */
async function startEchoServer(negotiate: ExtensionNegotiator): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const parser = new HttpHeadParser("request");
    let connection: Connection | undefined;
    const flush = (): void => {
      for (const bytes of connection!.takeBytes()) socket.write(bytes);
      for (const event of connection!.takeEvents()) {
        if (event.type === "text") connection!.sendText(event.data);
        if (event.type === "binary") connection!.sendBinary(event.data);
      }
      for (const bytes of connection!.takeBytes()) socket.write(bytes);
      if (connection!.shouldCloseTransport) socket.end();
    };
    socket.on("data", async (chunk: Uint8Array) => {
      if (connection !== undefined) {
        receiveAndProcess(connection, new Uint8Array(chunk), flush);
        return;
      }
      const head = parser.push(new Uint8Array(chunk));
      if (head === undefined) return;
      socket.pause();
      const { key, extensions: offers } = validateUpgradeRequest(head);
      const { response, extensions } = negotiate(offers);
      const headers = await acceptResponseHeaders(key, { extensions: response });
      socket.write(writeResponseHead(101, "Switching Protocols", headers));
      connection = new Connection({ role: "server", maxMessageSize: 1 << 20, extensions });
      const rest = parser.takeRest();
      if (rest.length > 0) receiveAndProcess(connection, rest, flush);
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return server;
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function urlOf(server: Server): string {
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

const PATTERN = Uint8Array.from({ length: 5000 }, (_, i) => (i % 17) * 3);

describe("perMessageDeflateServer against real clients", () => {
  it("ws's client: negotiated, and every message compressed both ways", async () => {
    const counts: Counts = { received: 0, sent: 0 };
    const server = await startEchoServer(
      counting(perMessageDeflateServer(zlibDeflate, { threshold: 0 }), counts),
    );
    const ws = new WebSocket(urlOf(server), { perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => ws.terminate());
    let answered: unknown;
    ws.once("upgrade", (response) => answered = response.headers["sec-websocket-extensions"]);
    await within(new Promise((resolve) => ws.once("open", resolve)), 3_000, "open");
    assert.equal(
      answered,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    );
    const replies: (string | Uint8Array)[] = [];
    ws.on("message", (data, isBinary) => {
      const bytes = new Uint8Array(data as ArrayBuffer);
      replies.push(isBinary ? bytes : new TextDecoder().decode(bytes));
    });
    const messages = ["hello ".repeat(200), PATTERN, "é".repeat(100_000), "x".repeat(300_000)];
    for (const message of messages) ws.send(message);
    await until(() => replies.length === messages.length, 5_000, "the echoes");
    assert.deepEqual(replies, messages);
    assert.deepEqual(counts, { received: messages.length, sent: messages.length });
  });

  const PYTHON_CLIENT = fileURLToPath(
    new URL("../client/testdata/python_deflate_client.py", import.meta.url),
  );
  it(
    "python-websockets' client: negotiated, and every message compressed both ways",
    { skip: skipWithoutPythonWebsockets(PYTHON_CLIENT) },
    async () => {
      const counts: Counts = { received: 0, sent: 0 };
      const server = await startEchoServer(
        counting(perMessageDeflateServer(zlibDeflate, { threshold: 0 }), counts),
      );
      const { code, output } = await runPython(PYTHON_CLIENT, [urlOf(server)], 30_000);
      assert.equal(code, 0, output);
      assert.match(output, /^ok$/m, output);
      assert.match(
        output,
        /extensions permessage-deflate; server_no_context_takeover; client_no_context_takeover/,
      );
      assert.equal((output.match(/sent compressed/g) ?? []).length, 4, output);
      assert.equal((output.match(/received compressed/g) ?? []).length, 4, output);
      assert.deepEqual(counts, { received: 4, sent: 4 });
    },
  );
});
