// This module is browser compatible.
/**
 * Opcodes and close codes of RFC 6455, named as in the IANA registry.
 *
 * @module
 */

/**
 * Frame opcodes (RFC 6455 section 5.2).
 *
 * @example
 * ```ts
 * import { Opcode } from "@wirely/wirely/codec";
 * console.log(Opcode.TEXT, Opcode.PING); // 1 9
 * ```
 */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One of the opcodes RFC 6455 defines (reserved ones are rejected by the decoder). */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/**
 * Whether an opcode is a control opcode (close, ping, pong, or reserved 0xB-0xF).
 *
 * @param opcode A 4-bit opcode.
 * @returns `true` for 0x8-0xF.
 *
 * @example
 * ```ts
 * import { isControlOpcode } from "@wirely/wirely/codec";
 * console.log(isControlOpcode(0x9), isControlOpcode(0x1)); // true false
 * ```
 */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/**
 * Close codes (RFC 6455 section 7.4 and the IANA registry).
 *
 * @example
 * ```ts
 * import { CloseCode } from "@wirely/wirely/codec";
 * console.log(CloseCode.MESSAGE_TOO_BIG); // 1009
 * ```
 */
export const CloseCode = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never on the wire: no status code was present in the close frame. */
  NO_STATUS_RECEIVED: 1005,
  /** Never on the wire: the connection closed without a close frame. */
  ABNORMAL_CLOSURE: 1006,
  INVALID_FRAME_PAYLOAD_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Never on the wire: the TLS handshake failed. */
  TLS_HANDSHAKE: 1015,
} as const;

/**
 * Whether a close code may appear in a close frame on the wire: 1000-1003, 1007-1014 and
 * 3000-4999. Everything else (0-999, 1004-1006, 1015, 1016-2999, >= 5000) is a protocol error.
 *
 * @param code A close code read from a close frame.
 * @returns `true` if a peer may send it.
 *
 * @example
 * ```ts
 * import { isValidWireCloseCode } from "@wirely/wirely/codec";
 * console.log(isValidWireCloseCode(1000), isValidWireCloseCode(1005)); // true false
 * ```
 */
export function isValidWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}
