// This module is browser compatible.
/**
 * The server side of permessage-deflate (RFC 7692): {@linkcode perMessageDeflateServer} turns a
 * request's offers into the answer header and one {@linkcode PerMessageDeflate} per connection,
 * made once per distinct offer list.
 *
 * @module
 */

import {
  acceptDeflateOffers,
  type DeflateAgreement,
  type DeflateServerOptions,
} from "./deflate_negotiation.ts";
import type { ExtensionNegotiator } from "./extension.ts";
import type { ExtensionOffer } from "./extensions.ts";
import {
  type DeflateBinding,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
} from "./permessage_deflate.ts";

/**
 * The server side of permessage-deflate as an {@linkcode ExtensionNegotiator}: the first offer it
 * can honour wins ({@linkcode acceptDeflateOffers}). It answers `server_no_context_takeover`
 * (the server compresses each message on its own) and, unless `clientNoContextTakeover: false`,
 * `client_no_context_takeover` (RFC 7692 lets a server ask it), so a connection holds no compression
 * state between messages; with `false` it keeps each client's window (up to 32 KiB).
 *
 * @param binding The compressor (see {@linkcode DeflateBinding}).
 * @param options Window limits (`serverMaxWindowBits`, `clientMaxWindowBits`),
 * `clientNoContextTakeover` (default `true` here), the threshold and zlib tuning; see
 * {@linkcode DeflateServerOptions} and {@linkcode PerMessageDeflateOptions}.
 * @returns The negotiator; call it once per upgrade request.
 * @throws {RangeError} If an option is out of range.
 * @throws {TypeError} If `clientNoContextTakeover` is not a boolean.
 *
 * @example
 * ```ts
 * import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
 * import { formatExtensions, parseExtensions, perMessageDeflateServer } from "@wirely/wirely/codec";
 * const negotiate = perMessageDeflateServer({
 *   deflate: (data, options) => deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }),
 *   inflate: (data, { maxOutputLength }) => inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }),
 * }, { serverMaxWindowBits: 12, threshold: 512 });
 * const { response } = negotiate(parseExtensions("permessage-deflate; client_max_window_bits"));
 * console.log(formatExtensions(response)); // permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12
 * ```
 */
export function perMessageDeflateServer(
  binding: DeflateBinding,
  options:
    & Omit<DeflateServerOptions, "serverNoContextTakeover">
    & PerMessageDeflateOptions = {},
): ExtensionNegotiator {
  const { threshold, level, memLevel, serverMaxWindowBits, clientMaxWindowBits } = options;
  const clientNoContextTakeover = options.clientNoContextTakeover ?? true;
  if (typeof clientNoContextTakeover !== "boolean") {
    throw new TypeError(
      `Cannot use permessage-deflate as 'clientNoContextTakeover' must be a boolean: current value is ${
        String(clientNoContextTakeover)
      }`,
    );
  }
  const tuning = { threshold, level, memLevel };
  const limits: DeflateServerOptions = {
    serverNoContextTakeover: true,
    clientNoContextTakeover,
    serverMaxWindowBits,
    clientMaxWindowBits,
  };
  acceptDeflateOffers([], limits); // checks the window bits
  new PerMessageDeflate("server", CHECK_AGREEMENT, binding, tuning); // checks the tuning
  // The same offers (a frozen list, shared by requests with the same header) get the same
  // answer: the response and the agreement are made once, only the extension per connection.
  const answers = new WeakMap<readonly ExtensionOffer[], Answer | null>();
  return (offers) => {
    let answer = Object.isFrozen(offers) ? answers.get(offers) : undefined;
    if (answer === undefined) {
      const accepted = acceptDeflateOffers(offers, limits);
      answer = accepted === undefined
        ? null
        : { response: [accepted.response], agreement: accepted.agreement };
      if (Object.isFrozen(offers)) {
        if (answer !== null) {
          for (const param of accepted!.response.params) Object.freeze(param);
          Object.freeze(accepted!.response.params);
          Object.freeze(accepted!.response);
          Object.freeze(answer.response);
          Object.freeze(answer.agreement);
        }
        answers.set(offers, answer);
      }
    }
    if (answer === null) return { response: [], extensions: [] };
    return {
      response: answer.response,
      extensions: [new PerMessageDeflate("server", answer.agreement, binding, tuning)],
    };
  };
}

/** The answer to one list of offers, shared by every request that sent it. */
interface Answer {
  response: ExtensionOffer[];
  agreement: DeflateAgreement;
}

const CHECK_AGREEMENT: DeflateAgreement = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
