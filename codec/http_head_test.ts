import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import WsWebSocket, { WebSocketServer } from "ws";
import { HandshakeError, InvalidStateError } from "./errors.ts";
import { generateKey } from "./accept_key.ts";
import {
  acceptResponseHeaders,
  handshakeErrorResponse,
  validateUpgradeRequest,
} from "./handshake.ts";
import { buildUpgradeRequestHeaders, validateUpgradeResponse } from "./handshake_client.ts";
import { type HttpHead, HttpHeadParser, type HttpRequestHead } from "./http_head.ts";
import { writeRequestHead, writeResponseHead } from "./http_write.ts";

const encode = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const REQUEST = "GET /chat?room=1 HTTP/1.1\r\n" +
  "Host: example.com\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: keep-alive, Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n" +
  "X-Multi: a\r\n" +
  "x-multi: b\r\n" +
  "X-Spaces: \t padded value \t\r\n" +
  "\r\n";
const AFTER = [0x81, 0x85, 1, 2, 3, 4];

function parseAll<K extends "request" | "response">(
  parser: HttpHeadParser<K>,
  chunks: Uint8Array[],
): { head: HttpHead; rest: number[] } {
  let head: HttpHead | undefined;
  const rest: number[] = [];
  for (const chunk of chunks) {
    if (head) rest.push(...chunk);
    else {
      head = parser.push(chunk);
      if (head) rest.push(...parser.takeRest());
    }
  }
  assert.ok(head, "the head should be complete");
  return { head, rest };
}

function assertRequest(head: HttpHead): void {
  assert.equal(head.kind, "request");
  const { method, target, version, headers } = head as HttpRequestHead;
  assert.deepEqual([method, target, version], ["GET", "/chat?room=1", "HTTP/1.1"]);
  assert.equal(headers.get("connection"), "keep-alive, Upgrade");
  assert.equal(headers.get("x-multi"), "a, b");
  assert.equal(headers.get("x-spaces"), "padded value");
}

function assertHttpError(
  kind: "request" | "response",
  text: string | Uint8Array,
  code: string,
  status: number,
  options?: { maxHeadSize?: number; maxHeaders?: number },
): HandshakeError {
  const parser = new HttpHeadParser(kind, options);
  const bytes = typeof text === "string" ? encode(text) : text;
  let thrown: unknown;
  try {
    parser.push(bytes);
  } catch (error) {
    thrown = error;
  }
  assert.ok(
    thrown instanceof HandshakeError,
    `expected a HandshakeError for ${JSON.stringify(text)}`,
  );
  assert.equal(thrown.code, code, thrown.message);
  assert.equal(thrown.status, status);
  // The parser stays failed.
  assert.throws(() => parser.push(encode("\r\n")), (again: unknown) => again === thrown);
  return thrown;
}

describe("HttpHeadParser reads a request head", () => {
  const bytes = encode(REQUEST + String.fromCharCode(...AFTER));

  it("fed whole, and keeps the bytes after the head", () => {
    const { head, rest } = parseAll(new HttpHeadParser("request"), [bytes]);
    assertRequest(head);
    assert.deepEqual(rest, AFTER);
  });

  it("split at every position", () => {
    for (let at = 0; at <= bytes.length; at++) {
      const { head, rest } = parseAll(new HttpHeadParser("request"), [
        bytes.slice(0, at),
        bytes.slice(at),
      ]);
      assertRequest(head);
      assert.deepEqual(rest, AFTER, `split at ${at}`);
    }
  });

  it("one byte at a time", () => {
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    const { head, rest } = parseAll(new HttpHeadParser("request"), chunks);
    assertRequest(head);
    assert.deepEqual(rest, AFTER);
  });

  it("in random chunks", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
          const { head, rest } = parseAll(new HttpHeadParser("request"), chunks);
          assertRequest(head);
          assert.deepEqual(rest, AFTER);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("copies the head so the caller may reuse its read buffer (a Node Buffer too)", () => {
    const parser = new HttpHeadParser("request");
    const buffer = Buffer.from(bytes);
    const at = 20;
    assert.equal(parser.push(buffer.subarray(0, at)), undefined);
    const second = Buffer.from(buffer.subarray(at));
    buffer.fill(0x58); // the caller reuses its buffer before the head is complete
    const head = parser.push(second);
    assert.ok(head);
    assertRequest(head);
    const rest = parser.takeRest();
    assert.equal(Object.getPrototypeOf(rest), Uint8Array.prototype);
    assert.deepEqual([...rest], AFTER);
  });

  it("keeps obs-text bytes as Latin-1 characters", () => {
    const parser = new HttpHeadParser("request");
    const head = parser.push(encode("GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\u00e9\x80\r\n\r\n"));
    assert.equal(head?.headers.get("x-name"), "caf\u00e9\x80");
  });

  it("gives the rest once, and refuses misuse with InvalidStateError", () => {
    const parser = new HttpHeadParser("request");
    assert.throws(() => parser.takeRest(), InvalidStateError);
    assert.ok(parser.push(bytes));
    assert.equal(parser.takeRest().length, AFTER.length);
    assert.equal(parser.takeRest().length, 0);
    assert.throws(() => parser.push(Uint8Array.of(1)), InvalidStateError);
  });
});

describe("HttpHeadParser reads a response head", () => {
  it("with its status, reason and headers", () => {
    const parser = new HttpHeadParser("response");
    const head = parser.push(
      encode(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      ),
    );
    assert.equal(head?.kind, "response");
    assert.equal(head?.status, 101);
    assert.equal(head?.reason, "Switching Protocols");
    assert.equal(head?.headers.get("upgrade"), "websocket");
  });

  it("without a reason phrase, and from an HTTP/1.0 server", () => {
    const bare = new HttpHeadParser("response").push(encode("HTTP/1.1 101\r\n\r\n"));
    assert.deepEqual([bare?.status, bare?.reason], [101, ""]);
    const old = new HttpHeadParser("response").push(encode("HTTP/1.0 400 Bad Request\r\n\r\n"));
    assert.deepEqual([old?.status, old?.version], [400, "HTTP/1.0"]);
  });
});

describe("HttpHeadParser limits", () => {
  const padded = (size: number): string => {
    const start = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    return start + "a".repeat(size - start.length - 4) + "\r\n\r\n";
  };

  it("accepts a head of exactly 16384 bytes and refuses 16385 with 431 HEAD_TOO_LARGE", () => {
    assert.ok(new HttpHeadParser("request").push(encode(padded(16384))));
    const error = assertHttpError("request", padded(16385), "HEAD_TOO_LARGE", 431);
    assert.equal(error.message, "request head exceeds 16384 bytes");
  });

  it("refuses a 1 MB head without a blank line in the first push", () => {
    const huge = new Uint8Array(1 << 20).fill(0x61);
    assertHttpError("request", huge, "HEAD_TOO_LARGE", 431);
  });

  it("refuses as soon as the limit is passed, not at the end of the stream", () => {
    const parser = new HttpHeadParser("request");
    const kib = new Uint8Array(1024).fill(0x61);
    for (let i = 0; i < 16; i++) assert.equal(parser.push(kib), undefined);
    assert.throws(() => parser.push(Uint8Array.of(0x61)), /request head exceeds 16384 bytes/);
  });

  it("follows maxHeadSize and refuses bad limits with RangeError", () => {
    assertHttpError("request", padded(101), "HEAD_TOO_LARGE", 431, { maxHeadSize: 100 });
    assert.ok(new HttpHeadParser("request", { maxHeadSize: 100 }).push(encode(padded(100))));
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new HttpHeadParser("request", { maxHeadSize: bad }), RangeError);
      assert.throws(() => new HttpHeadParser("request", { maxHeaders: bad }), RangeError);
    }
  });

  it("accepts 100 header fields and refuses 101 with 431 TOO_MANY_HEADERS", () => {
    const head = (n: number): string =>
      "GET / HTTP/1.1\r\n" + Array.from({ length: n }, (_, i) => `X-H${i}: ${i}\r\n`).join("") +
      "\r\n";
    assert.ok(new HttpHeadParser("request").push(encode(head(100))));
    const error = assertHttpError("request", head(101), "TOO_MANY_HEADERS", 431);
    assert.equal(error.message, "request head has more than 100 header fields");
    assertHttpError("request", head(3), "TOO_MANY_HEADERS", 431, { maxHeaders: 2 });
  });

  it("reports status 0 for a response that passes a limit", () => {
    const error = assertHttpError(
      "response",
      "HTTP/1.1 101 OK\r\nX: " + "a".repeat(17_000),
      "HEAD_TOO_LARGE",
      0,
    );
    assert.equal(error.message, "response head exceeds 16384 bytes");
  });
});

describe("HttpHeadParser refuses a malformed head with 400 BAD_HTTP", () => {
  const requests: Array<[string, string]> = [
    ["an empty head", "\r\n\r\n"],
    ["a request line without version", "GET /\r\n\r\n"],
    ["a double space in the request line", "GET  / HTTP/1.1\r\n\r\n"],
    ["a method that is not a token", "G(T / HTTP/1.1\r\n\r\n"],
    ["HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\n\r\n"],
    ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"],
    ["a lower-case version", "GET / http/1.1\r\n\r\n"],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"],
    ["an empty field name", "GET / HTTP/1.1\r\n: x\r\n\r\n"],
    ["a line without a colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n"],
    ["a field name with a space", "GET / HTTP/1.1\r\nX Y: 1\r\n\r\n"],
    ["obsolete line folding", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n"],
    ["a bare LF", "GET / HTTP/1.1\nHost: x\r\n\r\n"],
    ["LF LF as the end of the head", "GET / HTTP/1.1\r\nHost: x\n\n"],
    ["a bare CR", "GET / HTTP/1.1\r\nHost: x\rX: 1\r\n\r\n"],
    ["NUL in a value", "GET / HTTP/1.1\r\nHost: x\u0000y\r\n\r\n"],
    ["DEL in a value", "GET / HTTP/1.1\r\nHost: x\u007f\r\n\r\n"],
    ["a control character in the target", "GET /\u0001 HTTP/1.1\r\n\r\n"],
    ["two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"],
  ];
  for (const [what, text] of requests) {
    it(`request with ${what}`, () => {
      assertHttpError("request", text, "BAD_HTTP", 400);
    });
  }

  for (
    const text of [
      "HTTP/1.1 1010 X\r\n\r\n",
      "HTTP/2 101 X\r\n\r\n",
      "HTTP/1.1 101 \u0001\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
    ]
  ) {
    it(`response ${JSON.stringify(text)} with status 0`, () => {
      assertHttpError("response", text, "BAD_HTTP", 0);
    });
  }

  it("throws only HandshakeError on arbitrary bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom("request", "response"),
        (bytes, kind) => {
          const parser = new HttpHeadParser(kind as "request" | "response", { maxHeadSize: 150 });
          try {
            parser.push(bytes);
            parser.push(encode("\r\n\r\n"));
          } catch (error) {
            assert.ok(error instanceof HandshakeError || error instanceof InvalidStateError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("writeRequestHead and writeResponseHead", () => {
  it("write the exact bytes, keeping order and repeats of pairs", () => {
    const bytes = writeRequestHead("GET", "/chat", [["Host", "example.com"], ["X-A", "1"], [
      "X-A",
      "2",
    ]]);
    assert.equal(
      new TextDecoder().decode(bytes),
      "GET /chat HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
    );
    assert.equal(
      new TextDecoder().decode(
        writeResponseHead(101, "Switching Protocols", { Upgrade: "websocket" }),
      ),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    );
  });

  it("round-trip through the parser, Latin-1 values included", () => {
    const headers = new Headers({ host: "example.com", "x-name": "caf\u00e9" });
    const head = new HttpHeadParser("request").push(writeRequestHead("GET", "/", headers));
    assert.deepEqual(Object.fromEntries(head?.headers ?? []), Object.fromEntries(headers));
  });

  it("refuse header injection with TypeError", () => {
    const evil = ["a\r\nInjected: 1", "a\nb", "a\rb", "a\u0000b", "\u0100"];
    for (const value of evil) {
      assert.throws(() => writeRequestHead("GET", "/", [["X", value]]), TypeError, value);
      assert.throws(() => writeResponseHead(400, "Bad", [["X", value]]), TypeError, value);
      assert.throws(() => writeRequestHead("GET", "/", [[`X${value}`, "1"]]), TypeError, value);
      assert.throws(() => writeResponseHead(400, value, []), TypeError, value);
    }
    for (const target of ["/a b", "/\r\n", ""]) {
      assert.throws(() => writeRequestHead("GET", target, []), TypeError);
    }
    assert.throws(() => writeRequestHead("GET /x", "/", []), TypeError);
  });

  it("refuse a status outside 100-999 with RangeError", () => {
    for (const status of [99, 1000, 200.5, Number.NaN]) {
      assert.throws(() => writeResponseHead(status, "X", []), RangeError);
    }
  });
});

/** A server on 127.0.0.1 that runs our handshake over TCP: parser, validation, writer. */
async function withHandshakeServer(
  test: (
    port: number,
    seen: Promise<{ head: HttpHead; refusal?: HandshakeError }>,
  ) => Promise<void>,
): Promise<void> {
  const sockets = new Set<net.Socket>();
  let report!: (value: { head: HttpHead; refusal?: HandshakeError }) => void;
  const seen = new Promise<{ head: HttpHead; refusal?: HandshakeError }>((resolve) =>
    report = resolve
  );
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const parser = new HttpHeadParser("request");
    socket.on("error", () => {});
    socket.on("data", async (chunk: Uint8Array) => {
      const head = parser.push(chunk);
      if (!head) return;
      socket.removeAllListeners("data");
      try {
        const info = validateUpgradeRequest(head, { protocols: ["chat.v2"] });
        const headers = await acceptResponseHeaders(info.key, { protocol: info.selectedProtocol });
        socket.write(writeResponseHead(101, "Switching Protocols", headers));
        report({ head });
      } catch (error) {
        assert.ok(error instanceof HandshakeError);
        const refusal = handshakeErrorResponse(error);
        socket.end(
          Buffer.concat([
            writeResponseHead(refusal.status, refusal.reason, refusal.headers),
            encode(refusal.body),
          ]),
        );
        report({ head, refusal: error });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await test((server.address() as net.AddressInfo).port, seen);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("the handshake over TCP with real peers", () => {
  it("a ws client opens a connection to our server and gets its subprotocol", async () => {
    await withHandshakeServer(async (port, seen) => {
      const client = new WsWebSocket(`ws://127.0.0.1:${port}/chat`, ["chat.v1", "chat.v2"]);
      const protocol = await new Promise<string>((resolve, reject) => {
        client.on("open", () => resolve(client.protocol));
        client.on("error", reject);
      });
      client.terminate();
      assert.equal(protocol, "chat.v2");
      const { head } = await seen;
      assert.equal(
        head.headers.get("sec-websocket-extensions"),
        "permessage-deflate; client_max_window_bits",
      );
    });
  });

  it("a ws client sees our 426 refusal", async () => {
    await withHandshakeServer(async (port, seen) => {
      const client = new WsWebSocket(`ws://127.0.0.1:${port}/`, { protocolVersion: 8 });
      const message = await new Promise<string>((resolve) =>
        client.on("error", (e) => resolve(e.message))
      );
      assert.match(message, /426/);
      assert.equal((await seen).refusal?.code, "UNSUPPORTED_VERSION");
    });
  });

  const Native = (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket;
  it(
    "the runtime's own WebSocket client opens a connection to our server",
    { skip: Native ? false : "no global WebSocket in this runtime" },
    async () => {
      await withHandshakeServer(async (port, seen) => {
        const client = new Native!(`ws://127.0.0.1:${port}/chat`, ["chat.v2"]);
        const protocol = await new Promise<string>((resolve, reject) => {
          client.onopen = () => resolve(client.protocol);
          client.onerror = () => reject(new Error("the native client failed"));
        });
        assert.equal(protocol, "chat.v2");
        const { head, refusal } = await seen;
        assert.equal(refusal, undefined);
        assert.equal(head.kind, "request");
        client.close();
      });
    },
  );

  it("our client handshake with a ws server: subprotocol, extension, first frame in the rest", async () => {
    const wss = new WebSocketServer({
      port: 0,
      host: "127.0.0.1",
      perMessageDeflate: true,
      handleProtocols: (offered) => offered.has("chat.v2") ? "chat.v2" : false,
    });
    wss.on("connection", (ws) => ws.send("hi", { compress: false }));
    await new Promise((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as net.AddressInfo;
    const socket = net.connect(port, "127.0.0.1");
    try {
      const key = generateKey();
      const protocols = ["chat.v1", "chat.v2"];
      const extensions = [{
        name: "permessage-deflate",
        params: [["client_max_window_bits", true] as [string, true]],
      }];
      socket.write(
        writeRequestHead(
          "GET",
          "/",
          buildUpgradeRequestHeaders({ host: `127.0.0.1:${port}`, key, protocols, extensions }),
        ),
      );
      const parser = new HttpHeadParser("response");
      const { head, after } = await new Promise<{ head: HttpHead; after: number[] }>((resolve) => {
        let found: HttpHead | undefined;
        const after: number[] = [];
        socket.on("data", (chunk: Uint8Array) => {
          if (!found) {
            found = parser.push(chunk);
            if (found) after.push(...parser.takeRest());
          } else after.push(...chunk);
          if (found && after.length >= 4) resolve({ head: found, after });
        });
      });
      assert.equal(head.kind, "response");
      const info = await validateUpgradeResponse(head as { status: number; headers: Headers }, {
        key,
        protocols,
        extensions,
      });
      assert.equal(info.protocol, "chat.v2");
      assert.equal(info.extensions[0]?.name, "permessage-deflate");
      assert.deepEqual(after.slice(0, 4), [0x81, 0x02, 0x68, 0x69]); // unmasked text frame "hi"
    } finally {
      socket.destroy();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it("a ws server's refusal reaches our client as BAD_STATUS", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as net.AddressInfo;
    const socket = net.connect(port, "127.0.0.1");
    try {
      const key = generateKey();
      const headers = buildUpgradeRequestHeaders({ host: `127.0.0.1:${port}`, key });
      headers.set("sec-websocket-version", "7"); // ws also accepts 8
      socket.write(writeRequestHead("GET", "/", headers));
      const parser = new HttpHeadParser("response");
      const head = await new Promise<HttpHead>((resolve) => {
        socket.on("data", (chunk: Uint8Array) => {
          const found = parser.push(chunk);
          if (found) resolve(found);
        });
      });
      assert.equal(head.kind, "response");
      await assert.rejects(
        validateUpgradeResponse(head as { status: number; headers: Headers }, { key }),
        (error: unknown) =>
          error instanceof HandshakeError && error.code === "BAD_STATUS" && error.status === 400,
      );
    } finally {
      socket.destroy();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
