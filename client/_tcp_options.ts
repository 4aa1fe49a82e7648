/**
 * The options of the codec transport checked once, before any I/O, with the defaults applied.
 *
 * @module
 */

import {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_MAX_HEAD_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  MAX_TIMER_DELAY,
} from "../codec/_limits.ts";
import { Connection } from "../codec/connection.ts";
import { buildUpgradeRequestHeaders } from "../codec/handshake_client.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import {
  acceptDeflateResponse,
  type DeflateAgreement,
  deflateOffer,
  PERMESSAGE_DEFLATE,
} from "../codec/deflate_negotiation.ts";
import type { Extension } from "../codec/extension.ts";
import type { ExtensionOffer } from "../codec/extensions.ts";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "../codec/permessage_deflate.ts";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { checkProxyOption } from "./_proxy.ts";

const DUMMY_KEY = "AAAAAAAAAAAAAAAAAAAAAA==";

/**
 * Options of {@linkcode tcpTransport}. Sizes in bytes, times in milliseconds.
 *
 * @example Send a token header and trust a private CA
 * ```ts
 * import type { TcpTransportOptions } from "@wirely/wirely/client/tcp";
 * const options: TcpTransportOptions = {
 *   headers: { authorization: "Bearer t0k3n" },
 *   ca: "-----BEGIN CERTIFICATE-----\n...",
 * };
 * console.log(Object.keys(options)); // [ "headers", "ca" ]
 * ```
 */
export interface TcpTransportOptions {
  /** Extra request headers (`authorization`, `origin`, `cookie`...); not the handshake's own. @default {{}} */
  headers?: Headers | Array<[string, string]> | Record<string, string>;
  /** PEM certificates trusted for `wss://`, instead of the system's. @default undefined (system CAs) */
  ca?: string | string[];
  /** Refuse a `wss://` server whose certificate does not verify; `false` only for tests. @default {true} */
  rejectUnauthorized?: boolean;
  /** The TLS server name (SNI) and name checked in the certificate. @default the URL's host name */
  servername?: string;
  /** Largest message received, in bytes (bigger: close 1009); `Infinity` turns it off. @default {1_048_576} */
  maxMessageSize?: number;
  /** Largest response head of the handshake, in bytes. @default {16_384} */
  maxHeadSize?: number;
  /** The closing-handshake deadline, in milliseconds: once our close frame is sent (first, or answering the server's), how long the server has to finish the handshake (its close frame, then its end of TCP) before the socket is dropped. The same meaning as the server's `limits.closeTimeout`. @default {5_000} */
  closeTimeout?: number;
  /**
   * An HTTP proxy to tunnel through with `CONNECT` (`http://user:pass@host:port`; credentials
   * go in `Proxy-Authorization: Basic`), or `false` for none. Either way the environment is not
   * read.
   * @default undefined (the environment: `HTTP_PROXY` for `ws:`, `HTTPS_PROXY` for `wss:`, unless `NO_PROXY` lists the host)
   */
  proxy?: string | URL | false;
  /**
   * Offer permessage-deflate (RFC 7692): `true` with the defaults, an object to tune it
   * (`threshold`: messages under it, in bytes, go uncompressed, default 1024; `level`,
   * `memLevel`), `false` to offer nothing. The offer is `permessage-deflate;
   * client_no_context_takeover; client_max_window_bits`: we compress each message on its own (no
   * compressor kept per connection); a server that takes its context over makes us keep its
   * window (at most 32 KiB). Received messages are inflated within `maxMessageSize` (more: 1009).
   * @default {true}
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** {@linkcode TcpTransportOptions} checked, with every default filled in. */
export interface TcpSettings {
  headers: Headers;
  ca: string | string[] | undefined;
  rejectUnauthorized: boolean;
  servername: string | undefined;
  maxMessageSize: number;
  maxHeadSize: number;
  closeTimeout: number;
  /** A proxy URL, `false` for none, `undefined` for the environment's. */
  proxy: URL | false | undefined;
  /** permessage-deflate tuning, `undefined` when it is not offered. */
  deflate: PerMessageDeflateOptions | undefined;
}

/**
 * The permessage-deflate parameters the transport offers: we compress each message on its own
 * (no compressor kept per connection) and the server may limit our window; the server may take
 * its context over (we then keep its window, at most 32 KiB).
 */
export const DEFLATE_OFFER = {
  clientNoContextTakeover: true,
  clientMaxWindowBits: true,
} as const;

/** The `Sec-WebSocket-Extensions` elements to offer. */
export function extensionOffers(settings: TcpSettings): ExtensionOffer[] {
  return settings.deflate === undefined ? [] : [deflateOffer(DEFLATE_OFFER)];
}

/**
 * The extensions to run, from those the server accepted (already checked to be offered, once).
 *
 * @throws {HandshakeError} `BAD_EXTENSION_PARAMS` when the server's parameters are not allowed.
 */
export function acceptedExtensions(
  deflate: PerMessageDeflateOptions | undefined,
  accepted: readonly ExtensionOffer[],
): Extension[] {
  return accepted.filter((element) => element.name === PERMESSAGE_DEFLATE).map((element) =>
    new PerMessageDeflate(
      "client",
      acceptDeflateResponse(DEFLATE_OFFER, element),
      zlibDeflate,
      deflate,
    )
  );
}

const CHECK_AGREEMENT: DeflateAgreement = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/**
 * Checks `options` and applies the defaults.
 *
 * @throws {TypeError} When `headers` sets a handshake header or holds a bad name or value, or
 *   `proxy` is not an `http:` URL or `false`.
 * @throws {RangeError} When a limit or timeout is out of range.
 */
export function resolveTcpOptions(options: TcpTransportOptions): TcpSettings {
  const {
    ca,
    rejectUnauthorized = true,
    servername,
    maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
    maxHeadSize = DEFAULT_MAX_HEAD_SIZE,
    closeTimeout = DEFAULT_CLOSE_TIMEOUT,
  } = options;
  if (!(closeTimeout > 0 && closeTimeout <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `Cannot create a TCP transport as 'closeTimeout' must be between 1 and ${MAX_TIMER_DELAY}: current value is ${closeTimeout}`,
    );
  }
  // Checks names and values once, before any I/O (the key is a placeholder).
  buildUpgradeRequestHeaders({ host: "localhost", key: DUMMY_KEY, headers: options.headers });
  new Connection({ role: "client", maxMessageSize });
  new HttpHeadParser("response", { maxHeadSize });
  return {
    headers: new Headers(options.headers),
    ca,
    rejectUnauthorized,
    servername,
    maxMessageSize,
    maxHeadSize,
    closeTimeout,
    proxy: checkProxyOption(options.proxy),
    deflate: checkDeflateOption(options.perMessageDeflate),
  };
}

function checkDeflateOption(
  value: boolean | PerMessageDeflateOptions | undefined,
): PerMessageDeflateOptions | undefined {
  if (value === undefined || value === true) return {};
  if (value === false) return undefined;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Cannot create a TCP transport as 'perMessageDeflate' must be a boolean or an object: current value is ${
        String(value)
      }`,
    );
  }
  new PerMessageDeflate("client", CHECK_AGREEMENT, zlibDeflate, value); // checks the values
  return { ...value };
}
