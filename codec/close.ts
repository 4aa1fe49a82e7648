// This module is browser compatible.
/**
 * The payload of close frames (RFC 6455 section 5.5.1): a 2-byte big-endian status code
 * followed by a UTF-8 reason, or nothing at all.
 *
 * @module
 */

import { isValidWireCloseCode } from "./constants.ts";
import { ProtocolError } from "./errors.ts";

/** Largest reason that fits in a close frame: 125 payload bytes minus the 2-byte code. */
const MAX_REASON_BYTES = 123;

const reasonDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const reasonEncoder = new TextEncoder();

/**
 * Reads the payload of a received close frame.
 *
 * An empty payload means the peer sent no status code: the result is
 * `{ code: 1005, reason: "" }` (1005 NO_STATUS_RECEIVED, which never appears on the wire).
 *
 * @param payload The unmasked payload of a close frame (not modified, not kept).
 * @returns The status code and the reason.
 * @throws {ProtocolError} `INVALID_CLOSE_PAYLOAD` (1002) for a 1-byte payload or one longer
 * than 125 bytes, `INVALID_CLOSE_CODE` (1002) for a code no peer may send (see
 * {@linkcode isValidWireCloseCode}), `INVALID_UTF8` (1007) for a reason that is not UTF-8.
 *
 * @example
 * ```ts
 * import { parseClosePayload } from "@wirely/wirely/codec";
 * const payload = new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]);
 * console.log(parseClosePayload(payload)); // { code: 1000, reason: "bye" }
 * console.log(parseClosePayload(new Uint8Array(0))); // { code: 1005, reason: "" }
 * ```
 */
export function parseClosePayload(payload: Uint8Array): { code: number; reason: string } {
  const length = payload.length;
  if (length === 0) return { code: 1005, reason: "" };
  if (length === 1) {
    throw new ProtocolError(
      "INVALID_CLOSE_PAYLOAD",
      1002,
      "close frame payload of 1 byte: a status code needs 2",
    );
  }
  if (length > MAX_REASON_BYTES + 2) {
    throw new ProtocolError(
      "INVALID_CLOSE_PAYLOAD",
      1002,
      `close frame payload of ${length} bytes: at most 125 are allowed`,
    );
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidWireCloseCode(code)) {
    throw new ProtocolError("INVALID_CLOSE_CODE", 1002, `close code ${code} is not allowed`);
  }
  if (length === 2) return { code, reason: "" };
  let reason: string;
  try {
    reason = reasonDecoder.decode(payload.subarray(2));
  } catch {
    throw new ProtocolError("INVALID_UTF8", 1007, "invalid UTF-8 in a close reason");
  }
  return { code, reason };
}

/**
 * Builds the payload of a close frame to send.
 *
 * @param code The status code: 1000-1003, 1007-1014 or 3000-4999. Omit it to send a close
 * frame without a status code (the peer then reports 1005).
 * @param reason A reason of at most 123 bytes once UTF-8 encoded; only with a `code`.
 * @returns The payload: empty without a code, otherwise 2 bytes of code and the reason.
 * @throws {RangeError} If the code may not be sent or the reason is longer than 123 bytes.
 * @throws {TypeError} If a non-empty reason is given without a code.
 *
 * @example
 * ```ts
 * import { encodeClosePayload } from "@wirely/wirely/codec";
 * console.log(encodeClosePayload(1000, "bye")); // Uint8Array(5) [ 3, 232, 98, 121, 101 ]
 * console.log(encodeClosePayload().length); // 0
 * ```
 */
export function encodeClosePayload(code?: number, reason: string = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") {
      throw new TypeError(
        `Cannot encode close payload as 'reason' needs a 'code': current value of 'reason' is ${
          JSON.stringify(reason)
        }`,
      );
    }
    return new Uint8Array(0);
  }
  if (!Number.isInteger(code) || !isValidWireCloseCode(code)) {
    throw new RangeError(
      `Cannot encode close payload as 'code' must be 1000-1003, 1007-1014 or 3000-4999: current value is ${code}`,
    );
  }
  const reasonBytes = reasonEncoder.encode(reason);
  if (reasonBytes.length > MAX_REASON_BYTES) {
    throw new RangeError(
      `Cannot encode close payload as 'reason' must be at most 123 bytes of UTF-8: current value is ${reasonBytes.length} bytes`,
    );
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}
