/**
 * The server's decision on an upgrade request, shared by every binding: the codec's RFC 6455
 * checks, then the origin allow-list, the subprotocol choice and the `authenticate` hook.
 *
 * @module
 */

import { HandshakeError } from "../codec/errors.ts";
import {
  acceptResponseHeaders,
  handshakeErrorResponse,
  selectSubprotocol,
  validateUpgradeRequest,
} from "../codec/handshake.ts";
import type { AuthenticateResult, ServerOptions, UpgradeRequest } from "./types.ts";

/** An HTTP answer that refuses the upgrade. */
export interface Refusal {
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

/** The upgrade is accepted: answer 101 with `headers`. */
export interface Acceptance<Data> {
  /** Tells an acceptance from a refusal. */
  accept: true;
  /** Headers of the 101 response. */
  headers: Headers;
  /** The chosen subprotocol, `""` for none. */
  protocol: string;
  /** The connection's initial data. */
  data: Data;
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
): Refusal {
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
 * Decides on an upgrade request, in this order: RFC 6455 validity (400/405/426 from the codec),
 * `origins` (403), `authenticate` (its refusal), then the subprotocol.
 *
 * @throws Whatever a user policy or hook throws (the binding answers 500 and reports it).
 */
export async function negotiate<Data>(
  request: UpgradeRequest,
  options: ServerOptions<Data>,
): Promise<Acceptance<Data> | Refusal> {
  let key: string;
  let offered: string[];
  try {
    ({ key, protocols: offered } = validateUpgradeRequest(request));
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    const answer = handshakeErrorResponse(error);
    return { accept: false, ...answer };
  }
  if (!originAllowed(request, options)) {
    return refusal(403, "this origin may not open a WebSocket here\n");
  }
  let data: Data | undefined;
  if (options.authenticate !== undefined) {
    const result: AuthenticateResult<Data> = await options.authenticate(request);
    if (result === false) return refusal(403, "forbidden\n");
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
  }
  const policy = options.protocols;
  const protocol = policy === undefined ? undefined : selectSubprotocol(
    offered,
    typeof policy === "function" ? (names) => policy(names, request) : policy,
  );
  const headers = await acceptResponseHeaders(key, { protocol });
  return { accept: true, headers, protocol: protocol ?? "", data: data as Data };
}

function originAllowed<Data>(request: UpgradeRequest, options: ServerOptions<Data>): boolean {
  const policy = options.origins;
  if (policy === undefined) return true;
  const origin = request.headers.get("origin") ?? undefined;
  if (typeof policy === "function") return policy(origin, request) === true;
  return origin === undefined || policy.includes(origin);
}
