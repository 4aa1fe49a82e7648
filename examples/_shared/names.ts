// This module is browser compatible.
/**
 * Names and rooms as the example servers accept them (from the WebSocket URL's query).
 *
 * @module
 */

/** Longest name or room, in characters. */
export const MAX_NAME = 32;

/** A trimmed name or room of 1 to {@linkcode MAX_NAME} characters, else `undefined`. */
export function cleanName(value: string | null): string | undefined {
  const trimmed = value?.trim() ?? "";
  return trimmed.length > 0 && trimmed.length <= MAX_NAME ? trimmed : undefined;
}
