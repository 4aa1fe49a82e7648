// Deno's native engine asks Deno's Headers only for HANDSHAKE_FIELDS (enumerating them would make
// Deno keep a list per connection): every field the handshake's checks read must be among them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HANDSHAKE_FIELDS } from "./_native_upgrade.ts";
import { type HeaderLookup, negotiate } from "./upgrade.ts";
import type { UpgradeRequest } from "./types.ts";

describe("native upgrade: the fields the handshake reads", () => {
  it("are all in HANDSHAKE_FIELDS, with every policy set", () => {
    const headers = new Headers({
      host: "example.com",
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      "sec-websocket-protocol": "chat.v1, chat.v2",
      "sec-websocket-extensions": "permessage-deflate",
      origin: "https://example.com",
      "x-other": "not read",
    });
    const read = new Set<string>();
    const spy: HeaderLookup = {
      get: (name) => {
        read.add(name.toLowerCase());
        return headers.get(name);
      },
    };
    const request: UpgradeRequest = {
      method: "GET",
      url: new URL("http://example.com/"),
      headers,
      remoteAddress: undefined,
    };
    const decision = negotiate(
      request,
      {
        handshake: {
          origins: ["https://example.com"],
          protocols: ["chat.v2"],
          refuseUnknownProtocols: true,
        },
      },
      spy,
    );
    assert.ok(!(decision instanceof Promise) && decision.accept);
    assert.ok(read.size >= 7, [...read].join());
    for (const name of read) assert.ok(HANDSHAKE_FIELDS.includes(name), `${name} is read`);
  });
});
