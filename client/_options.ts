// This module is browser compatible.
/**
 * What the client checks and converts beside its life cycle: URLs, protocols, outgoing data,
 * `close()` arguments, and the default `onUnhandledError`. Every check throws through the one
 * checker of `_check.ts`.
 *
 * @module
 */

import { readData, typeOf } from "./native_transport.ts";
import type { SendData } from "./options.ts";
import { byteLength } from "./queue.ts";
import type { TransportData } from "./transport.ts";
import { check } from "./_check.ts";

/**
 * The default `onUnhandledError` (and the events client's error log): `console.error` once per
 * distinct code (a `ClientError`'s, a `HandshakeError`'s...) or else name, so a client that can
 * never connect says why once instead of silently, and a retry loop does not flood the log.
 *
 * @param hint Appended to the note in the logged line (how to turn the log off).
 */
export function logOncePerCode(hint = ""): (error: Error) => void {
  const logged = new Set<string>();
  return (error) => {
    const key = (error as { code?: string }).code ?? error.name;
    if (!logged.has(key)) {
      logged.add(key);
      console.error(`wirely: unhandled ${key} (logged once per code${hint})`, error);
    }
  };
}

/**
 * Turns a URL into the string a transport connects to: `ws:`/`wss:` (`http:`/`https:` mapped),
 * no fragment.
 * @throws {TypeError} When it is not a URL of those schemes.
 */
export function toWebSocketUrl(value: string | URL): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
    url.protocol = url.protocol.replace("http", "ws");
    url.hash = "";
  } catch {
    // Not a URL: refused below.
  }
  check(/^wss?:$/.test(url?.protocol!), "url", value, TypeError);
  return url!.href;
}

/** Normalizes a `protocols` value to a fresh list of HTTP tokens. */
export function toProtocolList(value: string | readonly string[]): string[] {
  const list = typeof value === "string" ? [value] : [...value];
  for (const name of list) {
    check(/^[!#$%&'*+\-.^_`|~\w]+$/.test(name), "protocols", name, TypeError);
  }
  return list;
}

/** Converts what `send` accepts to what a transport takes (views over the same bytes). */
export function toOutgoing(data: SendData): TransportData {
  const read = readData(data) ??
    (typeof Blob === "function" && data instanceof Blob ? data : undefined);
  check(read !== undefined, "data", typeOf(data), TypeError);
  return read!;
}

/** Checks `close()` arguments the way the WebSocket API does, before anything changes. */
export function checkCloseArguments(code: number, reason: string): void {
  check(code === 1000 || Number.isInteger(code) && code >= 3000 && code < 5000, "code", code);
  check(byteLength(reason) < 124, "reason", reason);
}
