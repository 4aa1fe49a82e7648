// This module is browser compatible.
/**
 * The proxy rules of the codec transport, without I/O: which HTTP proxy a `ws:`/`wss:` URL goes
 * through (the `proxy` option, else `HTTP_PROXY`/`HTTPS_PROXY` and `NO_PROXY`), the `CONNECT`
 * request, and the error for a proxy that refuses it. The tunnel itself is in
 * `_proxy_tunnel.node.ts`.
 *
 * @module
 */

import { writeRequestHead } from "../codec/http_write.ts";
import { ClientError } from "./errors.ts";

/**
 * An HTTP proxy answered `CONNECT` with a status other than 2xx (403: not allowed, 407: proxy
 * authentication required...). Code `PROXY_REFUSED`; the status is in
 * {@linkcode ProxyError.status}. The attempt then ends with 1006, like a refused handshake.
 *
 * @example
 * ```ts
 * import { ProxyError } from "@wirely/wirely/client/tcp";
 * const error: unknown = new ProxyError(407, "Proxy Authentication Required", "http://proxy:3128");
 * if (error instanceof ProxyError) console.log(error.code, error.status); // PROXY_REFUSED 407
 * ```
 */
export class ProxyError extends ClientError {
  /** The proxy's HTTP status. */
  readonly status: number;
  /** The proxy, without its credentials. */
  readonly proxy: string;

  /**
   * Creates the error.
   *
   * @param status The proxy's HTTP status.
   * @param reason The proxy's reason phrase.
   * @param proxy The proxy's URL, without credentials.
   */
  constructor(status: number, reason: string, proxy: string) {
    super("PROXY_REFUSED", `The proxy ${proxy} refused CONNECT: ${status} ${reason}`.trim());
    this.name = "ProxyError";
    this.status = status;
    this.proxy = proxy;
  }
}

/** Reads an environment variable; `undefined` when unset or not readable. */
export type EnvReader = (name: string) => string | undefined;

/** Where a connection goes: the URL's scheme, host (IPv6 without brackets) and port. */
export interface ProxyTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
}

/**
 * Checks the `proxy` option: a URL (string or `URL`) of an `http:` proxy, `false` (no proxy,
 * whatever the environment says) or `undefined` (the environment decides).
 *
 * @throws {TypeError} When it is not a URL, or not an `http:` one.
 */
export function checkProxyOption(value: string | URL | false | undefined): URL | false | undefined {
  if (value === undefined || value === false) return value;
  const url = parseProxyUrl(String(value));
  if (url === undefined) {
    throw new TypeError(
      `Cannot create a TCP transport as 'proxy' must be an http: URL or false: current value is ${
        JSON.stringify(redact(String(value)))
      }`,
    );
  }
  return url;
}

/** An `http:` proxy URL; a bare `host:port` (as often in the environment) means `http:`. */
function parseProxyUrl(text: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === "http:" && url.hostname !== "" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** `text` with the password of a URL replaced, for messages. */
function redact(text: string): string {
  return text.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** The proxy URL without credentials, for messages and errors. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/**
 * The proxy for `target`: the `proxy` option when it is a URL; none when it is `false`; else
 * `HTTP_PROXY` (`ws:`) or `HTTPS_PROXY` (`wss:`), lower case first, unless `NO_PROXY` lists
 * the host. An environment value that is not an `http:` URL is ignored.
 */
export function proxyFor(
  target: ProxyTarget,
  option: URL | false | undefined,
  env: EnvReader,
): URL | undefined {
  if (option !== undefined) return option === false ? undefined : option;
  const name = target.secure ? "https_proxy" : "http_proxy";
  const value = env(name) || env(name.toUpperCase());
  if (!value) return undefined;
  const noProxy = env("no_proxy") || env("NO_PROXY") || "";
  if (bypassesProxy(noProxy, target)) return undefined;
  return parseProxyUrl(value);
}

/**
 * Whether a `NO_PROXY` list names `target`. Entries are separated by commas or spaces: `*`
 * (every host), a host name (itself and its subdomains; a leading `.` or `*.` is ignored), an
 * IP address, each optionally with `:port` (then only that port).
 */
export function bypassesProxy(list: string, target: ProxyTarget): boolean {
  const host = target.host.toLowerCase().replace(/\.$/, "");
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    let name = entry;
    let port: number | undefined;
    const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null) {
      name = bracketed[1]!;
      port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else if (entry.split(":").length === 2) {
      // One colon: `host:port` (a bare IPv6 address has several).
      const colon = entry.indexOf(":");
      name = entry.slice(0, colon);
      port = Number(entry.slice(colon + 1));
    }
    name = name.replace(/^\*?\./, "").replace(/\.$/, "");
    if (port !== undefined && port !== target.port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The `CONNECT` request head for `target`, with `Proxy-Authorization: Basic` when the proxy URL
 * carries a user name or password.
 */
export function connectRequest(proxy: URL, target: ProxyTarget): Uint8Array {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const authority = `${host}:${target.port}`;
  const fields: [string, string][] = [["Host", authority]];
  if (proxy.username !== "" || proxy.password !== "") {
    const credentials = `${decodeURIComponent(proxy.username)}:${
      decodeURIComponent(proxy.password)
    }`;
    fields.push(["Proxy-Authorization", `Basic ${base64(new TextEncoder().encode(credentials))}`]);
  }
  return writeRequestHead("CONNECT", authority, fields);
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
