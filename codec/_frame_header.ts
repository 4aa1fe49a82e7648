// This module is browser compatible.
/**
 * The rules {@linkcode FrameDecoder} checks on a frame header (RFC 6455 section 5.2), and the
 * validation of its options. Each check runs once per header, never per payload byte.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import type { Role } from "./frame.ts";

const OPCODE_NAMES: Record<number, string> = {
  0: "continuation",
  1: "text",
  2: "binary",
  8: "close",
  9: "ping",
  10: "pong",
};

/** "text frame", "frame with opcode 3": how error messages name a frame. */
function frameName(opcode: number): string {
  const name = OPCODE_NAMES[opcode];
  return name ? `${name} frame` : `frame with opcode ${opcode}`;
}

/** Checks the decoder's `role` and `allowedRsv` options. */
export function checkDecoderOptions(role: Role, allowedRsv: number): void {
  if (role !== "client" && role !== "server") {
    throw new TypeError(
      `Cannot create decoder as 'role' must be "client" or "server": current value is ${
        String(role)
      }`,
    );
  }
  if (!Number.isInteger(allowedRsv) || allowedRsv < 0 || allowedRsv > 7) {
    throw new RangeError(
      `Cannot create decoder as 'allowedRsv' must be an integer 0-7: current value is ${allowedRsv}`,
    );
  }
}

/** Returns `value` if it is a valid `maxPayloadSize`, else throws a `RangeError`. */
export function checkMaxPayloadSize(value: number): number {
  if (
    typeof value !== "number" || !(value >= 0) || !(Number.isInteger(value) || value === Infinity)
  ) {
    throw new RangeError(
      `Cannot set decoder limit as 'maxPayloadSize' must be an integer >= 0 or Infinity: current value is ${value}`,
    );
  }
  return value;
}

/**
 * Checks the first two header bytes: RSV bits against `allowedRsv`, reserved opcodes, the
 * control frame rules, and the mask bit against our role (`server`: frames must be masked).
 */
export function checkHeader(b0: number, b1: number, allowedRsv: number, server: boolean): void {
  const opcode = b0 & 0x0f;
  const rsv = (b0 >> 4) & 7;
  if ((rsv & ~allowedRsv) !== 0) {
    const names = [(rsv & 4) && "RSV1", (rsv & 2) && "RSV2", (rsv & 1) && "RSV3"]
      .filter(Boolean).join(", ");
    throw new ProtocolError(
      "RESERVED_BITS",
      1002,
      `${frameName(opcode)} has ${names} set, which no negotiated extension allows`,
    );
  }
  if ((opcode > 2 && opcode < 8) || opcode > 10) {
    throw new ProtocolError("RESERVED_OPCODE", 1002, `opcode ${opcode} is reserved`);
  }
  if (opcode >= 8) {
    if ((b1 & 0x7f) > 125) {
      throw new ProtocolError(
        "CONTROL_FRAME_TOO_LONG",
        1002,
        `${frameName(opcode)} payload is longer than 125 bytes`,
      );
    }
    if ((b0 & 0x80) === 0) {
      throw new ProtocolError(
        "FRAGMENTED_CONTROL_FRAME",
        1002,
        `${frameName(opcode)} is fragmented (FIN is clear)`,
      );
    }
  }
  const masked = (b1 & 0x80) !== 0;
  if (masked !== server) {
    if (masked) {
      throw new ProtocolError("MASKED_FRAME", 1002, "a server must not mask its frames");
    }
    throw new ProtocolError("UNMASKED_FRAME", 1002, "a client must mask its frames");
  }
}

/** Reads a 64-bit extended payload length at `source[at..at + 8)`; the top bit must be clear. */
export function readLength64(source: Uint8Array, at: number): number {
  const high = source[at]!;
  if ((high & 0x80) !== 0) {
    throw new ProtocolError(
      "LENGTH_OUT_OF_RANGE",
      1002,
      "64-bit payload length has its most significant bit set",
    );
  }
  return ((high << 24) | (source[at + 1]! << 16) | (source[at + 2]! << 8) | source[at + 3]!) *
      0x100000000 +
    (((source[at + 4]! << 24) | (source[at + 5]! << 16) | (source[at + 6]! << 8) |
      source[at + 7]!) >>> 0);
}

/** The error for a data frame whose announced length is over the limit. */
export function frameTooBig(opcode: number, length: number, limit: number): ProtocolError {
  return new ProtocolError(
    "FRAME_TOO_BIG",
    1009,
    `${frameName(opcode)} of ${length} bytes exceeds the limit of ${limit}`,
  );
}
