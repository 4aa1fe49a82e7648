// Smoke test of the delivery benchmark: the bookkeeping on hand-made records, then a `--quick`
// run of `bench_delivery.ts` (a few seconds of chaos per system, a real Redis, real server
// processes), checking only that its output is well-formed and its counts consistent (no rates,
// no timing assertions).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { compare, formatReport, parseAccepted, Receiver } from "./delivery_check.ts";
import { line, openReceiver, type Tally } from "./delivery_receiver.ts";

const REDIS = "/usr/bin/redis-server";

/** The parts of Deno this test uses (it runs the benchmark script with Deno only). */
interface DenoRunner {
  execPath(): string;
  Command: new (
    command: string,
    options: { args: string[]; stdout: "piped"; stderr: "piped" },
  ) => { output(): Promise<{ success: boolean; stdout: Uint8Array; stderr: Uint8Array }> };
}
const deno = (globalThis as { Deno?: DenoRunner }).Deno;

describe("delivery benchmark", () => {
  it("counts delivered, duplicates, reordered, reported gaps and silent losses", () => {
    const accepted = parseAccepted("0 1 10\n0 2 11\n0 3 12\n0 4 13\n0 5 14\n0 2 15\n1 1 1\n0 9");
    const a = new Receiver(0); // 1, 3, 2 (reordered), 3 (duplicate); then told "not recovered"
    for (const seq of [1, 3, 2, 3]) a.receive(seq, 0, 1);
    a.reconnected(true, 12.5); // 4 and 5 come after this: the next notice counts
    a.reconnected(false, 20, "outage");
    const b = new Receiver(0); // 1 and 5; 2 and 3 missing before a "recovered", 4 after none
    b.receive(1, 0, 2);
    b.reconnected(true, 12.5);
    b.receive(5, 0, 2);
    const report = compare([a, b], [{ room: 0, sent: 6, acked: 5 }], accepted);
    assert.equal(report.expected, 10);
    assert.equal(report.delivered, 5);
    assert.equal(report.deliveredPct, 50);
    assert.equal(report.duplicates, 1);
    assert.equal(report.reordered, 1);
    assert.equal(report.unrecoverable, 2);
    assert.equal(report.lostSilently, 3);
    assert.equal(report.acceptedTwice, 1);
    assert.equal(report.neverAccepted, 1);
    assert.equal(report.unacked, 1);
    assert.deepEqual(report.reasons, { outage: 1 });
    assert.equal(report.p50Ms, 1);
    assert.equal(report.p99Ms, 2);
    assert.match(
      formatReport("wirely", report).at(-1)!,
      /^delivery: wirely delivered=50\.00% duplicates=1 reordered=1 unrecoverable=2$/,
    );
  });

  it("the broadcast receiver counts only each next event, byte for byte", async () => {
    const frame = (text: string): Uint8Array => {
      const payload = new TextEncoder().encode(text);
      return new Uint8Array([0x81, payload.length, ...payload]); // all < 126 bytes
    };
    const said = (data: unknown): Uint8Array => frame(`["e","said",0,${JSON.stringify(data)}]`);
    const peers: Socket[] = [];
    let pong: Uint8Array | undefined;
    const server = createServer((socket) => {
      peers.push(socket);
      socket.once("data", () => {
        socket.on("data", (chunk: Uint8Array) => {
          // The receiver's answer to the ping below: a masked pong with the ping's payload.
          if (chunk[0] === 0x8a && chunk[1] === 0x82) {
            pong = chunk.subarray(6, 8).map((byte, i) => byte ^ chunk[2 + i]!);
          }
        });
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
        socket.write(frame('["e","joined",0]'));
        const two = said(line(2));
        const chunks = [
          new Uint8Array([0x89, 2, 0x61, 0x62]), // a ping: answered, not counted
          said(line(1)),
          two.subarray(0, 5), // a frame split over two reads
          two.subarray(5),
          said(line(2)), // a duplicate
          said(line(4)), // a gap
          said(line(3)),
          said({ n: 4, text: "other text" }), // other bytes
          new Uint8Array([0x82, 1, 0]), // a binary frame
        ];
        let i = 0;
        const next = (): void => {
          if (i < chunks.length) socket.write(chunks[i++]!, () => setTimeout(next, 5));
        };
        next();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    let polls = 0;
    let done = (): void => {};
    const finished = new Promise<void>((resolve) => done = resolve);
    const tally: Tally = { deliveries: 0, bad: 0, onDelivery: () => {} };
    const socket = await openReceiver("wirely", port, tally);
    // 7 frames follow "joined": wait for all of them (bounded by the 5 ms gaps above).
    const poll = setInterval(() => {
      if (tally.deliveries + tally.bad >= 7 || ++polls > 400) done();
    }, 10);
    await finished;
    clearInterval(poll);
    socket.destroy();
    for (const peer of peers) peer.destroy();
    await new Promise((resolve) => server.close(resolve));
    assert.equal(tally.deliveries, 3);
    assert.equal(tally.bad, 4);
    assert.deepEqual([...pong ?? []], [0x61, 0x62]);
  });

  it(
    "a --quick run prints every system's report, the broadcast ratio and the delivery lines",
    {
      skip: deno === undefined
        ? "the benchmark script runs under Deno"
        : existsSync(REDIS)
        ? false
        : `no ${REDIS} (apt-get install redis-server)`,
    },
    async () => {
      const run = await new deno!.Command(deno!.execPath(), {
        args: [
          "run",
          "--allow-all",
          new URL("../bench_delivery.ts", import.meta.url).pathname,
          "--quick",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(run.stdout);
      const err = new TextDecoder().decode(run.stderr);
      assert.ok(run.success, `bench_delivery.ts --quick failed:\n${err}\n${out}`);
      const lines = out.trim().split("\n");
      for (const system of ["sio-streams", "sio-recovery", "wirely-pubsub", "wirely"]) {
        const report = lines.find((line) =>
          line.startsWith(`  ${system}: `) && line.includes("expected")
        );
        assert.ok(report, `no report for ${system}:\n${out}`);
        const match = report.match(
          /expected (\d+) deliveries, delivered (\d+) \(([\d.]+)%\), duplicates (\d+), reordered (\d+), unrecoverable \(reported\) (\d+), lost silently (\d+), unexpected (\d+); latency p50 ([\d.]+) ms, p99 ([\d.]+) ms \(from the publisher's send; from the server's acceptance p50 -?[\d.]+ ms, p99 -?[\d.]+ ms\)$/,
        );
        assert.ok(match, report);
        const [expected, delivered, , , , unrecoverable, lost] = match.slice(1).map(Number);
        assert.ok(expected! > 0, report);
        assert.equal(delivered! + unrecoverable! + lost!, expected, report);
        assert.match(
          lines.find((line) => line.startsWith(`  ${system}: publishers sent`)) ?? "",
          /publishers sent \d+, accepted \d+, accepted twice \d+, never accepted \d+, accepted out of order \d+, unacknowledged \d+; "not recovered" notices (none|[\w ]+ \d+(, [\w ]+ \d+)*)$/,
        );
      }
      for (
        const row of ["wirely 0.1 + RedisAdapter", "socket.io 4.8.4 + @socket.io/redis-adapter"]
      ) {
        const found = lines.find((line) => line.startsWith(`| ${row}`)) ?? "";
        assert.match(found, /^\|[^|]+\| \d+ \| \d+ \| [\d.]+ µs \| \d+ µs \| [\d.]+ µs \|$/, out);
      }
      // Every broadcast delivery was the receiver's next event, and every round completed.
      assert.doesNotMatch(err, /BAD deliveries|\(incomplete\)/);
      assert.match(
        err,
        /broadcast wirely round 1: \d+ events\/s; CPU \(% of one core\): servers \d+\+\d+\+\d+%/,
      );
      assert.match(
        out,
        /^broadcast: wirely\/socket\.io = [\d.]+x events\/s, ([\d.]+x|n\/a) less server CPU per delivery/m,
      );
      const delivery = lines.filter((line) => line.startsWith("delivery: "));
      assert.equal(delivery.length, 4, out);
      for (const line of delivery) {
        assert.match(
          line,
          /^delivery: [\w-]+ delivered=[\d.]+% duplicates=\d+ reordered=\d+ unrecoverable=\d+$/,
        );
      }
      assert.match(lines.at(-1)!, /^delivery: wirely /);
    },
  );
});
