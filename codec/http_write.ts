// This module is browser compatible.
/**
 * Writers for HTTP/1.1 request and response heads, for the paths that run the handshake over a
 * raw TCP stream. They refuse CR, LF, NUL and other control characters in any name, value,
 * target or reason (no header injection) and write Latin-1 bytes.
 *
 * @module
 */
import { isFieldValueChar, isToken } from "./header_tokens.ts";

/**
 * Header fields to write: a `Headers`, `[name, value]` pairs (order and repeats kept) or a record.
 *
 * @example Repeated fields as pairs
 * ```ts
 * import { type HeaderFields, writeRequestHead } from "@wirely/wirely/codec";
 * const fields: HeaderFields = [["Host", "example.com"], ["Cookie", "a=1"], ["Cookie", "b=2"]];
 * const text = new TextDecoder().decode(writeRequestHead("GET", "/", fields));
 * console.log(text.split("\r\n").length); // 6 (start line, 3 fields, blank line, end)
 * ```
 */
export type HeaderFields =
  | Headers
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string>>;

/**
 * Writes a request head: `METHOD target HTTP/1.1`, the fields, and the blank line.
 *
 * @param method The method token (`GET`).
 * @param target The request target (`/chat?room=1`): visible ASCII, no spaces.
 * @param headers The header fields.
 * @returns The head as bytes (Latin-1).
 * @throws {TypeError} If the method, target, a field name or a field value holds a character
 * that could end the line or the head (CR, LF, NUL, other controls): no header injection.
 *
 * @example
 * ```ts
 * import { writeRequestHead } from "@wirely/wirely/codec";
 * const bytes = writeRequestHead("GET", "/chat", [["Host", "example.com"]]);
 * console.log(new TextDecoder().decode(bytes)); // "GET /chat HTTP/1.1\r\nHost: example.com\r\n\r\n"
 * ```
 */
export function writeRequestHead(
  method: string,
  target: string,
  headers: HeaderFields,
): Uint8Array {
  if (!isToken(method)) {
    throw new TypeError(
      `Cannot write request head as 'method' must be a token: current value is ${
        JSON.stringify(method)
      }`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(target)) {
    throw new TypeError(
      `Cannot write request head as 'target' must be visible ASCII without spaces: current value is ${
        JSON.stringify(target)
      }`,
    );
  }
  return encodeHead(`${method} ${target} HTTP/1.1`, headers, "request");
}

/**
 * Writes a response head: `HTTP/1.1 status reason`, the fields, and the blank line.
 *
 * @param status The status code, 100-999.
 * @param reason The reason phrase (may be empty).
 * @param headers The header fields.
 * @returns The head as bytes (Latin-1).
 * @throws {RangeError} If the status is not an integer from 100 to 999.
 * @throws {TypeError} If the reason, a field name or a field value holds a character that could
 * end the line or the head (CR, LF, NUL, other controls): no header injection.
 *
 * @example
 * ```ts
 * import { acceptResponseHeaders, writeResponseHead } from "@wirely/wirely/codec";
 * const headers = await acceptResponseHeaders("dGhlIHNhbXBsZSBub25jZQ==");
 * const bytes = writeResponseHead(101, "Switching Protocols", headers);
 * console.log(new TextDecoder().decode(bytes).split("\r\n")[0]); // HTTP/1.1 101 Switching Protocols
 * ```
 */
export function writeResponseHead(
  status: number,
  reason: string,
  headers: HeaderFields,
): Uint8Array {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(
      `Cannot write response head as 'status' must be 100-999: current value is ${status}`,
    );
  }
  if (!isFieldText(reason)) {
    throw new TypeError(
      `Cannot write response head as 'reason' may not hold control characters: current value is ${
        JSON.stringify(reason)
      }`,
    );
  }
  return encodeHead(`HTTP/1.1 ${status} ${reason}`, headers, "response");
}

function encodeHead(startLine: string, headers: HeaderFields, kind: string): Uint8Array {
  let text = startLine + "\r\n";
  const entries: Iterable<readonly [string, string]> = Symbol.iterator in headers
    ? headers as Iterable<readonly [string, string]>
    : Object.entries(headers);
  for (const [name, value] of entries) {
    if (!isToken(name)) {
      throw new TypeError(
        `Cannot write ${kind} head as a header name must be a token: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (typeof value !== "string" || !isFieldText(value)) {
      throw new TypeError(
        `Cannot write ${kind} head as header '${name}' may not hold control characters: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
    text += `${name}: ${value}\r\n`;
  }
  text += "\r\n";
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function isFieldText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (!isFieldValueChar(value.charCodeAt(i))) return false;
  }
  return true;
}
