// This module is browser compatible.
/**
 * The server side of the opening handshake of RFC 6455 section 4 without I/O: checking an
 * upgrade request, building the headers of the answer, and choosing a subprotocol. Refusals are {@linkcode HandshakeError}s that say which HTTP status
 * and headers to answer with.
 *
 * @module
 */

import { HandshakeError } from "./errors.ts";
import { computeAccept } from "./accept_key.ts";
import { type ExtensionOffer, formatExtensions, parseExtensions } from "./extensions.ts";
import {
  isHttp11OrHigher,
  isToken,
  isUpgradeTarget,
  isValidHost,
  splitHeaderList,
} from "./header_tokens.ts";

/** Base64 of exactly 16 bytes: 22 characters then "==" (non-canonical last bits are accepted). */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;
/** An element of the Upgrade header: protocol-name ["/" protocol-version] (RFC 7230 6.7). */
const UPGRADE_ELEMENT = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+)?$/;

/**
 * Chooses the subprotocol to answer with.
 *
 * With a list, the first entry of `supported` (the server's order of preference) that the client
 * offered wins; names compare exactly (case-sensitive). With a function, it is called with the
 * offered names (only when at least one was offered) and must return one of them or `undefined`.
 *
 * @param offered The subprotocols the client offered, in its order.
 * @param supported The server's subprotocols in order of preference, or a function choosing one.
 * @returns The chosen subprotocol, or `undefined` to answer without one.
 * @throws {TypeError} If a supported name is not an RFC 7230 token.
 * @throws {RangeError} If the function returns a name the client did not offer.
 *
 * @example
 * ```ts
 * import { selectSubprotocol } from "@wirely/wirely/codec";
 * console.log(selectSubprotocol(["chat.v1", "chat.v2"], ["chat.v2", "chat.v1"])); // chat.v2
 * console.log(selectSubprotocol(["mqtt"], ["chat.v2"])); // undefined
 * ```
 */
export function selectSubprotocol(
  offered: readonly string[],
  supported: readonly string[] | ((offered: string[]) => string | undefined),
): string | undefined {
  if (typeof supported === "function") {
    if (offered.length === 0) return undefined;
    const chosen = supported([...offered]);
    if (chosen !== undefined && !offered.includes(chosen)) {
      throw new RangeError(
        `Cannot select subprotocol as the choice must be one of the offered ${
          JSON.stringify(offered)
        }: current value is ${JSON.stringify(chosen)}`,
      );
    }
    return chosen;
  }
  for (const name of supported) {
    if (!isToken(name)) {
      throw new TypeError(
        `Cannot select subprotocol as 'protocols' must hold RFC 7230 tokens: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
  }
  return supported.find((name) => offered.includes(name));
}

/**
 * Options of {@linkcode validateUpgradeRequest}.
 *
 * @example Choose the subprotocol with a function
 * ```ts
 * import { type UpgradeRequestOptions, validateUpgradeRequest } from "@wirely/wirely/codec";
 * const options: UpgradeRequestOptions = {
 *   protocols: (offered) => offered.find((name) => name.startsWith("chat.")),
 * };
 * const headers = new Headers({
 *   host: "example.com",
 *   upgrade: "websocket",
 *   connection: "Upgrade",
 *   "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
 *   "sec-websocket-version": "13",
 *   "sec-websocket-protocol": "mqtt, chat.v1",
 * });
 * console.log(validateUpgradeRequest({ method: "GET", headers }, options).selectedProtocol); // chat.v1
 * ```
 */
export interface UpgradeRequestOptions {
  /**
   * The subprotocols the server speaks in order of preference, or a function choosing among the
   * offered ones (see {@linkcode selectSubprotocol}).
   * @default [] (answer without a subprotocol)
   */
  protocols?: readonly string[] | ((offered: string[]) => string | undefined);
}

/**
 * What a valid upgrade request asked for; returned by {@linkcode validateUpgradeRequest}.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders, type UpgradeRequestInfo, validateUpgradeRequest } from "@wirely/wirely/codec";
 * const headers = new Headers({
 *   host: "example.com",
 *   upgrade: "websocket",
 *   connection: "Upgrade",
 *   "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
 *   "sec-websocket-version": "13",
 * });
 * const info: UpgradeRequestInfo = validateUpgradeRequest({ method: "GET", headers });
 * const response = await acceptResponseHeaders(info.key);
 * console.log(response.get("sec-websocket-accept")); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * ```
 */
export interface UpgradeRequestInfo {
  /** The `Sec-WebSocket-Key`, to pass to {@linkcode acceptResponseHeaders}. */
  key: string;
  /** The subprotocols the client offered, in its order (empty when none). */
  protocols: string[];
  /**
   * The extensions the client offered, in its order (empty when none). Frozen: a header seen
   * before gives back the same list (a small cache spares the parse at every upgrade).
   */
  extensions: ExtensionOffer[];
  /** The subprotocol chosen with `options.protocols`, or `undefined`. */
  selectedProtocol: string | undefined;
}

/**
 * Checks an HTTP request that asks to open a WebSocket (RFC 6455 section 4.2.1) and says what
 * it asked for, or throws a {@linkcode HandshakeError} saying what to answer.
 *
 * The checks run in this order, so a request gets the most useful refusal:
 * 0. when given, `version` is HTTP/1.1 or higher (RFC 6455 4.2.1), else 400 `BAD_HTTP`; and
 *    `target` is in origin-form (`/path?query`) or absolute-form (`ws://host/path`, also
 *    `wss`, `http`, `https`) with visible ASCII only, else 400 `BAD_TARGET` (so `*` is refused);
 * 1. method is `GET`, else 405 `METHOD_NOT_ALLOWED` with `allow: GET`;
 * 2. `Host` is present (RFC 7230 section 5.4), else 400 `MISSING_HOST`, and is a valid
 *    host[:port] (RFC 3986 3.2.2: no spaces or controls), else 400 `BAD_HOST`;
 * 3. `Upgrade` holds the token `websocket` (any case), else 400 `BAD_UPGRADE`;
 * 4. `Connection` holds the token `upgrade` (any case), else 400 `BAD_CONNECTION`;
 * 5. `Sec-WebSocket-Version` is `13`, else 426 `UNSUPPORTED_VERSION` with
 *    `sec-websocket-version: 13` and `upgrade: websocket` (checked before the key, whose format
 *    other versions define differently, so an old client learns which version to retry with);
 * 6. `Sec-WebSocket-Key` is base64 of exactly 16 bytes, else 400 `BAD_KEY` (two key headers
 *    are joined by `Headers` into one invalid value, so they are refused too);
 * 7. `Sec-WebSocket-Protocol` is a list of distinct tokens, else 400 `BAD_PROTOCOL_HEADER`;
 * 8. `Sec-WebSocket-Extensions` follows its grammar, else 400 `BAD_EXTENSION_HEADER`.
 *
 * Steps 1-4 decide whether this is a WebSocket request at all; a plain GET gets 400.
 *
 * @param request The request method and headers (a `Request` fits; only `headers.get` is called),
 * and, when the caller read the request line itself, its HTTP `version` (`"HTTP/1.1"` or
 * `"1.1"`) and `target` as sent (a `Request` has neither: those checks are then skipped).
 * @param options How to choose a subprotocol.
 * @returns The key, the offered subprotocols and extensions, and the chosen subprotocol.
 * @throws {HandshakeError} With the status, code and extra headers of the refusal.
 *
 * @example
 * ```ts
 * import { validateUpgradeRequest } from "@wirely/wirely/codec";
 * const info = validateUpgradeRequest({
 *   method: "GET",
 *   headers: new Headers({
 *     host: "example.com",
 *     upgrade: "websocket",
 *     connection: "keep-alive, Upgrade",
 *     "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
 *     "sec-websocket-version": "13",
 *     "sec-websocket-protocol": "chat.v1, chat.v2",
 *   }),
 * }, { protocols: ["chat.v2"] });
 * console.log(info.selectedProtocol); // chat.v2
 * ```
 */
export function validateUpgradeRequest(
  request: {
    method: string;
    headers: { get(name: string): string | null };
    version?: string;
    target?: string;
  },
  options: UpgradeRequestOptions = {},
): UpgradeRequestInfo {
  const { headers, version: httpVersion, target } = request;
  if (httpVersion !== undefined && !isHttp11OrHigher(httpVersion)) {
    // 400 rather than 505: 505 is for an unsupported major version, and 1.0 shares major 1.
    throw new HandshakeError(
      "BAD_HTTP",
      400,
      `a WebSocket upgrade needs HTTP/1.1 or higher, not ${JSON.stringify(httpVersion)}`,
    );
  }
  if (target !== undefined && !isUpgradeTarget(target)) {
    throw new HandshakeError(
      "BAD_TARGET",
      400,
      "the request target must be a path starting with '/' (or an absolute ws/http URL)",
    );
  }
  if (request.method !== "GET") {
    throw new HandshakeError(
      "METHOD_NOT_ALLOWED",
      405,
      `a WebSocket upgrade must use GET, not ${request.method}`,
      { allow: "GET" },
    );
  }
  const host = headers.get("host");
  if (!host) throw new HandshakeError("MISSING_HOST", 400, "the request has no Host header");
  if (!isValidHost(host)) {
    throw new HandshakeError("BAD_HOST", 400, "the Host header must be one host[:port]");
  }
  if (!hasListToken(headers.get("upgrade"), "websocket", UPGRADE_ELEMENT)) {
    throw new HandshakeError("BAD_UPGRADE", 400, "the Upgrade header must include 'websocket'");
  }
  if (!hasListToken(headers.get("connection"), "upgrade")) {
    throw new HandshakeError("BAD_CONNECTION", 400, "the Connection header must include 'upgrade'");
  }
  const version = headers.get("sec-websocket-version");
  if (version !== "13") {
    throw new HandshakeError(
      "UNSUPPORTED_VERSION",
      426,
      version === null
        ? "the Sec-WebSocket-Version header is missing; this server speaks version 13"
        : "the Sec-WebSocket-Version is not supported; this server speaks version 13",
      { "sec-websocket-version": "13", upgrade: "websocket" },
    );
  }
  const key = headers.get("sec-websocket-key");
  if (key === null || !KEY_PATTERN.test(key)) {
    throw new HandshakeError(
      "BAD_KEY",
      400,
      key === null
        ? "the Sec-WebSocket-Key header is missing"
        : "the Sec-WebSocket-Key header must be one base64 value of 16 bytes",
    );
  }
  const protocols = parseProtocolOffer(headers.get("sec-websocket-protocol"));
  const extensionHeader = headers.get("sec-websocket-extensions");
  const extensions = extensionHeader === null ? [] : parseOffers(extensionHeader);
  const selectedProtocol = selectSubprotocol(protocols, options.protocols ?? []);
  return { key, protocols, extensions, selectedProtocol };
}

/** Offers parsed before, by raw header (clients send a handful of distinct headers). */
const OFFERS = new Map<string, ExtensionOffer[]>();
/** Distinct headers kept; past it the cache starts over. */
const OFFERS_KEPT = 32;

/** {@linkcode parseExtensions}, frozen and remembered for the next request with that header. */
function parseOffers(header: string): ExtensionOffer[] {
  const known = OFFERS.get(header);
  if (known !== undefined) return known;
  const offers = parseExtensions(header); // throws on a bad header: never cached
  for (const offer of offers) {
    for (const param of offer.params) Object.freeze(param);
    Object.freeze(offer.params);
    Object.freeze(offer);
  }
  Object.freeze(offers);
  if (header.length <= 256) {
    if (OFFERS.size >= OFFERS_KEPT) OFFERS.clear();
    OFFERS.set(header, offers);
  }
  return offers;
}

/**
 * Builds the parts of the HTTP response that refuses a handshake: status, reason phrase, headers
 * (the error's own, plus `content-type`, `content-length` and `connection: close`) and a plain
 * text body. Write it with `new Response(body, { status, headers })` or
 * {@linkcode writeResponseHead}.
 *
 * @param error A refusal thrown by {@linkcode validateUpgradeRequest} or {@linkcode HttpHeadParser}.
 * @returns What to send.
 * @throws {RangeError} If the error's status is not 400-599 (a client-side error).
 *
 * @example
 * ```ts
 * import { HandshakeError, handshakeErrorResponse } from "@wirely/wirely/codec";
 * const refusal = handshakeErrorResponse(new HandshakeError("METHOD_NOT_ALLOWED", 405, "use GET", { allow: "GET" }));
 * console.log(refusal.status, refusal.reason, refusal.headers.get("allow")); // 405 Method Not Allowed GET
 * ```
 */
export function handshakeErrorResponse(
  error: HandshakeError,
): { status: number; reason: string; headers: Headers; body: string } {
  const { status } = error;
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(
      `Cannot build a refusal as 'status' must be 400-599: current value is ${status}`,
    );
  }
  const body = `${error.message}\n`;
  const headers = new Headers(error.headers);
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.set("content-length", String(new TextEncoder().encode(body).length));
  headers.set("connection", headers.has("upgrade") ? "upgrade, close" : "close");
  return { status, reason: REASONS[status] ?? "Error", headers, body };
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Builds the headers of the `101 Switching Protocols` response that accepts a handshake.
 *
 * @param key The client's `Sec-WebSocket-Key` ({@linkcode UpgradeRequestInfo.key}).
 * @param options The chosen subprotocol and the accepted extensions (with the parameters the
 * server answers with); nothing is sent for an absent subprotocol or an empty list.
 * @returns `upgrade`, `connection`, `sec-websocket-accept` and the optional headers.
 * @throws {TypeError} If the subprotocol is not a token or an extension cannot be formatted.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders } from "@wirely/wirely/codec";
 * const headers = await acceptResponseHeaders("dGhlIHNhbXBsZSBub25jZQ==", { protocol: "chat.v2" });
 * console.log(headers.get("sec-websocket-accept")); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * ```
 */
export async function acceptResponseHeaders(
  key: string,
  options: { protocol?: string; extensions?: readonly ExtensionOffer[] } = {},
): Promise<Headers> {
  const { protocol, extensions = [] } = options;
  if (protocol !== undefined && !isToken(protocol)) {
    throw new TypeError(
      `Cannot accept the handshake as 'protocol' must be an RFC 7230 token: current value is ${
        JSON.stringify(protocol)
      }`,
    );
  }
  const headers = new Headers({
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-accept": await computeAccept(key),
  });
  if (protocol !== undefined) headers.set("sec-websocket-protocol", protocol);
  if (extensions.length > 0) headers.set("sec-websocket-extensions", formatExtensions(extensions));
  return headers;
}

/** Whether a `#element` list header holds `wanted` (case-insensitive); malformed -> false. */
function hasListToken(value: string | null, wanted: string, element?: RegExp): boolean {
  if (value === null) return false;
  // The usual value is the token alone ("Upgrade", "websocket"): no list to split.
  if (value.length === wanted.length && equalsLowercase(value, wanted)) return true;
  const elements = splitHeaderList(value, element);
  return elements !== undefined && elements.some((item) => item.toLowerCase() === wanted);
}

/** Whether `value` is `lower` (lowercase ASCII, same length) in any ASCII case. */
function equalsLowercase(value: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = value.charCodeAt(i);
    if ((code >= 0x41 && code <= 0x5a ? code | 0x20 : code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Parses `Sec-WebSocket-Protocol` of a request: distinct tokens (RFC 6455 section 4.1). */
function parseProtocolOffer(value: string | null): string[] {
  if (value === null) return [];
  const protocols = splitHeaderList(value);
  if (protocols === undefined || new Set(protocols).size !== protocols.length) {
    throw new HandshakeError(
      "BAD_PROTOCOL_HEADER",
      400,
      "the Sec-WebSocket-Protocol header must be a list of distinct tokens",
    );
  }
  return protocols;
}
