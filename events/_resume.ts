/**
 * What a `wirely.v1` hello reads from the store to resume a session: the claim (waiting, a
 * bounded time, for events in doubt) and the replay of the log after the client's position.
 *
 * @module
 */

import type { ServerConnection } from "../server/connection.ts";
import type { RecoveryReason } from "./session.ts";
import type { RecoveryStore, SessionClaim } from "./store.ts";
import { matches, toPrepared } from "./_entries.ts";

/** Entries read per replay page. */
const PAGE = 500;
/** Milliseconds a resumed session waits for events in doubt (see {@linkcode claimSession}). */
const IN_DOUBT_WAIT = 5_000;

/**
 * Claims a session. Events written but not yet handled by the previous connection's server
 * are in doubt: wait (a bounded time) for that server to hand them to its handlers; when it
 * does not (it died), they will be handled here when the client sends them again.
 */
export async function claimSession(
  store: RecoveryStore,
  ttl: number,
  id: string,
  conn: ServerConnection<unknown>,
): Promise<SessionClaim | undefined> {
  const start = Date.now();
  let claimed = await store.claimSession(id, ttl);
  // The store counts the doubt across reconnections (else a client cut more often than the
  // wait would never get through); a store that does not is bounded here, per connection.
  const wait = Math.min(IN_DOUBT_WAIT, ttl);
  while (
    claimed !== undefined && claimed.record.handled < claimed.record.seq &&
    (claimed.inDoubt ?? Date.now() - start) < wait && Date.now() - start < wait &&
    conn.state === "open"
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    claimed = await store.claimSession(id, ttl);
  }
  return claimed;
}

/** The position a replay reads from and moves on; a gap record met on the way is told. */
export interface ReplayPosition {
  /** The offset read after (a gap reported meanwhile may move it). */
  offset(): number;
  /** The replay got past `offset`; `gap`: it was a gap record (events may be missing). */
  moveTo(offset: number, gap: boolean): void;
}

/**
 * Sends `conn` the entries of `epoch` after the position that are for the session `key`, each
 * after its `["p",offset]`: how many, or a reason when the store cannot replay from there.
 */
export async function replay(
  store: RecoveryStore,
  conn: ServerConnection<unknown>,
  key: string,
  epoch: string,
  position: ReplayPosition,
): Promise<number | RecoveryReason> {
  let sent = 0;
  for (let page = 0; page < 100_000; page++) {
    // The client went on elsewhere: reading more is wasted (a new connection replays again).
    if (conn.state !== "open") return sent;
    const read = await store.read(epoch, position.offset(), PAGE);
    if ("reason" in read) return read.reason;
    for (const entry of read.entries) {
      if (entry.gap === true) {
        // Events went out unlogged before this entry (a store outage): some may be missing.
        position.moveTo(entry.offset, true);
        continue;
      }
      if (matches(entry, key, conn.rooms) && conn.state === "open") {
        conn.send(`["p",${entry.offset}]`);
        conn.sendPrepared(toPrepared(entry));
        sent++;
      }
      position.moveTo(entry.offset, false);
    }
    if (read.entries.length === 0 || position.offset() >= read.end) return sent;
  }
  return sent;
}
