/**
 * The suite's own permessage-deflate (RFC 7692) peer side: checks the target's
 * `Sec-WebSocket-Extensions` answer against the offer, compresses what the suite sends and
 * inflates what the target sends, over `node:zlib` directly. Like `_wire.ts`, it does not use
 * the codec it tests.
 *
 * @module
 */

import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { concat } from "./_wire.ts";

const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const NAME = "permessage-deflate";

/** One element of a `Sec-WebSocket-Extensions` value: a name and its parameters in order. */
export interface ExtensionElement {
  /** The extension token, lower case. */
  name: string;
  /** Parameters: lower-case name and value (`undefined` for a bare parameter). */
  params: [string, string | undefined][];
}

/** Parses a `Sec-WebSocket-Extensions` value (quoted values are unquoted; no commas inside). */
export function parseExtensionHeader(value: string): ExtensionElement[] {
  return value.split(",").map((element) => element.trim()).filter((element) => element !== "")
    .map((element) => {
      const [name = "", ...params] = element.split(";").map((part) => part.trim());
      return {
        name: name.toLowerCase(),
        params: params.filter((param) => param !== "").map((param) => {
          const eq = param.indexOf("=");
          if (eq === -1) return [param.toLowerCase(), undefined];
          return [
            param.slice(0, eq).trim().toLowerCase(),
            param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"),
          ];
        }),
      };
    });
}

/** What an accepted answer means for the suite. */
export interface DeflateSession {
  /** The target compresses each message on its own (no shared window between messages). */
  serverNoContextTakeover: boolean;
  /** Largest LZ77 window the suite may compress with, in bits (8-15). */
  clientWindowBits: number;
}

const KNOWN = [
  "server_no_context_takeover",
  "client_no_context_takeover",
  "server_max_window_bits",
  "client_max_window_bits",
];

function bits(value: string | undefined): number | undefined {
  return value !== undefined && /^(8|9|1[0-5])$/.test(value) ? Number(value) : undefined;
}

/** Whether `answer` accepts `offer` (RFC 7692 7.1); a string says why not. */
function acceptsOffer(offer: ExtensionElement, answer: ExtensionElement): DeflateSession | string {
  const offered = new Map(offer.params);
  const answered = new Map<string, string | undefined>();
  for (const [name, value] of answer.params) {
    if (!KNOWN.includes(name)) return `unknown parameter ${name}`;
    if (answered.has(name)) return `parameter ${name} twice`;
    answered.set(name, value);
  }
  for (const name of KNOWN.slice(0, 2)) {
    if (answered.has(name) && answered.get(name) !== undefined) return `${name} has a value`;
  }
  if (offered.has("server_no_context_takeover") && !answered.has("server_no_context_takeover")) {
    return "server_no_context_takeover was offered but not answered";
  }
  const serverBits = answered.get("server_max_window_bits");
  const serverOffered = bits(offered.get("server_max_window_bits"));
  if (answered.has("server_max_window_bits")) {
    if (bits(serverBits) === undefined) return `server_max_window_bits=${serverBits}`;
    if (serverOffered !== undefined && bits(serverBits)! > serverOffered) {
      return `server_max_window_bits=${serverBits} is above the offered ${serverOffered}`;
    }
  } else if (serverOffered !== undefined) {
    return `server_max_window_bits=${serverOffered} was offered but not answered`;
  }
  const clientOffered = offered.has("client_max_window_bits");
  const clientOfferedBits = bits(offered.get("client_max_window_bits"));
  let clientWindowBits = clientOfferedBits ?? 15;
  if (answered.has("client_max_window_bits")) {
    const value = bits(answered.get("client_max_window_bits"));
    if (!clientOffered) return "client_max_window_bits was answered but not offered";
    if (value === undefined) {
      return `client_max_window_bits=${answered.get("client_max_window_bits")}`;
    }
    if (value > clientWindowBits) {
      return `client_max_window_bits=${value} is above the offered ${clientOfferedBits}`;
    }
    clientWindowBits = value;
  }
  return { serverNoContextTakeover: answered.has("server_no_context_takeover"), clientWindowBits };
}

/**
 * Checks the target's answer to `offer` (a list of permessage-deflate offers): exactly one
 * permessage-deflate element, valid for one of the offers. Returns what it means, or why it is
 * invalid.
 */
export function checkDeflateAnswer(offer: string, answer: string): DeflateSession | string {
  const answers = parseExtensionHeader(answer);
  if (answers.length !== 1 || answers[0]!.name !== NAME) {
    return `the answer is not one ${NAME} element`;
  }
  const reasons: string[] = [];
  for (const candidate of parseExtensionHeader(offer)) {
    const result = acceptsOffer(candidate, answers[0]!);
    if (typeof result !== "string") return result;
    reasons.push(result);
  }
  return reasons.join(" / ");
}

/**
 * One message compressed as RFC 7692 7.2.1 says (a sync-flushed raw deflate stream without its
 * final `00 00 ff ff`), with an LZ77 window of at most `windowBits`. Below 9 bits (zlib's raw
 * minimum) it uses stored blocks, which refer to no window at all.
 */
export function deflateMessage(data: Uint8Array, windowBits: number): Uint8Array {
  const out = deflateRawSync(data, {
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits: Math.max(9, windowBits),
    level: windowBits < 9 ? 0 : 6,
  });
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const tail = bytes.subarray(bytes.length - 4);
  if (!tail.every((byte, i) => byte === TRAILER[i])) {
    throw new Error("zlib's sync flush did not end with 00 00 ff ff");
  }
  return bytes.subarray(0, bytes.length - 4);
}

/**
 * Inflates the target's messages. With context takeover a message may refer to earlier ones:
 * the inflater then inflates all compressed messages so far as one stream and returns the new
 * output (quadratic, but the cases send few messages).
 */
export class MessageInflater {
  readonly #takeover: boolean;
  #history: Uint8Array[] = [];
  #produced = 0;

  /** @param takeover Whether the target may keep its window between messages. */
  constructor(takeover: boolean) {
    this.#takeover = takeover;
  }

  /** The inflated message; throws `Error` if `data` is not valid deflate data. */
  inflate(data: Uint8Array): Uint8Array {
    const chunk = concat([data, TRAILER]);
    const options = { finishFlush: constants.Z_SYNC_FLUSH };
    if (!this.#takeover) return new Uint8Array(inflateRawSync(chunk, options));
    this.#history.push(chunk);
    const all = inflateRawSync(concat(this.#history), options);
    const out = new Uint8Array(all.subarray(this.#produced));
    this.#produced = all.length;
    return out;
  }
}
