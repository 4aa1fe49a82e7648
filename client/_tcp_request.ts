// This module is browser compatible.
/**
 * The opening request of the codec transport: where to connect and the HTTP upgrade request to
 * send, made from the URL before any I/O.
 *
 * @module
 */

import { generateKey } from "../codec/accept_key.ts";
import { buildUpgradeRequestHeaders } from "../codec/handshake_client.ts";
import { writeRequestHead } from "../codec/http_write.ts";
import type { ExtensionOffer } from "../codec/extensions.ts";

/** Where to connect and what to send first. */
export interface TcpRequest {
  /** `wss:` (TLS) rather than `ws:`. */
  readonly secure: boolean;
  /** Host name or IP address to connect to (an IPv6 address without its brackets). */
  readonly host: string;
  /** TCP port: the URL's, else 443 or 80. */
  readonly port: number;
  /** The `Sec-WebSocket-Key` of the request. */
  readonly key: string;
  /** The request head, as bytes. */
  readonly head: Uint8Array;
}

/**
 * Builds the request for `url`, offering `protocols` and `extensions` and sending `headers`.
 *
 * @throws {SyntaxError} When `url` is not a `ws:` or `wss:` URL, or the request cannot be built.
 */
export function prepareRequest(
  url: string,
  protocols: readonly string[],
  headers: Headers,
  extensions: readonly ExtensionOffer[] = [],
): TcpRequest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(`Cannot connect as ${JSON.stringify(url)} is not a URL`);
  }
  const secure = parsed.protocol === "wss:";
  if (!secure && parsed.protocol !== "ws:") {
    throw new SyntaxError(`Cannot connect as ${JSON.stringify(url)} is not a ws: or wss: URL`);
  }
  const key = generateKey();
  let head: Uint8Array;
  try {
    const request = buildUpgradeRequestHeaders({
      host: parsed.host,
      key,
      protocols,
      headers,
      extensions,
    });
    head = writeRequestHead("GET", `${parsed.pathname}${parsed.search}`, request);
  } catch (cause) {
    throw new SyntaxError(cause instanceof Error ? cause.message : String(cause));
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(parsed.port || (secure ? 443 : 80));
  return { secure, host, port, key, head };
}
