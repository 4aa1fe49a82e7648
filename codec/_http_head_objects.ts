// This module is browser compatible.
/**
 * The heads {@linkcode HttpHeadParser} returns: the parsed start line and the raw header list,
 * with a `Headers` built only when asked for.
 *
 * @module
 */

import type { HttpRequestHead, HttpResponseHead } from "./http_head.ts";

/** A `Headers` with every field of a raw list (names and values alternating). */
function headersOf(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** A request head whose `Headers` is built on first access (most servers never ask). */
export class RequestHead implements HttpRequestHead {
  readonly kind = "request";
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly rawHeaders: readonly string[];
  #headers: Headers | undefined;

  constructor(method: string, target: string, version: string, raw: readonly string[]) {
    this.method = method;
    this.target = target;
    this.version = version;
    this.rawHeaders = raw;
  }

  get headers(): Headers {
    return this.#headers ??= headersOf(this.rawHeaders);
  }
}

/** A response head whose `Headers` is built on first access. */
export class ResponseHead implements HttpResponseHead {
  readonly kind = "response";
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly rawHeaders: readonly string[];
  #headers: Headers | undefined;

  constructor(status: number, reason: string, version: string, raw: readonly string[]) {
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.rawHeaders = raw;
  }

  get headers(): Headers {
    return this.#headers ??= headersOf(this.rawHeaders);
  }
}
