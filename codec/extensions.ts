// This module is browser compatible.
/**
 * Parse and write the `Sec-WebSocket-Extensions` header (RFC 6455 section 9.1 with the list and
 * quoted-string rules of RFC 7230):
 *
 * ```
 * Sec-WebSocket-Extensions = 1#extension          ; empty list elements are skipped
 * extension       = token *( OWS ";" OWS extension-param )
 * extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
 * ```
 *
 * @module
 */

import { HandshakeError } from "./errors.ts";
import { isFieldValueChar, isToken, isTokenChar } from "./header_tokens.ts";

/**
 * One extension parameter: its name and its value, or `true` when the parameter has no value
 * (`client_max_window_bits` alone). Values written as quoted strings are unescaped.
 *
 * @example
 * ```ts
 * import { type ExtensionParam, parseExtensions } from "@wirely/wirely/codec";
 * const [offer] = parseExtensions("permessage-deflate; client_max_window_bits; server_max_window_bits=10");
 * const params: ExtensionParam[] = offer?.params ?? [];
 * console.log(params); // [ [ "client_max_window_bits", true ], [ "server_max_window_bits", "10" ] ]
 * ```
 */
export type ExtensionParam = [name: string, value: string | true];

/**
 * One element of a `Sec-WebSocket-Extensions` header: an offer in a request, or an accepted
 * extension in a response. Names and parameters keep their order and spelling; repeated
 * parameters are kept (the extension itself decides whether they are allowed).
 *
 * @example
 * ```ts
 * import type { ExtensionOffer } from "@wirely/wirely/codec";
 * const deflate: ExtensionOffer = {
 *   name: "permessage-deflate",
 *   params: [["client_max_window_bits", true], ["server_max_window_bits", "10"]],
 * };
 * console.log(deflate.params.length); // 2
 * ```
 */
export interface ExtensionOffer {
  /** The extension token, for example `permessage-deflate`. */
  name: string;
  /** The parameters in the order they were written. */
  params: ExtensionParam[];
}

/**
 * Parses a `Sec-WebSocket-Extensions` header value.
 *
 * Accepts optional whitespace around `,` `;` and `=`, empty list elements (an empty value gives
 * `[]`), and quoted-string values with backslash escapes. An unquoted value must be a token.
 * A quoted value is returned unescaped even when it is not a token (RFC 6455 asks senders for
 * tokens only; each extension checks its own parameter values).
 *
 * @param header The header value (several header lines joined with ", " are fine).
 * @returns The offers in order.
 * @throws {HandshakeError} `BAD_EXTENSION_HEADER` (400) if the value does not follow the grammar.
 *
 * @example
 * ```ts
 * import { parseExtensions } from "@wirely/wirely/codec";
 * const offers = parseExtensions('permessage-deflate; client_max_window_bits, x-foo; a="b c"');
 * console.log(offers[0]); // { name: "permessage-deflate", params: [ [ "client_max_window_bits", true ] ] }
 * console.log(offers[1]?.params); // [ [ "a", "b c" ] ]
 * ```
 */
export function parseExtensions(header: string): ExtensionOffer[] {
  return new ExtensionScanner(header).parse();
}

/**
 * Writes offers as a `Sec-WebSocket-Extensions` header value: `name; param; param=value, name2`.
 * Values that are tokens are written bare; others are quoted, with `"` and `\` escaped.
 * `parseExtensions(formatExtensions(offers))` gives back an equal list.
 *
 * @param offers The extensions to write, in order.
 * @returns The header value (`""` for an empty list).
 * @throws {TypeError} If a name is not a token, or a value holds a character that cannot appear
 * in a header (control characters other than HTAB, DEL, code points above 0xFF).
 *
 * @example
 * ```ts
 * import { formatExtensions } from "@wirely/wirely/codec";
 * const header = formatExtensions([
 *   { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
 *   { name: "x-foo", params: [["a", "b c"]] },
 * ]);
 * console.log(header); // permessage-deflate; client_max_window_bits, x-foo; a="b c"
 * ```
 */
export function formatExtensions(offers: readonly ExtensionOffer[]): string {
  return offers.map((offer) => {
    if (!isToken(offer.name)) {
      throw new TypeError(
        `Cannot format extensions as the extension name must be a token: current value is ${
          JSON.stringify(offer.name)
        }`,
      );
    }
    let out = offer.name;
    for (const [name, value] of offer.params) {
      if (!isToken(name)) {
        throw new TypeError(
          `Cannot format extensions as a parameter name of '${offer.name}' must be a token: current value is ${
            JSON.stringify(name)
          }`,
        );
      }
      out += `; ${name}`;
      if (value !== true) out += `=${formatParamValue(offer.name, value)}`;
    }
    return out;
  }).join(", ");
}

function formatParamValue(extension: string, value: string): string {
  if (isToken(value)) return value;
  let quoted = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isFieldValueChar(code)) {
      throw new TypeError(
        `Cannot format extensions as a parameter value of '${extension}' must hold only HTAB, SP, visible ASCII or 0x80-0xFF: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
    if (code === 0x22 || code === 0x5c) quoted += "\\";
    quoted += value[i];
  }
  return quoted + '"';
}

/** A cursor over one header value; every method advances `pos`. */
class ExtensionScanner {
  #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): ExtensionOffer[] {
    const offers: ExtensionOffer[] = [];
    const text = this.#text;
    this.#skipOws();
    while (this.#pos < text.length) {
      if (text[this.#pos] === ",") { // an empty list element
        this.#pos++;
        this.#skipOws();
        continue;
      }
      offers.push(this.#extension());
      if (this.#pos < text.length && text[this.#pos] !== ",") {
        this.#fail("expected ',' or ';'");
      }
    }
    return offers;
  }

  #extension(): ExtensionOffer {
    const name = this.#token("an extension name");
    const params: ExtensionParam[] = [];
    this.#skipOws();
    while (this.#text[this.#pos] === ";") {
      this.#pos++;
      this.#skipOws();
      const param = this.#token("a parameter name");
      this.#skipOws();
      let value: string | true = true;
      if (this.#text[this.#pos] === "=") {
        this.#pos++;
        this.#skipOws();
        value = this.#text[this.#pos] === '"' ? this.#quoted() : this.#token("a parameter value");
        this.#skipOws();
      }
      params.push([param, value]);
    }
    return { name, params };
  }

  #token(what: string): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && isTokenChar(this.#text.charCodeAt(this.#pos))) {
      this.#pos++;
    }
    if (this.#pos === start) this.#fail(`expected ${what}`);
    return this.#text.slice(start, this.#pos);
  }

  // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; the cursor is on the opening quote.
  #quoted(): string {
    const text = this.#text;
    let value = "";
    this.#pos++;
    while (this.#pos < text.length) {
      const code = text.charCodeAt(this.#pos);
      if (code === 0x22) {
        this.#pos++;
        return value;
      }
      if (code === 0x5c) {
        this.#pos++;
        if (this.#pos >= text.length) break;
        const escaped = text.charCodeAt(this.#pos);
        if (!isFieldValueChar(escaped)) this.#fail("invalid character after '\\'");
      } else if (!isFieldValueChar(code)) {
        this.#fail("invalid character in a quoted string");
      }
      value += text[this.#pos];
      this.#pos++;
    }
    return this.#fail("unterminated quoted string");
  }

  #skipOws(): void {
    const text = this.#text;
    while (this.#pos < text.length && (text[this.#pos] === " " || text[this.#pos] === "\t")) {
      this.#pos++;
    }
  }

  #fail(problem: string): never {
    throw new HandshakeError(
      "BAD_EXTENSION_HEADER",
      400,
      `Sec-WebSocket-Extensions header is malformed at index ${this.#pos}: ${problem}`,
    );
  }
}
