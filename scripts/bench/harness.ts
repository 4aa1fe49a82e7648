/**
 * A small side-by-side benchmark harness: runs two contenders in alternating rounds inside one
 * process, so both see the same machine state, and reports the median rate and the ratio.
 * Every loop is bounded by time and by count.
 *
 * @module
 */

/** One measured contender. */
export interface Contender {
  /** Display name. */
  name: string;
  /** Does one unit of work; returns how many operations it did (frames, bytes, ...). */
  run: () => number;
}

/** A scenario: ours against theirs, with the unit in which the rate is reported. */
export interface Scenario {
  name: string;
  unit: string;
  ours: Contender;
  theirs: Contender;
}

/** The result of one scenario. */
export interface ScenarioResult {
  name: string;
  unit: string;
  ours: number;
  theirs: number;
  ratio: number;
}

/** Time budget of a round and the number of rounds per contender. */
export interface HarnessOptions {
  /** Length of one timed round, in milliseconds. @default 150 */
  roundMs?: number;
  /** Rounds per contender (the median is kept). @default 7 */
  rounds?: number;
  /** Warm-up per contender before timing, in milliseconds. @default 300 */
  warmupMs?: number;
  /** Upper bound on calls of `run` per round. @default 10_000_000 */
  maxCallsPerRound?: number;
}

let sink = 0;

function round(contender: Contender, ms: number, maxCalls: number): number {
  let ops = 0;
  let calls = 0;
  // Read the clock every `stride` calls, doubling the stride while checks come less than 1 ms
  // apart: a clock read costs about 100 ns in Deno, as much as some of the calls measured, so
  // reading it at every call would compress every ratio toward 1.
  let stride = 1;
  let nextCheck = 1;
  const start = performance.now();
  let last = start;
  let now = start;
  while (calls < maxCalls) {
    ops += contender.run();
    calls++;
    if (calls >= nextCheck) {
      now = performance.now();
      if (now - start >= ms) break;
      if (now - last < 1) stride *= 2;
      last = now;
      nextCheck = calls + stride;
    }
  }
  now = performance.now();
  sink ^= ops;
  return ops / ((now - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Runs one scenario: warm-up, then alternating timed rounds. */
export function runScenario(scenario: Scenario, options: HarnessOptions = {}): ScenarioResult {
  const roundMs = options.roundMs ?? 150;
  const rounds = options.rounds ?? 7;
  const warmupMs = options.warmupMs ?? 300;
  const maxCalls = options.maxCallsPerRound ?? 10_000_000;
  round(scenario.ours, warmupMs, maxCalls);
  round(scenario.theirs, warmupMs, maxCalls);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(round(scenario.ours, roundMs, maxCalls));
    theirs.push(round(scenario.theirs, roundMs, maxCalls));
  }
  const o = median(ours);
  const t = median(theirs);
  return { name: scenario.name, unit: scenario.unit, ours: o, theirs: t, ratio: o / t };
}

function human(rate: number): string {
  if (rate >= 1e9) return `${(rate / 1e9).toFixed(2)} G`;
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)} k`;
  return rate.toFixed(0);
}

/** Formats results as a Markdown table (the format BENCHMARKS.md records). */
export function formatTable(results: ScenarioResult[], theirsName: string): string {
  const lines = [
    `| scenario | unit | wirely | ${theirsName} | ratio |`,
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.unit}/s | ${human(r.ours)} | ${human(r.theirs)} | ${
        r.ratio.toFixed(2)
      }x |`,
    );
  }
  if (sink === 0.5) lines.push(""); // keeps `sink` observable so no round is optimised away
  return lines.join("\n");
}
