// This module is browser compatible.
/**
 * Small RFC 7230 helpers shared by the handshake, the extension header parser and the HTTP head
 * parser: tokens, comma-separated lists, the characters allowed in header values, and the checks
 * of an upgrade request's HTTP version, target form and `Host`.
 *
 * @module
 */

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
//       / DIGIT / ALPHA  (RFC 7230 section 3.2.6)
const TOKEN: RegExp = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Whether `value` is an RFC 7230 token (one or more `tchar`: letters, digits and
 * ``!#$%&'*+-.^_`|~``). Header names, subprotocols and extension names must be tokens.
 *
 * @param value The string to test.
 * @returns `true` for a non-empty token.
 *
 * @example
 * ```ts
 * import { isToken } from "./header_tokens.ts";
 * console.log(isToken("chat.v2"), isToken("a b"), isToken("")); // true false false
 * ```
 */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * Whether the character code is a `tchar` (RFC 7230 section 3.2.6).
 *
 * @param code A UTF-16 code unit.
 * @returns `true` if it may appear in a token.
 *
 * @example
 * ```ts
 * import { isTokenChar } from "./header_tokens.ts";
 * console.log(isTokenChar(0x61), isTokenChar(0x3b)); // true false ("a" and ";")
 * ```
 */
export function isTokenChar(code: number): boolean {
  if (code >= 0x61 && code <= 0x7a) return true; // a-z
  if (code >= 0x41 && code <= 0x5a) return true; // A-Z
  if (code >= 0x30 && code <= 0x39) return true; // 0-9
  switch (code) {
    case 0x21: // !
    case 0x23: // #
    case 0x24: // $
    case 0x25: // %
    case 0x26: // &
    case 0x27: // '
    case 0x2a: // *
    case 0x2b: // +
    case 0x2d: // -
    case 0x2e: // .
    case 0x5e: // ^
    case 0x5f: // _
    case 0x60: // `
    case 0x7c: // |
    case 0x7e: // ~
      return true;
    default:
      return false;
  }
}

/**
 * Whether the character code may appear inside a header field value: HTAB, SP, visible ASCII
 * and obs-text (0x80-0xFF). Everything else (NUL, CR, LF, other controls, DEL, code points above
 * 0xFF) is refused so that a value can never end a line or a head early.
 *
 * @param code A UTF-16 code unit.
 * @returns `true` if it is `field-vchar`, SP or HTAB.
 *
 * @example
 * ```ts
 * import { isFieldValueChar } from "./header_tokens.ts";
 * console.log(isFieldValueChar(0x20), isFieldValueChar(0x0a)); // true false (SP and LF)
 * ```
 */
export function isFieldValueChar(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/**
 * Splits a header value built by the RFC 7230 `#element` rule into its trimmed elements.
 * Empty elements (`"a, , b"`, a leading or trailing comma) are skipped as the rule requires; each
 * remaining element must match `element`, or the whole value is malformed.
 *
 * Only for elements that cannot contain a comma (tokens, `protocol/version`); values with
 * quoted strings need a real scanner (see {@linkcode parseExtensions}).
 *
 * @param value The header value (several header lines joined with ", " are fine).
 * @param element What one element must look like; defaults to a token.
 * @returns The elements in order, or `undefined` if one of them does not match.
 *
 * @example
 * ```ts
 * import { splitHeaderList } from "./header_tokens.ts";
 * console.log(splitHeaderList("keep-alive, Upgrade")); // [ "keep-alive", "Upgrade" ]
 * console.log(splitHeaderList("a b")); // undefined
 * ```
 */
export function splitHeaderList(value: string, element: RegExp = TOKEN): string[] | undefined {
  const elements: string[] = [];
  for (const raw of value.split(",")) {
    const trimmed = trimOws(raw);
    if (trimmed === "") continue;
    if (!element.test(trimmed)) return undefined;
    elements.push(trimmed);
  }
  return elements;
}

/**
 * Removes optional whitespace (SP and HTAB only, RFC 7230 `OWS`) from both ends.
 *
 * @param value Any string.
 * @returns `value` without leading or trailing SP / HTAB.
 *
 * @example
 * ```ts
 * import { trimOws } from "./header_tokens.ts";
 * console.log(JSON.stringify(trimOws(" \tx \t"))); // "x"
 * ```
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * A `Host` value: uri-host [":" port] (RFC 7230 5.4, RFC 3986 3.2.2): an IP-literal in brackets
 * or a reg-name (unreserved, pct-encoded, sub-delims); no spaces, controls or other characters.
 */
const HOST_PATTERN = /^(\[[0-9A-Za-z:._~!$&'()*+,;=-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]+)(:[0-9]*)?$/;
/** The start of an absolute-form target (RFC 7230 5.3.2) with a scheme a WebSocket may use. */
const ABSOLUTE_FORM = /^(?:https?|wss?):\/\/[^/?#]/i;

/** `HTTP/1.1`, `1.1` or a higher version; anything else (1.0, 0.9, garbage) is `false`. */
export function isHttp11OrHigher(version: string): boolean {
  const match = /^(?:HTTP\/)?(\d+)\.(\d+)$/.exec(version);
  if (match === null) return false;
  const major = Number(match[1]);
  return major > 1 || (major === 1 && Number(match[2]) >= 1);
}

/** Origin-form (`/path`) or absolute-form (`ws://host/path`) of visible ASCII characters. */
export function isUpgradeTarget(target: string): boolean {
  if (target[0] !== "/" && !ABSOLUTE_FORM.test(target)) return false;
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

/** A `Host` value: one host[:port] (see `HOST_PATTERN`). */
export function isValidHost(host: string): boolean {
  return HOST_PATTERN.test(host);
}
