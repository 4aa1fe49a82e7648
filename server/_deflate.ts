/**
 * The server's `perMessageDeflate` option: validation (on every engine, at startup), the
 * negotiator the codec engine runs at each upgrade, and the native engine's refusal of an
 * explicit request. Runtime-neutral: the compressor (a `DeflateBinding`) is handed in by the
 * binding that has `node:zlib`.
 *
 * @module
 */

import type { ExtensionNegotiator } from "../codec/extension.ts";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";
import { perMessageDeflateServer } from "../codec/permessage_deflate_server.ts";
import type { PerMessageDeflateServerOptions } from "./option_types.ts";
import type { ServerOptions } from "./types.ts";

/** Never called: it stands in for the compressor when the settings are only checked. */
const NO_BINDING: DeflateBinding = {
  deflate: () => new Uint8Array(0),
  inflate: () => undefined,
};

/**
 * The settings of `perMessageDeflate`, checked; `undefined` when it is `false`.
 *
 * @throws {TypeError} If the option is not a boolean or an object.
 * @throws {RangeError} If a setting is out of range.
 */
export function deflateSettings(
  option: ServerOptions<unknown>["perMessageDeflate"],
): PerMessageDeflateServerOptions | undefined {
  if (option === undefined || option === true) return {};
  if (option === false) return undefined;
  if (option === null || typeof option !== "object") {
    throw new TypeError(
      `Cannot create server as 'perMessageDeflate' must be a boolean or an object: current value is ${
        String(option)
      }`,
    );
  }
  const { serverMaxWindowBits } = option;
  if (serverMaxWindowBits === 8) {
    // zlib cannot compress with an 8-bit window: the server would never compress.
    throw new RangeError(
      "Cannot create server as 'perMessageDeflate.serverMaxWindowBits' must be an integer 9-15: current value is 8",
    );
  }
  perMessageDeflateServer(NO_BINDING, option); // checks the settings
  return option;
}

/**
 * The negotiator of a codec engine's server: `undefined` when compression is off or the runtime
 * has no compressor.
 */
export function deflateNegotiator(
  options: ServerOptions<unknown>,
  binding: DeflateBinding | undefined,
): ExtensionNegotiator | undefined {
  const settings = deflateSettings(options.perMessageDeflate);
  if (settings === undefined || binding === undefined) return undefined;
  return perMessageDeflateServer(binding, settings);
}

/**
 * For an engine without permessage-deflate (Deno's and Bun's native sockets): the default is
 * silently off, an explicit request is a mistake the caller hears about before any I/O.
 *
 * @throws {TypeError} If `perMessageDeflate` is `true` or an object.
 */
export function refuseDeflate(options: ServerOptions<unknown>, where: string): void {
  const option = options.perMessageDeflate;
  if (option === undefined || option === false) return;
  throw new TypeError(
    `Cannot ${where} with 'perMessageDeflate' as the native engine has no permessage-deflate: ` +
      `use the codec engine (engine: "codec"), or leave 'perMessageDeflate' unset or false`,
  );
}
