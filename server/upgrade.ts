/**
 * The server's decision on an upgrade request, shared by every binding: the codec's RFC 6455
 * checks, then the origin allow-list, the subprotocol choice and the `authenticate` hook.
 *
 * @module
 */

import { HandshakeError } from "../codec/errors.ts";
import type { Extension, ExtensionNegotiator } from "../codec/extension.ts";
import { type ExtensionOffer, formatExtensions } from "../codec/extensions.ts";
import { computeAccept } from "../codec/accept_key.ts";
import {
  handshakeErrorResponse,
  selectSubprotocol,
  validateUpgradeRequest,
} from "../codec/handshake.ts";
import type { AuthenticateResult, ServerOptions, UpgradeRequest } from "./types.ts";

/**
 * An HTTP answer that refuses the upgrade (`ServerHandle.negotiate()`): send `status`,
 * `reason`, `headers` and `body`, then close.
 *
 * @example As a fetch-style `Response`
 * ```ts
 * import type { UpgradeRefusal } from "@wirely/wirely/server";
 * const toResponse = (r: UpgradeRefusal): Response =>
 *   new Response(r.body, { status: r.status, statusText: r.reason, headers: r.headers });
 * console.log(typeof toResponse); // function
 * ```
 */
export interface UpgradeRefusal {
  /** Tells a refusal from an acceptance. */
  accept: false;
  /** HTTP status, 400-599. */
  status: number;
  /** Reason phrase. */
  reason: string;
  /** Response headers (with content-type, content-length and connection: close). */
  headers: Headers;
  /** Plain-text body. */
  body: string;
}

/**
 * The upgrade is accepted: answer 101 with `Sec-WebSocket-Accept: computeAccept(key)` (from
 * the codec), `protocol` when not `""` and `extensionsHeader` when set, then open the connection.
 *
 * @example
 * ```ts
 * import type { UpgradeAcceptance } from "@wirely/wirely/server";
 * const accepted: UpgradeAcceptance<{ user: string }> = {
 *   accept: true,
 *   key: "dGhlIHNhbXBsZSBub25jZQ==",
 *   protocol: "",
 *   data: { user: "ada" },
 * };
 * console.log(accepted.data.user); // ada
 * ```
 */
export interface UpgradeAcceptance<Data> {
  /** Tells an acceptance from a refusal. */
  accept: true;
  /** The client's `Sec-WebSocket-Key` (checked: base64 of 16 bytes). */
  key: string;
  /** The chosen subprotocol, `""` for none. */
  protocol: string;
  /** The connection's initial data. */
  data: Data;
  /**
   * The `Sec-WebSocket-Extensions` value to answer in the 101 (permessage-deflate when a codec
   * engine accepted it), `""` or absent for none.
   */
  extensionsHeader?: string;
  /**
   * The extensions agreed, for the codec (`ServerHandle.openBytes` builds the connection's codec
   * with them); a message transport (`ServerHandle.open`) runs without. Empty or absent for none.
   */
  extensions?: readonly Extension[];
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Builds a refusal with a plain-text body.
 *
 * @throws {RangeError} If `status` is not an integer from 400 to 599.
 */
export function refusal(
  status: number,
  body: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): UpgradeRefusal {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(
      `Cannot refuse the upgrade as 'status' must be an integer from 400 to 599: current value is ${status}`,
    );
  }
  const headers = new Headers(extraHeaders);
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.set("content-length", String(new TextEncoder().encode(body).length));
  headers.set("connection", "close");
  return { accept: false, status, reason: REASONS[status] ?? "", headers, body };
}

/**
 * What the decision reads of the request headers (`Headers` fits; Node's raw list too).
 *
 * @example
 * ```ts
 * import type { HeaderLookup } from "@wirely/wirely/server";
 * const headers: HeaderLookup = new Headers({ origin: "https://example.com" });
 * console.log(headers.get("Origin")); // https://example.com
 * ```
 */
export interface HeaderLookup {
  /** The value of a header (several joined with `", "`), `null` when absent; any case. */
  get(name: string): string | null;
}

/**
 * The request line as the binding read it (node:http's `IncomingMessage` fits): the codec checks
 * the HTTP version and the target form. A binding that cannot see them (Deno.serve) passes none.
 */
export interface RequestLine {
  /** `"1.1"`, `"1.0"`, ... */
  readonly httpVersion?: string;
  /** The request target as sent. */
  readonly url?: string;
}

/**
 * The server's answer to an upgrade request: an acceptance or a refusal.
 *
 * @example
 * ```ts
 * import type { UpgradeDecision } from "@wirely/wirely/server";
 * const status = (d: UpgradeDecision<undefined>): number => d.accept ? 101 : d.status;
 * console.log(status({ accept: true, key: "k", protocol: "", data: undefined })); // 101
 * ```
 */
export type UpgradeDecision<Data> = UpgradeAcceptance<Data> | UpgradeRefusal;

/**
 * The decision `pending` settles with, or a 503 refusal when `timeout` milliseconds pass first
 * (an `authenticate` hook outlasting `handshake.timeout`); the timer is cleared either way.
 */
export async function decideWithin<Data>(
  pending: UpgradeDecision<Data> | Promise<UpgradeDecision<Data>>,
  timeout: number,
): Promise<UpgradeDecision<Data>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      pending,
      new Promise<UpgradeRefusal>((resolve) => {
        timer = setTimeout(() => resolve(refusal(503, "the handshake took too long\n")), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Decides on an upgrade request, in this order: RFC 6455 validity (400/405/426 from the codec),
 * `handshake.origins` (403), `authenticate` (its refusal), then the subprotocol (400 when the
 * client offered only unknown ones and `handshake.refuseUnknownProtocols` is set). Synchronous unless an
 * `authenticate` hook runs.
 *
 * @param headers Where the headers are read (the request's own, or a cheaper view of them).
 * @param line The request line's version and target, when the binding has them (400 for
 * HTTP/1.0 or a target like `*`).
 * @throws Whatever a user policy or hook throws (the binding answers 500 and reports it).
 */
export function negotiate<Data>(
  request: UpgradeRequest,
  options: ServerOptions<Data>,
  headers: HeaderLookup = request.headers,
  line?: RequestLine,
  extensions?: ExtensionNegotiator,
): UpgradeDecision<Data> | Promise<UpgradeDecision<Data>> {
  let key: string;
  let offered: string[];
  let offers: ExtensionOffer[];
  try {
    ({ key, protocols: offered, extensions: offers } = validateUpgradeRequest({
      method: request.method,
      headers,
      version: line?.httpVersion,
      target: line?.url,
    }));
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    const answer = handshakeErrorResponse(error);
    return { accept: false, ...answer };
  }
  if (!originAllowed(request, options, headers)) {
    return refusal(403, "this origin may not open a WebSocket here\n");
  }
  const authenticate = options.authenticate;
  const agreed = { extensions, offers };
  if (authenticate === undefined) {
    return accept(request, options, key, offered, undefined, agreed);
  }
  return (async () => {
    const result: AuthenticateResult<Data> = await authenticate(request);
    if (result === false) return refusal(403, "forbidden\n");
    let data: Data | undefined;
    if (typeof result === "object" && result !== null) {
      if ("data" in result) data = result.data;
      else return refusal(result.status, result.body ?? "", result.headers);
    } else if (result !== true) {
      throw new TypeError(
        `Cannot authenticate as 'authenticate' must return true, false, { data } or { status }: current value is ${
          String(result)
        }`,
      );
    }
    return accept(request, options, key, offered, data, agreed);
  })();
}

/** The acceptance, with the subprotocol chosen. */
function accept<Data>(
  request: UpgradeRequest,
  options: ServerOptions<Data>,
  key: string,
  offered: string[],
  data: Data | undefined,
  agreed: { extensions: ExtensionNegotiator | undefined; offers: ExtensionOffer[] },
): UpgradeDecision<Data> {
  const policy = options.handshake?.protocols;
  const protocol = policy === undefined ? undefined : selectSubprotocol(
    offered,
    typeof policy === "function" ? (names) => policy(names, request) : policy,
  );
  if (
    protocol === undefined && offered.length > 0 &&
    options.handshake?.refuseUnknownProtocols === true
  ) {
    return refusal(400, "none of the offered subprotocols is spoken here\n");
  }
  const decision: UpgradeAcceptance<Data> = {
    accept: true,
    key,
    protocol: protocol ?? "",
    data: data as Data,
  };
  // Extensions are negotiated last, once the upgrade is accepted (an offer that cannot be
  // honoured is declined: the connection goes on without the extension).
  if (agreed.extensions !== undefined && agreed.offers.length > 0) {
    const { response, extensions } = agreed.extensions(agreed.offers);
    if (extensions.length > 0) {
      let header = FORMATTED.get(response);
      if (header === undefined) {
        header = formatExtensions(response);
        FORMATTED.set(response, header);
      }
      decision.extensionsHeader = header;
      decision.extensions = extensions;
    }
  }
  return decision;
}

/** Response headers by the negotiator's response list (shared by requests with the same offers). */
const FORMATTED = new WeakMap<readonly ExtensionOffer[], string>();

const HEAD_START =
  "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
  "sec-websocket-accept: ";

/**
 * The head of the `101 Switching Protocols` answer, as a string (Node writes it without a copy
 * into a byte array): the same fields as the codec's `acceptResponseHeaders`, without a
 * `Headers` object. `protocol` was chosen among the offered names (tokens only); the accept
 * value is the codec's synchronous {@linkcode computeAccept}; `extensions` is the agreed
 * `Sec-WebSocket-Extensions` value (`""` for none); `acceptOf` computes the accept value (a
 * binding may pass the runtime's native SHA-1, checked to give the same answer).
 */
export function switchingProtocolsHead(
  key: string,
  protocol: string,
  extensions: string = "",
  acceptOf: (key: string) => string = computeAccept,
): string {
  const accept = acceptOf(key);
  if (protocol === "" && extensions === "") return HEAD_START + accept + "\r\n\r\n";
  let head = HEAD_START + accept;
  if (protocol !== "") head += `\r\nsec-websocket-protocol: ${protocol}`;
  if (extensions !== "") head += `\r\nsec-websocket-extensions: ${extensions}`;
  return head + "\r\n\r\n";
}

function originAllowed<Data>(
  request: UpgradeRequest,
  options: ServerOptions<Data>,
  headers: HeaderLookup,
): boolean {
  const policy = options.handshake?.origins;
  if (policy === undefined) return true;
  const origin = headers.get("origin") ?? undefined;
  if (typeof policy === "function") return policy(origin, request) === true;
  return origin === undefined || policy.includes(origin);
}
