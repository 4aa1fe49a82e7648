// This module is browser compatible.
/**
 * Negotiation of permessage-deflate (RFC 7692 section 7.1): the client's offer, the server's
 * choice among offers, and the client's check of the answer. Pure functions over the parsed
 * `Sec-WebSocket-Extensions` elements of {@linkcode parseExtensions}.
 *
 * @module
 */

import { HandshakeError } from "./errors.ts";
import type { ExtensionOffer, ExtensionParam } from "./extensions.ts";

/** The extension token of RFC 7692. */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/**
 * The parameters of one permessage-deflate offer or response, as written on the wire.
 * Window bits are 8-15; `clientMaxWindowBits: true` is the bare parameter of an offer ("the
 * server may limit my window").
 *
 * @example
 * ```ts
 * import { type DeflateParameters, deflateOffer } from "@wirely/wirely/codec";
 * const wanted: DeflateParameters = { serverNoContextTakeover: true, clientMaxWindowBits: true };
 * console.log(deflateOffer(wanted).params); // [ [ "server_no_context_takeover", true ], [ "client_max_window_bits", true ] ]
 * ```
 */
export interface DeflateParameters {
  /** `server_no_context_takeover`: the server compresses each message on its own. @default false */
  serverNoContextTakeover?: boolean;
  /** `client_no_context_takeover`: the client compresses each message on its own. @default false */
  clientNoContextTakeover?: boolean;
  /** `server_max_window_bits`: the largest LZ77 window the server compresses with, 8-15. @default undefined (15) */
  serverMaxWindowBits?: number;
  /** `client_max_window_bits`: the client's window, 8-15, or `true` (bare, offers only). @default undefined (15) */
  clientMaxWindowBits?: number | true;
}

/**
 * What both ends agreed on: every field filled in (window bits 8-15, 15 when not limited).
 *
 * @example
 * ```ts
 * import { acceptDeflateOffers, type DeflateAgreement, parseExtensions } from "@wirely/wirely/codec";
 * const accepted = acceptDeflateOffers(parseExtensions("permessage-deflate; client_max_window_bits"));
 * const agreement: DeflateAgreement | undefined = accepted?.agreement;
 * console.log(agreement?.clientMaxWindowBits); // 15
 * ```
 */
export interface DeflateAgreement {
  /** The server compresses each message on its own. */
  serverNoContextTakeover: boolean;
  /** The client compresses each message on its own. */
  clientNoContextTakeover: boolean;
  /** The server's LZ77 window, in bits (8-15). */
  serverMaxWindowBits: number;
  /** The client's LZ77 window, in bits (8-15). */
  clientMaxWindowBits: number;
}

/**
 * What a server asks of permessage-deflate, on top of what a client offers.
 *
 * @example
 * ```ts
 * import type { DeflateServerOptions } from "@wirely/wirely/codec";
 * const options: DeflateServerOptions = { clientNoContextTakeover: true, serverMaxWindowBits: 12 };
 * console.log(options.serverMaxWindowBits); // 12
 * ```
 */
export interface DeflateServerOptions {
  /** Compress each message on its own, whatever the client offered. @default false */
  serverNoContextTakeover?: boolean;
  /** Ask the client to compress each message on its own (always allowed in a response). @default false */
  clientNoContextTakeover?: boolean;
  /** Largest window the server compresses with, 8-15. @default undefined (the offer's, else 15) */
  serverMaxWindowBits?: number;
  /** Largest window the client may compress with, 8-15: offers without `client_max_window_bits` are declined. @default undefined (no limit) */
  clientMaxWindowBits?: number;
}

/**
 * Parses the parameters of one permessage-deflate element. Refused: an unknown or repeated
 * parameter, a value on a `*_no_context_takeover`, window bits other than `8`-`15`, and a bare
 * `client_max_window_bits` or a bare `server_max_window_bits` in a response.
 *
 * @param element A `permessage-deflate` element of the header.
 * @param kind `"offer"` (a request) or `"response"`.
 * @param status The HTTP status of the error: 400 for a server, the received status for a client.
 * @returns The parameters.
 * @throws {HandshakeError} `BAD_EXTENSION_PARAMS` when the element is invalid.
 *
 * @example
 * ```ts
 * import { parseDeflateParameters, parseExtensions } from "@wirely/wirely/codec";
 * const [element] = parseExtensions("permessage-deflate; server_max_window_bits=10");
 * console.log(parseDeflateParameters(element!, "response")); // { serverMaxWindowBits: 10 }
 * ```
 */
export function parseDeflateParameters(
  element: ExtensionOffer,
  kind: "offer" | "response",
  status: number = 400,
): DeflateParameters {
  const result: DeflateParameters = {};
  const seen = new Set<string>();
  const fail = (problem: string): never => {
    throw new HandshakeError(
      "BAD_EXTENSION_PARAMS",
      status,
      `permessage-deflate ${kind} is invalid: ${problem}`,
    );
  };
  for (const [name, value] of element.params) {
    if (seen.has(name)) fail(`'${name}' is repeated`);
    seen.add(name);
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        if (value !== true) fail(`'${name}' takes no value`);
        if (name === "server_no_context_takeover") result.serverNoContextTakeover = true;
        else result.clientNoContextTakeover = true;
        break;
      case "server_max_window_bits":
        result.serverMaxWindowBits = windowBits(name, value, fail);
        break;
      case "client_max_window_bits":
        result.clientMaxWindowBits = value === true && kind === "offer"
          ? true
          : windowBits(name, value, fail);
        break;
      default:
        fail(`unknown parameter '${name}'`);
    }
  }
  return result;
}

function windowBits(name: string, value: ExtensionParam[1], fail: (p: string) => never): number {
  if (value === true || !/^(?:[89]|1[0-5])$/.test(value)) {
    return fail(`'${name}' must be 8-15: current value is ${value === true ? "none" : value}`);
  }
  return Number(value);
}

/**
 * Writes parameters as a `permessage-deflate` element, in the order of RFC 7692.
 *
 * @param params The parameters; window bits are checked.
 * @returns The element, for {@linkcode formatExtensions} or {@linkcode buildUpgradeRequestHeaders}.
 * @throws {RangeError} If window bits are not an integer 8-15.
 *
 * @example
 * ```ts
 * import { deflateOffer, formatExtensions } from "@wirely/wirely/codec";
 * console.log(formatExtensions([deflateOffer({ clientMaxWindowBits: true })])); // permessage-deflate; client_max_window_bits
 * ```
 */
export function deflateOffer(params: DeflateParameters = {}): ExtensionOffer {
  const out: ExtensionParam[] = [];
  if (params.serverNoContextTakeover) out.push(["server_no_context_takeover", true]);
  if (params.clientNoContextTakeover) out.push(["client_no_context_takeover", true]);
  if (params.serverMaxWindowBits !== undefined) {
    out.push(["server_max_window_bits", String(checkBits(params.serverMaxWindowBits))]);
  }
  const client = params.clientMaxWindowBits;
  if (client !== undefined) {
    out.push(["client_max_window_bits", client === true ? true : String(checkBits(client))]);
  }
  return { name: PERMESSAGE_DEFLATE, params: out };
}

function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < 8 || bits > 15) {
    throw new RangeError(
      `Cannot use permessage-deflate as window bits must be an integer 8-15: current value is ${bits}`,
    );
  }
  return bits;
}

/**
 * The server side (RFC 7692 section 7.1): takes the first `permessage-deflate` offer it can
 * honour, in the client's order. An offer with invalid parameters is declined (the next one is
 * tried), as is one without `client_max_window_bits` when `options.clientMaxWindowBits` is set.
 * Window bits of 8 are answered as asked (a zlib that cannot compress with 8 sends such messages
 * uncompressed; see {@linkcode PerMessageDeflate}).
 *
 * @param offers The elements of the request's `Sec-WebSocket-Extensions`, in order.
 * @param options What the server asks on top.
 * @returns The response element and the agreement, or `undefined` to decline.
 * @throws {RangeError} If window bits in `options` are not an integer 8-15.
 *
 * @example
 * ```ts
 * import { acceptDeflateOffers, formatExtensions, parseExtensions } from "@wirely/wirely/codec";
 * const offers = parseExtensions("permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits");
 * const accepted = acceptDeflateOffers(offers, { clientNoContextTakeover: true });
 * console.log(formatExtensions([accepted!.response])); // permessage-deflate; client_no_context_takeover
 * ```
 */
export function acceptDeflateOffers(
  offers: readonly ExtensionOffer[],
  options: DeflateServerOptions = {},
): { response: ExtensionOffer; agreement: DeflateAgreement } | undefined {
  const serverLimit = options.serverMaxWindowBits === undefined
    ? undefined
    : checkBits(options.serverMaxWindowBits);
  const clientLimit = options.clientMaxWindowBits === undefined
    ? undefined
    : checkBits(options.clientMaxWindowBits);
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    let offered: DeflateParameters;
    try {
      offered = parseDeflateParameters(offer, "offer");
    } catch {
      continue;
    }
    const response: DeflateParameters = {
      serverNoContextTakeover: offered.serverNoContextTakeover || options.serverNoContextTakeover,
      clientNoContextTakeover: offered.clientNoContextTakeover || options.clientNoContextTakeover,
    };
    const serverBits = offered.serverMaxWindowBits === undefined
      ? serverLimit
      : Math.min(offered.serverMaxWindowBits, serverLimit ?? 15);
    response.serverMaxWindowBits = serverBits;
    const clientOffered = offered.clientMaxWindowBits;
    let clientBits = typeof clientOffered === "number" ? clientOffered : 15;
    if (clientLimit !== undefined) {
      if (clientOffered === undefined) continue; // the client cannot limit its window
      clientBits = Math.min(clientBits, clientLimit);
      response.clientMaxWindowBits = clientBits;
    }
    return {
      response: deflateOffer(response),
      agreement: {
        serverNoContextTakeover: response.serverNoContextTakeover === true,
        clientNoContextTakeover: response.clientNoContextTakeover === true,
        serverMaxWindowBits: serverBits ?? 15,
        clientMaxWindowBits: clientBits,
      },
    };
  }
  return undefined;
}

/**
 * The client side: checks the server's `permessage-deflate` response against what was offered
 * (RFC 7692 sections 7.1.1-7.1.2). Refused: invalid parameters; no `server_no_context_takeover`
 * or `server_max_window_bits` when the offer asked for them; a `server_max_window_bits` above
 * the offer's; a `client_max_window_bits` not offered, or above the offered value.
 *
 * @param offered The parameters the client offered.
 * @param response The server's `permessage-deflate` element.
 * @param status The HTTP status of the response (for the error).
 * @returns The agreement.
 * @throws {HandshakeError} `BAD_EXTENSION_PARAMS` when the response is invalid or not allowed.
 *
 * @example
 * ```ts
 * import { acceptDeflateResponse, parseExtensions } from "@wirely/wirely/codec";
 * const [element] = parseExtensions("permessage-deflate; server_no_context_takeover; client_max_window_bits=12");
 * const agreement = acceptDeflateResponse({ clientMaxWindowBits: true }, element!);
 * console.log(agreement.serverNoContextTakeover, agreement.clientMaxWindowBits); // true 12
 * ```
 */
export function acceptDeflateResponse(
  offered: DeflateParameters,
  response: ExtensionOffer,
  status: number = 101,
): DeflateAgreement {
  const answer = parseDeflateParameters(response, "response", status);
  const fail = (problem: string): never => {
    throw new HandshakeError(
      "BAD_EXTENSION_PARAMS",
      status,
      `permessage-deflate response is not allowed: ${problem}`,
    );
  };
  if (offered.serverNoContextTakeover && !answer.serverNoContextTakeover) {
    fail("server_no_context_takeover was asked for and is missing");
  }
  const serverBits = answer.serverMaxWindowBits;
  if (offered.serverMaxWindowBits !== undefined) {
    if (serverBits === undefined) fail("server_max_window_bits was asked for and is missing");
    else if (serverBits > offered.serverMaxWindowBits) {
      fail(
        `server_max_window_bits=${serverBits} is above the ${offered.serverMaxWindowBits} asked`,
      );
    }
  }
  const clientBits = answer.clientMaxWindowBits as number | undefined;
  const clientOffered = offered.clientMaxWindowBits;
  if (clientBits !== undefined) {
    if (clientOffered === undefined) fail("client_max_window_bits was not offered");
    else if (clientOffered !== true && clientBits > clientOffered) {
      fail(`client_max_window_bits=${clientBits} is above the ${clientOffered} offered`);
    }
  }
  return {
    serverNoContextTakeover: answer.serverNoContextTakeover === true,
    clientNoContextTakeover: answer.clientNoContextTakeover === true ||
      offered.clientNoContextTakeover === true,
    serverMaxWindowBits: serverBits ?? 15,
    clientMaxWindowBits: clientBits ?? (typeof clientOffered === "number" ? clientOffered : 15),
  };
}
