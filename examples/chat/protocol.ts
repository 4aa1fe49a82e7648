// This module is browser compatible.
/**
 * The chat room's events (wirely's named events, `wirely.v1`), shared by `server.ts` and
 * `page.ts`. The page connects to `/ws?name=NAME&room=ROOM&client=ID`; `client` is a random id
 * of the tab, so the servers and the page recognise the same person across reconnections, also
 * when the page moves to another node.
 *
 * @module
 */

export { cleanName, MAX_NAME } from "../_shared/names.ts";

/** Most messages kept per room for late joiners. */
export const HISTORY_SIZE = 50;
/** Longest chat message, in characters. */
export const MAX_TEXT = 2_000;
/** Longest message id (chosen by the sender's page), in characters. */
export const MAX_ID = 64;
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

/** What a page says: its own id for the line, and the text. */
export interface Say {
  id: string;
  text: string;
}

/** What the server tells a page when its connection is ready (every connection). */
export interface Welcome {
  room: string;
  you: Member;
  online: Member[];
  /** The last {@linkcode HISTORY_SIZE} messages of the room, oldest first. */
  history: ChatLine[];
  /** The node (server process) that serves this connection. */
  node: string;
}

/** Page to server. `typing` is sent only while connected. */
export interface ClientToServer {
  say: (say: Say) => void;
  typing: (typing: boolean) => void;
}

/** Server to page. */
export interface ServerToClient {
  welcome: (welcome: Welcome) => void;
  message: (line: ChatLine) => void;
  /** The server stored the page's message `id` (once, whatever the retransmissions). */
  ack: (ack: { id: string; at: number }) => void;
  joined: (member: Member) => void;
  left: (member: Member) => void;
  typing: (typing: { member: Member; typing: boolean }) => void;
}

/** Checks a page's `say` event; `undefined` for anything malformed. */
export function checkSay(value: unknown): Say | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const say = value as Record<string, unknown>;
  if (
    typeof say.id === "string" && say.id.length > 0 && say.id.length <= MAX_ID &&
    typeof say.text === "string" && say.text.trim() !== "" && say.text.length <= MAX_TEXT
  ) {
    return { id: say.id, text: say.text };
  }
  return undefined;
}
