import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  acceptDeflateOffers,
  acceptDeflateResponse,
  type DeflateParameters,
  type DeflateServerOptions,
  parseDeflateParameters,
} from "./deflate_negotiation.ts";
import { HandshakeError } from "./errors.ts";
import { formatExtensions, parseExtensions } from "./extensions.ts";

function serverAnswer(header: string, options: DeflateServerOptions = {}): string | undefined {
  const accepted = acceptDeflateOffers(parseExtensions(header), options);
  return accepted === undefined ? undefined : formatExtensions([accepted.response]);
}

describe("permessage-deflate: server choice among offers", () => {
  const table: [string, DeflateServerOptions, string | undefined][] = [
    ["permessage-deflate", {}, "permessage-deflate"],
    ["x-foo, permessage-deflate", {}, "permessage-deflate"],
    [
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      {},
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    ],
    [
      "permessage-deflate",
      { serverNoContextTakeover: true, clientNoContextTakeover: true },
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    ],
    // A bare client_max_window_bits is only answered when the server limits the client.
    ["permessage-deflate; client_max_window_bits", {}, "permessage-deflate"],
    [
      "permessage-deflate; client_max_window_bits",
      { clientMaxWindowBits: 10 },
      "permessage-deflate; client_max_window_bits=10",
    ],
    [
      "permessage-deflate; client_max_window_bits=9",
      { clientMaxWindowBits: 12 },
      "permessage-deflate; client_max_window_bits=9",
    ],
    // The server cannot limit a client that did not offer client_max_window_bits: declined.
    ["permessage-deflate", { clientMaxWindowBits: 12 }, undefined],
    [
      "permessage-deflate; server_max_window_bits=10",
      {},
      "permessage-deflate; server_max_window_bits=10",
    ],
    [
      "permessage-deflate; server_max_window_bits=14",
      { serverMaxWindowBits: 11 },
      "permessage-deflate; server_max_window_bits=11",
    ],
    [
      "permessage-deflate",
      { serverMaxWindowBits: 12 },
      "permessage-deflate; server_max_window_bits=12",
    ],
    [
      "permessage-deflate; server_max_window_bits=8",
      {},
      "permessage-deflate; server_max_window_bits=8",
    ],
    // Invalid offers are declined and the next one wins.
    ["permessage-deflate; server_max_window_bits=7, permessage-deflate", {}, "permessage-deflate"],
    ["permessage-deflate; server_max_window_bits=16", {}, undefined],
    ["permessage-deflate; server_max_window_bits", {}, undefined],
    [
      'permessage-deflate; server_max_window_bits="10"',
      {},
      "permessage-deflate; server_max_window_bits=10",
    ],
    ["permessage-deflate; server_max_window_bits=010", {}, undefined],
    ["permessage-deflate; server_no_context_takeover=1", {}, undefined],
    ["permessage-deflate; client_no_context_takeover; client_no_context_takeover", {}, undefined],
    ["permessage-deflate; foo", {}, undefined],
    [
      "permessage-deflate; foo, permessage-deflate; client_max_window_bits",
      { clientMaxWindowBits: 15 },
      "permessage-deflate; client_max_window_bits=15",
    ],
    ["x-foo", {}, undefined],
    ["", {}, undefined],
  ];
  for (const [offer, options, answer] of table) {
    it(`${JSON.stringify(offer)} with ${JSON.stringify(options)} -> ${answer ?? "declined"}`, () => {
      assert.equal(serverAnswer(offer, options), answer);
    });
  }

  it("reports the agreement with every default filled in", () => {
    const accepted = acceptDeflateOffers(
      parseExtensions("permessage-deflate; client_max_window_bits=11; server_no_context_takeover"),
    );
    assert.deepEqual(accepted?.agreement, {
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 11,
    });
  });

  it("refuses server options with window bits outside 8-15", () => {
    assert.throws(() => acceptDeflateOffers([], { serverMaxWindowBits: 16 }), RangeError);
    assert.throws(() => acceptDeflateOffers([], { clientMaxWindowBits: 7 }), RangeError);
  });
});

describe("permessage-deflate: client check of the response", () => {
  const offer: DeflateParameters = {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    clientMaxWindowBits: true,
  };
  const accept = (response: string, offered: DeflateParameters = offer) =>
    acceptDeflateResponse(offered, parseExtensions(response)[0]!);

  it("accepts the answers a server may give", () => {
    assert.deepEqual(accept("permessage-deflate; server_no_context_takeover"), {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
    assert.deepEqual(
      accept(
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=9; server_max_window_bits=12",
      ),
      {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 12,
        clientMaxWindowBits: 9,
      },
    );
    assert.equal(accept("permessage-deflate", {}).serverNoContextTakeover, false);
    assert.equal(
      accept("permessage-deflate; server_max_window_bits=10", { serverMaxWindowBits: 12 })
        .serverMaxWindowBits,
      10,
    );
  });

  const refused: [string, DeflateParameters][] = [
    ["permessage-deflate", offer], // server_no_context_takeover asked for
    ["permessage-deflate; client_max_window_bits=10", {}], // not offered
    ["permessage-deflate; client_max_window_bits=12", { clientMaxWindowBits: 10 }],
    ["permessage-deflate; client_max_window_bits", { clientMaxWindowBits: true }], // bare
    ["permessage-deflate", { serverMaxWindowBits: 10 }], // asked for, missing
    ["permessage-deflate; server_max_window_bits=11", { serverMaxWindowBits: 10 }],
    ["permessage-deflate; server_max_window_bits=16", {}],
    ["permessage-deflate; foo=bar", {}],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", offer],
  ];
  for (const [response, offered] of refused) {
    it(`refuses ${JSON.stringify(response)} to ${JSON.stringify(offered)}`, () => {
      assert.throws(
        () => accept(response, offered),
        (error) =>
          error instanceof HandshakeError && error.code === "BAD_EXTENSION_PARAMS" &&
          error.status === 101,
      );
    });
  }

  it("parses quoted window bits and keeps a bare client_max_window_bits of an offer", () => {
    const [element] = parseExtensions(
      'permessage-deflate; client_max_window_bits; server_max_window_bits="9"',
    );
    assert.deepEqual(parseDeflateParameters(element!, "offer"), {
      clientMaxWindowBits: true,
      serverMaxWindowBits: 9,
    });
  });
});
