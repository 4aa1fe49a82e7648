// This module is browser compatible.
/**
 * The chat room's messages (JSON text), shared by `server.ts` and `page.ts`. The page connects
 * to `/ws?name=NAME&room=ROOM&client=ID`; `client` is a random id of the tab, so the server and
 * the page recognise the same person across reconnections.
 *
 * @module
 */

export { cleanName, MAX_NAME } from "../_shared/names.ts";

/** Most messages kept per room for late joiners. */
export const HISTORY_SIZE = 50;
/** Longest chat message, in characters. */
export const MAX_TEXT = 2_000;
/** A person in a room (`id` is the tab's client id). */
export interface Member {
  id: string;
  name: string;
}

/** One chat message. `id` is chosen by the sender's page (client id + counter). */
export interface ChatLine {
  id: string;
  from: Member;
  text: string;
  /** Milliseconds since the epoch, server time. */
  at: number;
}

/** Page to server. `typing` is sent volatile (dropped while offline). */
export type ClientMessage =
  | { type: "say"; id: string; text: string }
  | { type: "typing"; typing: boolean };

/** Server to page. */
export type ServerMessage =
  | { type: "welcome"; room: string; you: Member; online: Member[]; history: ChatLine[] }
  | { type: "message"; line: ChatLine }
  | { type: "ack"; id: string; at: number }
  | { type: "joined"; member: Member }
  | { type: "left"; member: Member }
  | { type: "typing"; member: Member; typing: boolean };

/** Parses and checks a page's message; `undefined` for anything malformed. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (
    message.type === "say" && typeof message.id === "string" && message.id.length <= 64 &&
    typeof message.text === "string" && message.text.trim() !== "" &&
    message.text.length <= MAX_TEXT
  ) {
    return { type: "say", id: message.id, text: message.text };
  }
  if (message.type === "typing" && typeof message.typing === "boolean") {
    return { type: "typing", typing: message.typing };
  }
  return undefined;
}
