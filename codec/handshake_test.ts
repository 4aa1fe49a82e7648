import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HandshakeError } from "./errors.ts";
import type { ExtensionOffer } from "./extensions.ts";
import { computeAccept, generateKey } from "./accept_key.ts";
import {
  acceptResponseHeaders,
  handshakeErrorResponse,
  selectSubprotocol,
  validateUpgradeRequest,
} from "./handshake.ts";
import { buildUpgradeRequestHeaders, validateUpgradeResponse } from "./handshake_client.ts";

const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

function requestHeaders(overrides: Record<string, string | null> = {}): Headers {
  const base: Record<string, string | null> = {
    host: "example.com",
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": SAMPLE_KEY,
    "sec-websocket-version": "13",
    ...overrides,
  };
  const headers = new Headers();
  for (const [name, value] of Object.entries(base)) if (value !== null) headers.set(name, value);
  return headers;
}

function assertRefusal(
  action: () => unknown,
  code: string,
  status: number,
  headers: Record<string, string> = {},
): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof HandshakeError, `expected HandshakeError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, status);
    assert.deepEqual({ ...error.headers }, headers);
    return true;
  });
}

async function assertRejects(
  promise: Promise<unknown>,
  code: string,
  status: number,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HandshakeError, `expected HandshakeError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, status);
    return true;
  });
}

describe("keys and accept values", () => {
  it("computeAccept gives the RFC 6455 sample value", () => {
    assert.equal(computeAccept(SAMPLE_KEY), SAMPLE_ACCEPT);
    // Keys that are not 24 ASCII characters take the general path.
    assert.equal(computeAccept("x"), "JVxkmtKFjDcI/Pm/AGPEKSN6wT8=");
  });

  it("generateKey encodes 16 bytes from the injected source", () => {
    assert.equal(generateKey((bytes) => bytes.fill(0)), "AAAAAAAAAAAAAAAAAAAAAA==");
    assert.equal(
      generateKey((bytes) => bytes.set(new TextEncoder().encode("the sample nonce"))),
      SAMPLE_KEY,
    );
  });

  it("generateKey makes valid, different keys by default", () => {
    const keys = new Set(Array.from({ length: 20 }, () => generateKey()));
    assert.equal(keys.size, 20);
    for (const key of keys) {
      assert.equal(atob(key).length, 16);
      validateUpgradeRequest({
        method: "GET",
        headers: requestHeaders({ "sec-websocket-key": key }),
      });
    }
  });
});

describe("validateUpgradeRequest accepts", () => {
  it("a minimal request and reports what it asked for", () => {
    assert.deepEqual(validateUpgradeRequest({ method: "GET", headers: requestHeaders() }), {
      key: SAMPLE_KEY,
      protocols: [],
      extensions: [],
      selectedProtocol: undefined,
    });
  });

  it("the same Sec-WebSocket-Extensions twice: one frozen list, parsed once", () => {
    const offer = 'permessage-deflate; client_max_window_bits, x-other; a="b c"';
    const ask = () =>
      validateUpgradeRequest({
        method: "GET",
        headers: requestHeaders({ "sec-websocket-extensions": offer }),
      }).extensions;
    const first = ask();
    assert.deepEqual(first, [
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
      { name: "x-other", params: [["a", "b c"]] },
    ]);
    assert.equal(ask(), first);
    assert.ok(
      Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0]!.params),
    );
    assert.throws(() => (first[0]!.params as unknown[]).push(["x", true]), TypeError);
  });

  it("mixed-case names and values, and Firefox's Connection: keep-alive, Upgrade", () => {
    const headers = new Headers({
      HOST: "example.com",
      UPGRADE: "WebSocket",
      CONNECTION: "keep-alive, Upgrade",
      "Sec-WebSocket-Key": SAMPLE_KEY,
      "SEC-WEBSOCKET-VERSION": "13",
    });
    assert.equal(validateUpgradeRequest({ method: "GET", headers }).key, SAMPLE_KEY);
  });

  it("Connection and Upgrade split over repeated header lines", () => {
    const headers = requestHeaders({ connection: "keep-alive", upgrade: "h2c" });
    headers.append("connection", "upgrade");
    headers.append("upgrade", "websocket");
    assert.equal(validateUpgradeRequest({ method: "GET", headers }).key, SAMPLE_KEY);
  });

  it("the header values Node's undici, Deno and ws clients send", () => {
    // undici (Node 22+ global WebSocket) and Deno: lower-case upgrade/connection values.
    const headers = requestHeaders({
      upgrade: "websocket",
      connection: "upgrade",
      "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
    });
    const info = validateUpgradeRequest({ method: "GET", headers });
    assert.deepEqual(info.extensions, [
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
    ]);
  });

  it("offered subprotocols in order and chooses by server preference", () => {
    const headers = requestHeaders({ "sec-websocket-protocol": "chat.v1, chat.v2" });
    headers.append("sec-websocket-protocol", "mqtt");
    const info = validateUpgradeRequest({ method: "GET", headers }, {
      protocols: ["mqtt", "chat.v2"],
    });
    assert.deepEqual(info.protocols, ["chat.v1", "chat.v2", "mqtt"]);
    assert.equal(info.selectedProtocol, "mqtt");
  });

  it("a function choosing the subprotocol", () => {
    const headers = requestHeaders({ "sec-websocket-protocol": "a, b" });
    const info = validateUpgradeRequest({ method: "GET", headers }, {
      protocols: (offered) => offered.at(-1),
    });
    assert.equal(info.selectedProtocol, "b");
  });
});

describe("validateUpgradeRequest refuses", () => {
  const cases: Array<[string, string, Record<string, string | null>, string, number]> = [
    ["a missing Host", "GET", { host: null }, "MISSING_HOST", 400],
    ["an empty Host", "GET", { host: "" }, "MISSING_HOST", 400],
    ["a missing Upgrade", "GET", { upgrade: null }, "BAD_UPGRADE", 400],
    ["Upgrade: h2c", "GET", { upgrade: "h2c" }, "BAD_UPGRADE", 400],
    ["Upgrade: websocket2", "GET", { upgrade: "websocket2" }, "BAD_UPGRADE", 400],
    ["a malformed Upgrade", "GET", { upgrade: "web socket" }, "BAD_UPGRADE", 400],
    ["a missing Connection", "GET", { connection: null }, "BAD_CONNECTION", 400],
    ["Connection: keep-alive", "GET", { connection: "keep-alive" }, "BAD_CONNECTION", 400],
    ["Connection: upgrade-x", "GET", { connection: "upgrade-x" }, "BAD_CONNECTION", 400],
    ["a missing key", "GET", { "sec-websocket-key": null }, "BAD_KEY", 400],
    ["a key of 15 bytes", "GET", { "sec-websocket-key": btoa("x".repeat(15)) }, "BAD_KEY", 400],
    ["a key of 17 bytes", "GET", { "sec-websocket-key": btoa("x".repeat(17)) }, "BAD_KEY", 400],
    [
      "a key that is not base64",
      "GET",
      { "sec-websocket-key": "!GhlIHNhbXBsZSBub25jZQ==" },
      "BAD_KEY",
      400,
    ],
    [
      "a key without padding",
      "GET",
      { "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ" },
      "BAD_KEY",
      400,
    ],
    [
      "a subprotocol that is not a token",
      "GET",
      { "sec-websocket-protocol": "a b" },
      "BAD_PROTOCOL_HEADER",
      400,
    ],
    [
      "a subprotocol with ';'",
      "GET",
      { "sec-websocket-protocol": "a;b" },
      "BAD_PROTOCOL_HEADER",
      400,
    ],
    [
      "a repeated subprotocol",
      "GET",
      { "sec-websocket-protocol": "a, a" },
      "BAD_PROTOCOL_HEADER",
      400,
    ],
    [
      "a malformed extension header",
      "GET",
      { "sec-websocket-extensions": "foo;;" },
      "BAD_EXTENSION_HEADER",
      400,
    ],
  ];
  for (const [what, method, overrides, code, status] of cases) {
    it(`${what} with ${status} ${code}`, () => {
      assertRefusal(
        () => validateUpgradeRequest({ method, headers: requestHeaders(overrides) }),
        code,
        status,
      );
    });
  }

  for (const method of ["POST", "HEAD", "get", "CONNECT"]) {
    it(`method ${method} with 405 METHOD_NOT_ALLOWED and allow: GET`, () => {
      assertRefusal(
        () => validateUpgradeRequest({ method, headers: requestHeaders() }),
        "METHOD_NOT_ALLOWED",
        405,
        { allow: "GET" },
      );
    });
  }

  for (const version of [null, "8", "12", "14", "13, 13", "13, 8", ""]) {
    it(`Sec-WebSocket-Version ${JSON.stringify(version)} with 426 and the supported version`, () => {
      assertRefusal(
        () =>
          validateUpgradeRequest({
            method: "GET",
            headers: requestHeaders({ "sec-websocket-version": version }),
          }),
        "UNSUPPORTED_VERSION",
        426,
        { "sec-websocket-version": "13", upgrade: "websocket" },
      );
    });
  }

  it("two Sec-WebSocket-Key headers (even equal ones) with BAD_KEY", () => {
    const headers = requestHeaders();
    headers.append("sec-websocket-key", SAMPLE_KEY);
    assertRefusal(() => validateUpgradeRequest({ method: "GET", headers }), "BAD_KEY", 400);
  });

  it("in the documented order: method, Host, Upgrade, Connection, version, key", () => {
    const empty = new Headers();
    assertRefusal(
      () => validateUpgradeRequest({ method: "POST", headers: empty }),
      "METHOD_NOT_ALLOWED",
      405,
      {
        allow: "GET",
      },
    );
    const steps: Array<[Record<string, string | null>, string]> = [
      [{ host: null, upgrade: null }, "MISSING_HOST"],
      [{ upgrade: null, connection: null }, "BAD_UPGRADE"],
      [{ connection: null, "sec-websocket-version": "8" }, "BAD_CONNECTION"],
      [{ "sec-websocket-version": "8", "sec-websocket-key": "bad" }, "UNSUPPORTED_VERSION"],
      [{ "sec-websocket-key": "bad", "sec-websocket-protocol": "a b" }, "BAD_KEY"],
      [{ "sec-websocket-protocol": "a b", "sec-websocket-extensions": ";" }, "BAD_PROTOCOL_HEADER"],
    ];
    for (const [overrides, code] of steps) {
      assert.throws(
        () => validateUpgradeRequest({ method: "GET", headers: requestHeaders(overrides) }),
        (error: unknown) => error instanceof HandshakeError && error.code === code,
        code,
      );
    }
  });

  it("only with HandshakeError for arbitrary header values", () => {
    const names = ["host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"];
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
    fc.assert(
      fc.property(fc.constantFrom(...names), value, (name, raw) => {
        try {
          validateUpgradeRequest({ method: "GET", headers: requestHeaders({ [name]: raw }) });
        } catch (error) {
          assert.ok(error instanceof HandshakeError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("selectSubprotocol", () => {
  it("follows the server's order of preference, case-sensitively", () => {
    assert.equal(selectSubprotocol(["a", "b", "c"], ["c", "b"]), "c");
    assert.equal(selectSubprotocol(["Chat"], ["chat"]), undefined);
    assert.equal(selectSubprotocol([], ["chat"]), undefined);
  });

  it("calls the function only when something was offered", () => {
    let calls = 0;
    const choose = (offered: string[]): string | undefined => {
      calls++;
      return offered[0];
    };
    assert.equal(selectSubprotocol([], choose), undefined);
    assert.equal(calls, 0);
    assert.equal(selectSubprotocol(["x"], choose), "x");
  });

  it("refuses a function's choice that was not offered with RangeError", () => {
    assert.throws(() => selectSubprotocol(["a"], () => "b"), RangeError);
  });

  it("refuses supported names that are not tokens with TypeError", () => {
    assert.throws(() => selectSubprotocol(["a"], ["a b"]), TypeError);
  });
});

describe("handshakeErrorResponse", () => {
  it("builds the 405 refusal with allow, content type and length", () => {
    const refusal = handshakeErrorResponse(
      new HandshakeError("METHOD_NOT_ALLOWED", 405, "use GET", { allow: "GET" }),
    );
    assert.equal(refusal.status, 405);
    assert.equal(refusal.reason, "Method Not Allowed");
    assert.equal(refusal.body, "use GET\n");
    assert.deepEqual(Object.fromEntries(refusal.headers), {
      allow: "GET",
      connection: "close",
      "content-length": "8",
      "content-type": "text/plain; charset=utf-8",
    });
  });

  it("builds the 426 refusal with the version and the Upgrade it requires", () => {
    try {
      validateUpgradeRequest({
        method: "GET",
        headers: requestHeaders({ "sec-websocket-version": "8" }),
      });
      assert.fail("expected a refusal");
    } catch (error) {
      assert.ok(error instanceof HandshakeError);
      const refusal = handshakeErrorResponse(error);
      assert.equal(refusal.status, 426);
      assert.equal(refusal.reason, "Upgrade Required");
      assert.equal(refusal.headers.get("sec-websocket-version"), "13");
      assert.equal(refusal.headers.get("upgrade"), "websocket");
      assert.equal(refusal.headers.get("connection"), "upgrade, close");
    }
  });

  it("refuses a client-side error (status not 4xx/5xx) with RangeError", () => {
    assert.throws(
      () => handshakeErrorResponse(new HandshakeError("BAD_STATUS", 200, "x")),
      RangeError,
    );
    assert.throws(() => handshakeErrorResponse(new HandshakeError("BAD_HTTP", 0, "x")), RangeError);
  });
});

describe("acceptResponseHeaders", () => {
  it("gives the 101 headers with the sample accept value", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY);
    assert.deepEqual(Object.fromEntries(headers), {
      connection: "Upgrade",
      "sec-websocket-accept": SAMPLE_ACCEPT,
      upgrade: "websocket",
    });
  });

  it("adds the chosen subprotocol and the accepted extensions", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY, {
      protocol: "chat.v2",
      extensions: [{ name: "permessage-deflate", params: [["server_no_context_takeover", true]] }],
    });
    assert.equal(headers.get("sec-websocket-protocol"), "chat.v2");
    assert.equal(
      headers.get("sec-websocket-extensions"),
      "permessage-deflate; server_no_context_takeover",
    );
  });

  it("refuses a subprotocol that is not a token with TypeError", async () => {
    await assert.rejects(
      acceptResponseHeaders(SAMPLE_KEY, { protocol: "a\r\nx-evil: 1" }),
      TypeError,
    );
  });
});

describe("buildUpgradeRequestHeaders", () => {
  it("builds the request headers with offers and extra headers", () => {
    const headers = buildUpgradeRequestHeaders({
      host: "127.0.0.1:8080",
      key: SAMPLE_KEY,
      protocols: ["chat.v2", "chat.v1"],
      extensions: [{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }],
      headers: [["Origin", "https://example.com"]],
    });
    assert.deepEqual(Object.fromEntries(headers), {
      connection: "Upgrade",
      host: "127.0.0.1:8080",
      origin: "https://example.com",
      "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
      "sec-websocket-key": SAMPLE_KEY,
      "sec-websocket-protocol": "chat.v2, chat.v1",
      "sec-websocket-version": "13",
      upgrade: "websocket",
    });
    // What it builds passes the server-side checks.
    const info = validateUpgradeRequest({ method: "GET", headers }, { protocols: ["chat.v1"] });
    assert.equal(info.selectedProtocol, "chat.v1");
  });

  it("refuses bad input with TypeError", () => {
    const base = { host: "example.com", key: SAMPLE_KEY };
    assert.throws(() => buildUpgradeRequestHeaders({ ...base, key: "short" }), TypeError);
    assert.throws(() => buildUpgradeRequestHeaders({ ...base, protocols: ["a b"] }), TypeError);
    assert.throws(() => buildUpgradeRequestHeaders({ ...base, protocols: ["a", "a"] }), TypeError);
    assert.throws(
      () => buildUpgradeRequestHeaders({ ...base, headers: { Upgrade: "h2c" } }),
      TypeError,
    );
    assert.throws(
      () => buildUpgradeRequestHeaders({ ...base, headers: { "Sec-WebSocket-Key": SAMPLE_KEY } }),
      TypeError,
    );
    assert.throws(() => buildUpgradeRequestHeaders({ ...base, host: "a\r\nb" }), TypeError);
  });
});

describe("validateUpgradeResponse", () => {
  const offer = {
    key: SAMPLE_KEY,
    protocols: ["chat.v1", "chat.v2"],
    extensions: [{ name: "permessage-deflate", params: [] }],
  };

  it("accepts what acceptResponseHeaders builds", async () => {
    const extensions: ExtensionOffer[] = [
      { name: "permessage-deflate", params: [["server_max_window_bits", "10"]] },
    ];
    const headers = await acceptResponseHeaders(SAMPLE_KEY, { protocol: "chat.v2", extensions });
    assert.deepEqual(await validateUpgradeResponse({ status: 101, headers }, offer), {
      protocol: "chat.v2",
      extensions: [{ name: "permessage-deflate", params: [["server_max_window_bits", "10"]] }],
    });
  });

  it("accepts no subprotocol and no extension even when some were offered", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY);
    assert.deepEqual(await validateUpgradeResponse({ status: 101, headers }, offer), {
      protocol: undefined,
      extensions: [],
    });
  });

  it("accepts mixed-case Upgrade and Connection values", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY);
    headers.set("upgrade", "WebSocket");
    headers.set("connection", "keep-alive, UPGRADE");
    await validateUpgradeResponse({ status: 101, headers }, offer);
  });

  it("refuses a status other than 101 with BAD_STATUS and that status", async () => {
    for (const status of [200, 400, 403, 426, 500]) {
      await assertRejects(
        validateUpgradeResponse(
          { status, headers: await acceptResponseHeaders(SAMPLE_KEY) },
          offer,
        ),
        "BAD_STATUS",
        status,
      );
    }
  });

  const cases: Array<[string, Record<string, string | null>, string]> = [
    ["a missing Upgrade", { upgrade: null }, "BAD_UPGRADE"],
    ["Upgrade: h2c", { upgrade: "h2c" }, "BAD_UPGRADE"],
    ["a missing Connection", { connection: null }, "BAD_CONNECTION"],
    ["a missing accept", { "sec-websocket-accept": null }, "BAD_ACCEPT"],
    [
      "the accept of another key",
      { "sec-websocket-accept": "x3JJHMbDL1EzLkh9GBhXDw==" },
      "BAD_ACCEPT",
    ],
    ["a subprotocol not offered", { "sec-websocket-protocol": "mqtt" }, "UNEXPECTED_PROTOCOL"],
    ["two subprotocols", { "sec-websocket-protocol": "chat.v1, chat.v2" }, "BAD_PROTOCOL_HEADER"],
    ["an extension not offered", { "sec-websocket-extensions": "x-foo" }, "UNEXPECTED_EXTENSION"],
    [
      "an extension accepted twice",
      { "sec-websocket-extensions": "permessage-deflate, permessage-deflate" },
      "UNEXPECTED_EXTENSION",
    ],
    [
      "a malformed extension header",
      { "sec-websocket-extensions": "permessage-deflate;" },
      "BAD_EXTENSION_HEADER",
    ],
  ];
  for (const [what, overrides, code] of cases) {
    it(`refuses ${what} with ${code} and status 101`, async () => {
      const headers = await acceptResponseHeaders(SAMPLE_KEY);
      for (const [name, value] of Object.entries(overrides)) {
        if (value === null) headers.delete(name);
        else headers.set(name, value);
      }
      await assertRejects(validateUpgradeResponse({ status: 101, headers }, offer), code, 101);
    });
  }

  it("refuses any subprotocol when none was offered", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY, { protocol: "chat.v1" });
    await assertRejects(
      validateUpgradeResponse({ status: 101, headers }, { key: SAMPLE_KEY }),
      "UNEXPECTED_PROTOCOL",
      101,
    );
  });

  it("refuses two Sec-WebSocket-Accept headers, even equal ones", async () => {
    const headers = await acceptResponseHeaders(SAMPLE_KEY);
    headers.append("sec-websocket-accept", SAMPLE_ACCEPT);
    await assertRejects(
      validateUpgradeResponse({ status: 101, headers }, offer),
      "BAD_ACCEPT",
      101,
    );
  });
});
