// This module is browser compatible.
/**
 * Checks of the options and arguments of {@linkcode Connection}, with the defaults applied once.
 *
 * @module
 */

import type { ConnectionOptions } from "./connection.ts";
import type { MaskSource, Role } from "./frame.ts";
import { defaultMaxFramesPerMessage } from "./_limits.ts";

/** {@linkcode ConnectionOptions} checked, with every default filled in. */
export interface ConnectionSettings {
  role: Role;
  state: "connecting" | "open";
  maxMessageSize: number;
  maxFramesPerMessage: number;
  allowedRsv: number;
  maskSource: MaskSource | undefined;
  autoPong: boolean;
}

/**
 * Checks `options` and applies the defaults. `allowedRsv` and `maskSource` are checked by the
 * decoder and the encoder.
 *
 * @throws {TypeError} If `role`, `state` or `autoPong` is not one of its allowed values.
 * @throws {RangeError} If a limit is not an integer in range or `Infinity`.
 */
export function resolveConnectionOptions(options: ConnectionOptions): ConnectionSettings {
  const {
    role,
    state = "open",
    maxMessageSize = 1_048_576,
    maxFramesPerMessage,
    allowedRsv = 0,
    maskSource,
    autoPong = true,
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
  };
}

/** Throws a TypeError naming `action` and `name` if `value` is not a Uint8Array. */
export function checkBytes(action: string, name: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action} as '${name}' must be a Uint8Array`);
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
