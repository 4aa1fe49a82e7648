/**
 * The table of the permessage-deflate benchmark (`bench_deflate.ts`): its contenders, what each
 * scenario measured, and the Markdown table with the ratios wirely/ws.
 *
 * @module
 */

export const LABELS = ["wirely", "ws", "ws-matched"] as const;
export type Label = (typeof LABELS)[number];
export const HEADS: Record<Label, string> = {
  wirely: "wirely",
  ws: "ws (defaults)",
  "ws-matched": "ws (matched)",
};

export interface Round {
  rate: number;
  wirePerMsg: number;
  compressedShare: number;
  serverCpu: number;
  loadCpu: number;
}

export type Cells = Record<Label, Round>;

export interface Memory {
  /** RSS per idle connection without deflate, KiB. */
  plain: number;
  /** RSS per idle connection with deflate negotiated, KiB. */
  deflate: number;
  /** RSS per connection after each sent and received 4 compressed messages, KiB. */
  traffic: number;
  /** The same three, V8 heap in use per connection, KiB. */
  heap: [number, number, number];
  /** The same three, V8 heap committed (`heapTotal`, part of the RSS) per connection, KiB. */
  committed: [number, number, number];
  /** The same three, Node's `external` (zlib and Buffers) per connection, KiB. */
  external: [number, number, number];
}

export interface Burst {
  connections: number;
  baseMiB: number;
  peakMiB: number;
  afterMiB: number;
  perConnKiB: number;
  ms: number;
  ok: boolean;
}

const human = (value: number) =>
  value >= 1e6
    ? `${(value / 1e6).toFixed(2)} M`
    : value >= 1e4
    ? `${(value / 1e3).toFixed(1)} k`
    : value.toFixed(value >= 100 ? 0 : 1);

/** The Markdown table of one run, with notes (RSV1 share, generator CPU, memory profile). */
export function table(
  echo: Cells,
  broadcast: Cells,
  mem: Record<Label, Memory>,
  bursts: Record<Label, Burst>,
  idle: number,
): string {
  const IDLE = idle;
  const head = [
    "scenario",
    "unit",
    ...LABELS.map((l) => HEADS[l]),
    "wirely/ws",
    "wirely/ws-matched",
    "goal",
  ];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  const row = (
    name: string,
    unit: string,
    value: (label: Label) => number,
    format: (v: number) => string,
    goal: string,
  ) => {
    const ratio = (other: Label) => `${(value("wirely") / value(other)).toFixed(2)}x`;
    const cells = LABELS.map((l) => format(value(l)));
    lines.push(`| ${[name, unit, ...cells, ratio("ws"), ratio("ws-matched"), goal].join(" | ")} |`);
  };
  const f1 = (v: number) => v.toFixed(1);
  const f0 = (v: number) => v.toFixed(0);
  row("echo 1 KiB JSON, 50 connections", "messages/s", (l) => echo[l].rate, human, ">= 2x");
  row(
    "  wire bytes per echoed message (server to client)",
    "B",
    (l) => echo[l].wirePerMsg,
    f0,
    "-",
  );
  row("  server CPU", "% of a core", (l) => echo[l].serverCpu, f0, "-");
  row(
    "broadcast 1 KiB JSON, 1 sender to 500",
    "deliveries/s",
    (l) => broadcast[l].rate,
    human,
    ">= 2x",
  );
  row("  wire bytes per delivery", "B", (l) => broadcast[l].wirePerMsg, f0, "-");
  row("  server CPU", "% of a core", (l) => broadcast[l].serverCpu, f0, "-");
  row(`RSS per idle connection, no deflate (${IDLE})`, "KiB", (l) => mem[l].plain, f1, "-");
  row(
    `RSS per idle connection, deflate negotiated (${IDLE})`,
    "KiB",
    (l) => mem[l].deflate,
    f1,
    "<= no deflate + 1 KiB",
  );
  row(
    `RSS per connection after 4 echoed messages each (${IDLE})`,
    "KiB",
    (l) => mem[l].traffic,
    f1,
    "<= ws",
  );
  const n = bursts.wirely.connections;
  row(
    `burst: ${n} connections, 1 message each, peak RSS`,
    "MiB",
    (l) => bursts[l].peakMiB,
    f1,
    "bounded",
  );
  row(
    "  peak RSS above the empty server, per connection",
    "KiB",
    (l) => bursts[l].perConnKiB,
    f1,
    "-",
  );
  row("  RSS after the burst (connections open, GC)", "MiB", (l) => bursts[l].afterMiB, f1, "-");
  row("  connect + exchange time", "ms", (l) => bursts[l].ms, f0, "-");
  const share = LABELS.map((l) => `${l} ${(100 * echo[l].compressedShare).toFixed(0)}%`).join(", ");
  const load = Math.max(...LABELS.map((l) => Math.max(echo[l].loadCpu, broadcast[l].loadCpu)));
  return `${lines.join("\n")}\n\nEchoes compressed (RSV1): ${share}. Generator CPU at most ${
    load.toFixed(0)
  }% of its core. Burst complete (every echo back, compressed): ${
    LABELS.map((l) => `${l} ${bursts[l].ok ? "yes" : "NO"}`).join(", ")
  }.\n\nPer connection, KiB, as no deflate idle / deflate idle / after traffic — ${
    LABELS.map((l) => {
      const list = (values: number[]) => values.map((v) => v.toFixed(1)).join(" / ");
      const m = mem[l];
      return `${l}: heap used ${list(m.heap)}, heap committed ${list(m.committed)}, external ${
        list(m.external)
      }`;
    }).join("; ")
  }.`;
}
