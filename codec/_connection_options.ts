// This module is browser compatible.
/**
 * Checks of the options and arguments of {@linkcode Connection}, with the defaults applied once.
 *
 * @module
 */

import type { ConnectionOptions } from "./connection.ts";
import type { Extension } from "./extension.ts";
import type { MaskSource, Role } from "./frame.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, defaultMaxFramesPerMessage } from "./_limits.ts";

/** {@linkcode ConnectionOptions} checked, with every default filled in. */
export interface ConnectionSettings {
  role: Role;
  state: "connecting" | "open";
  maxMessageSize: number;
  maxFramesPerMessage: number;
  allowedRsv: number;
  maskSource: MaskSource | undefined;
  autoPong: boolean;
  extensions: readonly Extension[];
  allocate: ((size: number) => Uint8Array) | undefined;
  copyInput: boolean | undefined;
}

/**
 * Checks `options` and applies the defaults. `allowedRsv`, `allocate` and `maskSource` are checked
 * by the decoder and the encoder.
 *
 * @throws {TypeError} If `role`, `state` or `autoPong` is not one of its allowed values.
 * @throws {RangeError} If a limit is not an integer in range or `Infinity`.
 */
export function resolveConnectionOptions(options: ConnectionOptions): ConnectionSettings {
  const {
    role,
    state = "open",
    maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
    maxFramesPerMessage,
    allowedRsv = 0,
    maskSource,
    autoPong = true,
    extensions = [],
    allocate,
    copyInput,
  } = options;
  if (role !== "client" && role !== "server") {
    throw new TypeError(
      `Cannot create connection as 'role' must be "client" or "server": current value is ${role}`,
    );
  }
  if (state !== "connecting" && state !== "open") {
    throw new TypeError(
      `Cannot create connection as 'state' must be "connecting" or "open": current value is ${state}`,
    );
  }
  if (typeof autoPong !== "boolean") {
    throw new TypeError(
      `Cannot create connection as 'autoPong' must be a boolean: current value is ${autoPong}`,
    );
  }
  if (copyInput !== undefined && typeof copyInput !== "boolean") {
    throw new TypeError(
      `Cannot create connection as 'copyInput' must be a boolean: current value is ${copyInput}`,
    );
  }
  checkLimit("maxMessageSize", maxMessageSize, 0);
  const maxFrames = maxFramesPerMessage ?? defaultMaxFramesPerMessage(maxMessageSize);
  checkLimit("maxFramesPerMessage", maxFrames, 1);
  return {
    role,
    state,
    maxMessageSize,
    maxFramesPerMessage: maxFrames,
    allowedRsv,
    maskSource,
    autoPong,
    extensions,
    allocate,
    copyInput,
  };
}

/** Throws a TypeError naming `action` and `name` if `value` is not a Uint8Array. */
export function checkBytes(action: string, name: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action} as '${name}' must be a Uint8Array`);
  }
}

/** Throws unless `opcode` is a data opcode (0, 1, 2) and `payload` a Uint8Array (sendFrame). */
export function checkDataFrame(opcode: number, payload: Uint8Array): void {
  if (opcode !== 0 && opcode !== 1 && opcode !== 2) {
    throw new RangeError(
      `Cannot send frame as 'opcode' must be 0, 1 or 2 (use ping(), pong() or close() for control frames): current value is ${opcode}`,
    );
  }
  checkBytes("send frame", "payload", payload);
}

/** Returns `maskSource`; throws a TypeError if it is given and not a function (as the encoder). */
export function checkMaskSource(maskSource: MaskSource | undefined): MaskSource | undefined {
  if (maskSource !== undefined && typeof maskSource !== "function") {
    throw new TypeError("Cannot create encoder as 'maskSource' must be a function");
  }
  return maskSource;
}

/** A copy of the negotiated extensions; throws a TypeError if `extensions` is not an array. */
export function copyExtensions(extensions: readonly Extension[]): Extension[] {
  if (!Array.isArray(extensions)) {
    throw new TypeError("Cannot use extensions as 'extensions' must be an array");
  }
  return [...extensions];
}

/** Throws a TypeError unless `code` is a number (fail()). */
export function checkFailCode(code: number): void {
  if (typeof code !== "number") {
    throw new TypeError(
      `Cannot fail connection as 'code' must be a number: current value is ${code}`,
    );
  }
}

function checkLimit(name: string, value: number, min: number): void {
  if (value === Infinity) return;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create connection as '${name}' must be an integer >= ${min} or Infinity: current value is ${value}`,
    );
  }
}
