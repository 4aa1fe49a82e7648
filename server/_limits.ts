/**
 * The per-connection limits every transport applies, in one place: the incoming message size
 * (the codec checks it on the frame header; a message transport gets the message whole and
 * checks it here) and the outgoing cap (`maxBufferedBytes`, checked before each write; over half
 * of it after a write pauses reading where the transport can).
 *
 * @module
 */

const utf8 = new TextEncoder();

/** Whether a whole message is over `max` bytes (text measured as UTF-8). */
export function messageTooBig(data: string | Uint8Array, max: number): boolean {
  if (data.length > max) return true;
  // UTF-8 takes 1-3 bytes per UTF-16 unit: only text between max / 3 and max is measured.
  return typeof data === "string" && data.length * 3 > max && utf8.encode(data).length > max;
}

/** Who a writer tells about a slow consumer. */
export interface SlowConsumerHandler {
  /**
   * A write found more than the cap waiting: returns `true` if it failed the connection (the
   * write is then dropped), `false` to write anyway (a close frame).
   */
  slow(): boolean;
  /** A write left more than half the cap waiting: pause reading until the socket drains. */
  backlog(): void;
}

/** The slow-consumer check before a write: `false` when the write must be dropped. */
export function mayWrite(buffered: number, max: number, owner: SlowConsumerHandler): boolean {
  return !(buffered > max && owner.slow());
}

/** After a write the socket refused more: over half the cap waiting pauses reading. */
export function afterRefusedWrite(buffered: number, max: number, owner: SlowConsumerHandler): void {
  if (buffered > max / 2) owner.backlog();
}

/** Whether reading paused for the backlog may resume (the socket drained to half the cap). */
export function backlogDrained(buffered: number, max: number): boolean {
  return buffered <= max / 2;
}
