/**
 * Dead-peer detection with ping frames: one timer per server, not per connection.
 *
 * Every `interval` milliseconds each open connection that received nothing since the previous
 * tick gets a ping; one that still received nothing (no pong, no data) `timeout` milliseconds
 * later is terminated (its close event says 1006). Connections whose reading is paused (they
 * wait for `for await`) are skipped: their pongs could not be read.
 *
 * Also the application-level heartbeat message browsers can send (they cannot send ping
 * frames): the server answers the text message `HEARTBEAT_PING` (`{"type":"wirely:ping"}`, the
 * client's constant) with `HEARTBEAT_PONG` and does not deliver it (option `heartbeat.appMessage`).
 *
 * @module
 */

/** What the heartbeat needs from a connection. */
export interface HeartbeatMember {
  /** `open`, `closing` or `closed`. */
  readonly state: string;
  /** Total bytes received so far. */
  readonly bytesReceived: number;
  /** Reading paused by the server itself. */
  readonly readPaused: boolean;
  /** Whether ping frames can be sent (not on Deno's native engine, which has its own idle timeout). */
  readonly canPing: boolean;
  /** Sends a ping frame. */
  ping(): void;
  /** Destroys the transport. */
  terminate(): void;
}

/** Pings silent connections and drops the ones that stay silent. */
export class Heartbeat<Member extends HeartbeatMember> {
  readonly #members: ReadonlySet<Member>;
  readonly #interval: number;
  readonly #timeout: number;
  /** Bytes received by each member at the previous tick. */
  #seen = new WeakMap<Member, number>();
  #tickTimer: ReturnType<typeof setInterval> | undefined;
  #deadlineTimers = new Set<ReturnType<typeof setTimeout>>();

  /**
   * @param members The live set of connections to watch.
   * @param interval Milliseconds between ticks (0: never start).
   * @param timeout Milliseconds a pinged connection has to send something.
   */
  constructor(members: ReadonlySet<Member>, interval: number, timeout: number) {
    this.#members = members;
    this.#interval = interval;
    this.#timeout = timeout;
  }

  /** Starts ticking (does nothing when the interval is 0 or it already runs). */
  start(): void {
    if (this.#interval === 0 || this.#tickTimer !== undefined) return;
    this.#tickTimer = setInterval(() => this.tick(), this.#interval);
  }

  /** Stops ticking and forgets pending deadlines. */
  stop(): void {
    if (this.#tickTimer !== undefined) clearInterval(this.#tickTimer);
    this.#tickTimer = undefined;
    for (const timer of this.#deadlineTimers) clearTimeout(timer);
    this.#deadlineTimers.clear();
  }

  /** One round: ping the members that were silent since the last round. */
  tick(): void {
    const pinged: [Member, number][] = [];
    for (const member of this.#members) {
      const received = member.bytesReceived;
      const previous = this.#seen.get(member);
      this.#seen.set(member, received);
      if (member.state !== "open" || member.readPaused || !member.canPing) continue;
      // A new member is first seen now: it gets a full interval before its first ping.
      if (previous === undefined || previous !== received) continue;
      try {
        member.ping();
        pinged.push([member, received]);
      } catch {
        // The connection closed between the state check and the ping: nothing to watch.
      }
    }
    if (pinged.length === 0) return;
    const timer = setTimeout(() => {
      this.#deadlineTimers.delete(timer);
      for (const [member, received] of pinged) {
        if (member.state !== "closed" && member.bytesReceived === received) member.terminate();
      }
    }, this.#timeout);
    this.#deadlineTimers.add(timer);
  }
}
