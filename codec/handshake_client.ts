// This module is browser compatible.
/**
 * The client side of the opening handshake (RFC 6455 sections 4.1 and 4.2.2): the headers of
 * the upgrade request, and the checks of the server's `101 Switching Protocols` answer.
 *
 * @module
 */

import { HandshakeError, type HandshakeErrorCode } from "./errors.ts";
import { type ExtensionOffer, formatExtensions, parseExtensions } from "./extensions.ts";
import { computeAccept } from "./accept_key.ts";
import { isToken, splitHeaderList } from "./header_tokens.ts";

/** Headers the handshake sets itself; extra headers may not replace them. */
const HANDSHAKE_HEADERS: readonly string[] = [
  "host",
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
];
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Options of {@linkcode buildUpgradeRequestHeaders}.
 *
 * @example
 * ```ts
 * import { buildUpgradeRequestHeaders, generateKey, type UpgradeRequestHeadersOptions } from "@wirely/wirely/codec";
 * const options: UpgradeRequestHeadersOptions = {
 *   host: "127.0.0.1:8080",
 *   key: generateKey(),
 *   extensions: [{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }],
 * };
 * console.log(buildUpgradeRequestHeaders(options).get("sec-websocket-extensions"));
 * // permessage-deflate; client_max_window_bits
 * ```
 */
export interface UpgradeRequestHeadersOptions {
  /** The `Host` header: the authority of the URL (`example.com`, `127.0.0.1:8080`). */
  host: string;
  /** The `Sec-WebSocket-Key`, from {@linkcode generateKey}. */
  key: string;
  /**
   * Subprotocols to offer in order of preference: distinct RFC 7230 tokens.
   * @default [] (no `Sec-WebSocket-Protocol` header)
   */
  protocols?: readonly string[];
  /**
   * Extensions to offer, in order of preference.
   * @default [] (no `Sec-WebSocket-Extensions` header)
   */
  extensions?: readonly ExtensionOffer[];
  /**
   * Other headers to send (`origin`, `authorization`, ...); they may not set the handshake's own.
   * @default {}
   */
  headers?: Headers | Array<[string, string]> | Record<string, string>;
}

/**
 * Builds the headers of a client's upgrade request (RFC 6455 section 4.1). The request line is
 * `GET <path> HTTP/1.1` (see {@linkcode writeRequestHead}).
 *
 * @param options Host, key, offers and extra headers.
 * @returns `host`, `upgrade`, `connection`, `sec-websocket-key`, `sec-websocket-version`, the
 * optional offers and the extra headers.
 * @throws {TypeError} If the key is not base64 of 16 bytes, a subprotocol is not a token or is
 * repeated, an extension cannot be formatted, or an extra header names a handshake header.
 *
 * @example
 * ```ts
 * import { buildUpgradeRequestHeaders, generateKey } from "@wirely/wirely/codec";
 * const headers = buildUpgradeRequestHeaders({
 *   host: "example.com",
 *   key: generateKey(),
 *   protocols: ["chat.v2", "chat.v1"],
 *   headers: { origin: "https://example.com" },
 * });
 * console.log(headers.get("sec-websocket-protocol")); // chat.v2, chat.v1
 * ```
 */
export function buildUpgradeRequestHeaders(options: UpgradeRequestHeadersOptions): Headers {
  const { host, key, protocols = [], extensions = [] } = options;
  if (!KEY_PATTERN.test(key)) {
    throw new TypeError(
      `Cannot build the upgrade request as 'key' must be base64 of 16 bytes: current value is ${
        JSON.stringify(key)
      }`,
    );
  }
  for (const [index, protocol] of protocols.entries()) {
    if (!isToken(protocol) || protocols.indexOf(protocol) !== index) {
      throw new TypeError(
        `Cannot build the upgrade request as 'protocols' must hold distinct RFC 7230 tokens: current value is ${
          JSON.stringify(protocol)
        }`,
      );
    }
  }
  const headers = new Headers(options.headers);
  for (const name of HANDSHAKE_HEADERS) {
    if (headers.has(name)) {
      throw new TypeError(
        `Cannot build the upgrade request as 'headers' may not set '${name}': the handshake sets it`,
      );
    }
  }
  headers.set("host", host);
  headers.set("upgrade", "websocket");
  headers.set("connection", "Upgrade");
  headers.set("sec-websocket-key", key);
  headers.set("sec-websocket-version", "13");
  if (protocols.length > 0) headers.set("sec-websocket-protocol", protocols.join(", "));
  if (extensions.length > 0) headers.set("sec-websocket-extensions", formatExtensions(extensions));
  return headers;
}

/**
 * What the client sent; the second argument of {@linkcode validateUpgradeResponse}.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders, type UpgradeResponseExpectation, validateUpgradeResponse } from "@wirely/wirely/codec";
 * const expected: UpgradeResponseExpectation = { key: "dGhlIHNhbXBsZSBub25jZQ==", protocols: [] };
 * const headers = await acceptResponseHeaders(expected.key);
 * const info = await validateUpgradeResponse({ status: 101, headers }, expected);
 * console.log(info.protocol); // undefined
 * ```
 */
export interface UpgradeResponseExpectation {
  /** The `Sec-WebSocket-Key` the request carried. */
  key: string;
  /**
   * The subprotocols the request offered.
   * @default []
   */
  protocols?: readonly string[];
  /**
   * The extensions the request offered.
   * @default []
   */
  extensions?: readonly ExtensionOffer[];
}

/**
 * What the server agreed to; returned by {@linkcode validateUpgradeResponse}.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders, type UpgradeResponseInfo, validateUpgradeResponse } from "@wirely/wirely/codec";
 * const key = "dGhlIHNhbXBsZSBub25jZQ==";
 * const headers = await acceptResponseHeaders(key, { protocol: "chat.v1" });
 * const info: UpgradeResponseInfo = await validateUpgradeResponse({ status: 101, headers }, {
 *   key,
 *   protocols: ["chat.v1"],
 * });
 * console.log(info.protocol, info.extensions); // chat.v1 []
 * ```
 */
export interface UpgradeResponseInfo {
  /** The subprotocol the server chose, or `undefined` when it chose none. */
  protocol?: string;
  /** The extensions the server accepted, with the parameters it answered (empty when none). */
  extensions: ExtensionOffer[];
}

/**
 * Checks the server's answer to an upgrade request (RFC 6455 section 4.2.2, client side).
 *
 * In order: status 101 (else `BAD_STATUS`), `Upgrade` holds `websocket` (`BAD_UPGRADE`),
 * `Connection` holds `upgrade` (`BAD_CONNECTION`), `Sec-WebSocket-Accept` matches the key
 * (`BAD_ACCEPT`), `Sec-WebSocket-Protocol` is absent or one offered token
 * (`BAD_PROTOCOL_HEADER` / `UNEXPECTED_PROTOCOL`), and `Sec-WebSocket-Extensions` parses and
 * names only offered extensions, each once (`BAD_EXTENSION_HEADER` / `UNEXPECTED_EXTENSION`).
 * The parameters of accepted extensions are for the extension itself to check.
 *
 * @param response The status and headers received (a `Response` fits).
 * @param expected The key and offers of the request.
 * @returns The chosen subprotocol and the accepted extensions.
 * @throws {HandshakeError} Whose `status` is the status received.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders, validateUpgradeResponse } from "@wirely/wirely/codec";
 * const key = "dGhlIHNhbXBsZSBub25jZQ==";
 * const headers = await acceptResponseHeaders(key, { protocol: "chat.v2" });
 * const info = await validateUpgradeResponse({ status: 101, headers }, {
 *   key,
 *   protocols: ["chat.v1", "chat.v2"],
 * });
 * console.log(info.protocol); // chat.v2
 * ```
 */
export async function validateUpgradeResponse(
  response: { status: number; headers: Headers },
  expected: UpgradeResponseExpectation,
): Promise<UpgradeResponseInfo> {
  const { status, headers } = response;
  const fail = (code: HandshakeErrorCode, message: string): HandshakeError =>
    new HandshakeError(code, status, message);
  if (status !== 101) {
    throw fail("BAD_STATUS", `the server answered ${status} instead of 101 Switching Protocols`);
  }
  if (!listHas(headers.get("upgrade"), "websocket")) {
    throw fail("BAD_UPGRADE", "the response's Upgrade header must include 'websocket'");
  }
  if (!listHas(headers.get("connection"), "upgrade")) {
    throw fail("BAD_CONNECTION", "the response's Connection header must include 'upgrade'");
  }
  if (headers.get("sec-websocket-accept") !== await computeAccept(expected.key)) {
    throw fail("BAD_ACCEPT", "the Sec-WebSocket-Accept header does not match the key sent");
  }

  const offeredProtocols = expected.protocols ?? [];
  const protocol = headers.get("sec-websocket-protocol") ?? undefined;
  if (protocol !== undefined) {
    if (!isToken(protocol)) {
      throw fail("BAD_PROTOCOL_HEADER", "the Sec-WebSocket-Protocol header must be one token");
    }
    if (!offeredProtocols.includes(protocol)) {
      throw fail(
        "UNEXPECTED_PROTOCOL",
        `the server chose the subprotocol '${protocol}' not offered`,
      );
    }
  }

  const extensionHeader = headers.get("sec-websocket-extensions");
  let extensions: ExtensionOffer[] = [];
  try {
    if (extensionHeader !== null) extensions = parseExtensions(extensionHeader);
  } catch (error) {
    // Same code and message, but the status received rather than the 400 a server would answer.
    if (error instanceof HandshakeError) {
      throw fail(error.code as HandshakeErrorCode, error.message);
    }
    throw error;
  }
  const offeredExtensions = new Set((expected.extensions ?? []).map((offer) => offer.name));
  const seen = new Set<string>();
  for (const { name } of extensions) {
    if (!offeredExtensions.has(name) || seen.has(name)) {
      throw fail(
        "UNEXPECTED_EXTENSION",
        seen.has(name)
          ? `the server accepted the extension '${name}' twice`
          : `the server accepted the extension '${name}' not offered`,
      );
    }
    seen.add(name);
  }
  return { protocol, extensions };
}

function listHas(value: string | null, wanted: string): boolean {
  if (value === null) return false;
  const elements = splitHeaderList(value, /^[^\s,]+$/);
  return elements !== undefined && elements.some((item) => item.toLowerCase() === wanted);
}
