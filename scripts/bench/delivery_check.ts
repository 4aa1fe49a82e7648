/**
 * The bookkeeping of the delivery benchmark, without I/O: what each receiver got and when it
 * reconnected, what each publisher sent, what the servers accepted (their accept logs), and the
 * comparison of the three.
 *
 * - A receiver is in one room; each room has one publisher, numbering its messages 1, 2, 3...
 * - Expected, for a receiver: every message the servers accepted for its room (each once).
 * - Duplicate: a message received again. Reordered: a message received after a later one of the
 *   same publisher. Unexpected: received but never accepted (must be 0).
 * - A missing message is "unrecoverable" (reported) when the first thing the system told the
 *   receiver after the message was accepted is "not recovered" (at a reconnection, or in a notice
 *   on an open connection: the app refetches its state then); else it is lost silently.
 *
 * @module
 */

/** One receiver's record. */
export class Receiver {
  readonly room: number;
  /** Sequence numbers in the order received. */
  readonly seqs: number[] = [];
  /** Delivery latency of each receipt from the publisher's send, milliseconds. */
  readonly latencies: number[] = [];
  /** Delivery latency of each receipt from the server's acceptance, milliseconds. */
  readonly fromAccepted: number[] = [];
  /** What the system said at each reconnection (and notice): [time, recovered]. */
  readonly results: [at: number, recovered: boolean][] = [];
  /** Why the system said "not recovered", and how often. */
  readonly reasons: Map<string, number> = new Map();

  constructor(room: number) {
    this.room = room;
  }

  /**
   * A message of the room's publisher, sent at `sentAt` (same clock as `now`) and accepted by a
   * server `fromAccepted` milliseconds ago.
   */
  receive(seq: number, sentAt: number, now: number, fromAccepted = 0): void {
    this.seqs.push(seq);
    this.latencies.push(now - sentAt);
    this.fromAccepted.push(fromAccepted);
  }

  /**
   * What the system said at a reconnection, or in a notice on an open connection, at time `at`
   * (the servers' accept-log clock): `false` is "messages may be missing" (with `reason` when
   * it gives one), `true` "everything missed was replayed"; a system that says nothing does not
   * call this.
   */
  reconnected(recovered: boolean, at: number, reason = "not recovered"): void {
    this.results.push([at, recovered]);
    if (!recovered) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  /**
   * Whether a message accepted at `acceptedAt` that never arrived was announced: the first thing
   * the system said after it was accepted is "not recovered" (the app refetches then). Said
   * nothing, or said "recovered": it was lost silently.
   */
  announced(acceptedAt: number): boolean {
    const next = this.results.find(([at]) => at > acceptedAt);
    return next !== undefined && !next[1];
  }
}

/** One publisher's record. */
export interface PublisherRecord {
  room: number;
  /** Messages sent (numbered 1..sent). */
  sent: number;
  /** Messages whose acknowledgement came back. */
  acked: number;
}

/** One line of a server's accept log: room, seq, server time in milliseconds. */
export type Accepted = [room: number, seq: number, at: number];

/** Parses accept logs (`room seq at` per line; a torn last line of a killed server is skipped). */
export function parseAccepted(text: string): Accepted[] {
  const out: Accepted[] = [];
  for (const line of text.split("\n")) {
    const parts = line.split(" ");
    if (parts.length !== 3) continue;
    const [room, seq, at] = parts.map(Number) as [number, number, number];
    if (Number.isInteger(room) && Number.isInteger(seq) && Number.isFinite(at)) {
      out.push([room, seq, at]);
    }
  }
  return out;
}

/** What the benchmark prints for one system. */
export interface DeliveryReport {
  receivers: number;
  publishers: number;
  expected: number;
  delivered: number;
  deliveredPct: number;
  duplicates: number;
  reordered: number;
  unrecoverable: number;
  lostSilently: number;
  unexpected: number;
  p50Ms: number;
  p99Ms: number;
  /** Latency from the server's acceptance (p50, p99), milliseconds. */
  acceptedP50Ms: number;
  acceptedP99Ms: number;
  sent: number;
  accepted: number;
  acceptedTwice: number;
  neverAccepted: number;
  acceptedOutOfOrder: number;
  unacked: number;
  /** "Not recovered" notices by reason. */
  reasons: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Compares what was received with what the servers accepted, and that with what was sent. */
export function compare(
  receivers: readonly Receiver[],
  publishers: readonly PublisherRecord[],
  accepted: readonly Accepted[],
): DeliveryReport {
  const byRoom = new Map<number, Accepted[]>();
  for (const entry of accepted) {
    const list = byRoom.get(entry[0]) ?? [];
    list.push(entry);
    byRoom.set(entry[0], list);
  }
  const acceptedSets = new Map<number, Set<number>>();
  const acceptedAt = new Map<string, number>(); // "room seq" -> first acceptance time
  let acceptedTwice = 0;
  let acceptedOutOfOrder = 0;
  for (const [room, list] of byRoom) {
    list.sort((a, b) => a[2] - b[2]);
    const set = new Set<number>();
    let max = 0;
    for (const [, seq, at] of list) {
      if (!acceptedAt.has(`${room} ${seq}`)) acceptedAt.set(`${room} ${seq}`, at);
      if (set.has(seq)) acceptedTwice++;
      else if (seq < max) acceptedOutOfOrder++;
      set.add(seq);
      if (seq > max) max = seq;
    }
    acceptedSets.set(room, set);
  }
  let sent = 0;
  let neverAccepted = 0;
  let unacked = 0;
  for (const publisher of publishers) {
    sent += publisher.sent;
    unacked += publisher.sent - publisher.acked;
    const set = acceptedSets.get(publisher.room) ?? new Set<number>();
    for (let seq = 1; seq <= publisher.sent; seq++) if (!set.has(seq)) neverAccepted++;
  }
  let expected = 0;
  let delivered = 0;
  let duplicates = 0;
  let reordered = 0;
  let unrecoverable = 0;
  let lostSilently = 0;
  let unexpected = 0;
  const latencies: number[] = [];
  const fromAccepted: number[] = [];
  for (const receiver of receivers) {
    const set = acceptedSets.get(receiver.room) ?? new Set<number>();
    expected += set.size;
    const seen = new Set<number>();
    let max = 0;
    receiver.seqs.forEach((seq, i) => {
      if (seen.has(seq)) return void duplicates++;
      seen.add(seq);
      if (!set.has(seq)) unexpected++;
      else {
        delivered++;
        latencies.push(receiver.latencies[i]!);
        fromAccepted.push(receiver.fromAccepted[i]!);
      }
      if (seq < max) reordered++;
      else max = seq;
    });
    for (const seq of set) {
      if (seen.has(seq)) continue;
      if (receiver.announced(acceptedAt.get(`${receiver.room} ${seq}`)!)) unrecoverable++;
      else lostSilently++;
    }
  }
  latencies.sort((a, b) => a - b);
  fromAccepted.sort((a, b) => a - b);
  const reasons: Record<string, number> = {};
  for (const receiver of receivers) {
    for (const [reason, n] of receiver.reasons) reasons[reason] = (reasons[reason] ?? 0) + n;
  }
  return {
    reasons,
    receivers: receivers.length,
    publishers: publishers.length,
    expected,
    delivered,
    deliveredPct: expected === 0 ? 0 : (100 * delivered) / expected,
    duplicates,
    reordered,
    unrecoverable,
    lostSilently,
    unexpected,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    acceptedP50Ms: percentile(fromAccepted, 0.5),
    acceptedP99Ms: percentile(fromAccepted, 0.99),
    sent,
    accepted: [...acceptedSets.values()].reduce((sum, set) => sum + set.size, 0),
    acceptedTwice,
    neverAccepted,
    acceptedOutOfOrder,
    unacked,
  };
}

/** The benchmark's lines for one system; the last one is the `delivery:` summary. */
export function formatReport(system: string, report: DeliveryReport): string[] {
  const pct = report.deliveredPct.toFixed(report.deliveredPct === 100 ? 0 : 2);
  return [
    `${system}: ${report.receivers} receivers, ${report.publishers} publishers; ` +
    `expected ${report.expected} deliveries, delivered ${report.delivered} (${pct}%), ` +
    `duplicates ${report.duplicates}, reordered ${report.reordered}, ` +
    `unrecoverable (reported) ${report.unrecoverable}, lost silently ${report.lostSilently}, ` +
    `unexpected ${report.unexpected}; latency p50 ${report.p50Ms.toFixed(1)} ms, ` +
    `p99 ${report.p99Ms.toFixed(1)} ms (from the publisher's send; from the server's ` +
    `acceptance p50 ${report.acceptedP50Ms.toFixed(1)} ms, p99 ${
      report.acceptedP99Ms.toFixed(1)
    } ms)`,
    `${system}: publishers sent ${report.sent}, accepted ${report.accepted}, ` +
    `accepted twice ${report.acceptedTwice}, never accepted ${report.neverAccepted}, ` +
    `accepted out of order ${report.acceptedOutOfOrder}, unacknowledged ${report.unacked}; ` +
    `"not recovered" notices ${
      Object.entries(report.reasons).map(([reason, n]) => `${reason} ${n}`).join(", ") || "none"
    }`,
    `delivery: ${system} delivered=${pct}% duplicates=${report.duplicates} ` +
    `reordered=${report.reordered} unrecoverable=${report.unrecoverable}`,
  ];
}
