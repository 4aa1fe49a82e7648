/**
 * Log entries as the server side of recovery handles them: who receives one, a record of a
 * frame, its prepared message, the session packets of a frame.
 *
 * @module
 */

import { PreparedMessage } from "../server/prepared_message.ts";
import type { LogEntry, LogRecord } from "./store.ts";
import type { Frame } from "./wire.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether the session `key` in `rooms` is a recipient of `entry`. */
export function matches(entry: LogEntry, key: string, rooms: ReadonlySet<string>): boolean {
  if (entry.session !== undefined) return entry.session === key;
  if (entry.exceptSessions.includes(key)) return false;
  if (entry.rooms.length > 0 && !entry.rooms.some((room) => rooms.has(room))) return false;
  return !entry.exceptRooms.some((room) => rooms.has(room));
}

/** A log record of a frame. */
export function record(
  frame: Frame,
  where: {
    rooms?: readonly string[];
    exceptRooms?: readonly string[];
    exceptSessions?: readonly string[];
    session?: string;
  },
): LogRecord {
  const binary = typeof frame !== "string";
  return {
    rooms: where.rooms ?? [],
    exceptRooms: where.exceptRooms ?? [],
    exceptSessions: where.exceptSessions ?? [],
    ...(where.session === undefined ? {} : { session: where.session }),
    binary,
    payload: binary ? frame : encoder.encode(frame),
  };
}

export function toPrepared(entry: LogEntry): PreparedMessage {
  return new PreparedMessage(entry.binary ? entry.payload : decoder.decode(entry.payload));
}

/** A session packet of `kind` (`["h", ...]`, `["q", n]`), or `undefined`. */
export function control(frame: Frame, kind: string): unknown[] | undefined {
  if (typeof frame !== "string" || frame[2] !== kind || frame[3] !== '"') return undefined;
  try {
    const packet = JSON.parse(frame);
    return Array.isArray(packet) && packet[0] === kind ? packet : undefined;
  } catch {
    return undefined;
  }
}
