/**
 * The options of the codec transport checked once, before any I/O, with the defaults applied.
 *
 * @module
 */

import { Connection } from "../codec/connection.ts";
import { buildUpgradeRequestHeaders } from "../codec/handshake_client.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import type { TcpTransportOptions } from "./tcp_transport.node.ts";
import { checkProxyOption } from "./_proxy.ts";

const MAX_TIMER_DELAY = 2_147_483_647;
const DUMMY_KEY = "AAAAAAAAAAAAAAAAAAAAAA==";

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
}

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
    maxMessageSize = 1_048_576,
    maxHeadSize = 16_384,
    closeTimeout = 5_000,
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
  };
}
