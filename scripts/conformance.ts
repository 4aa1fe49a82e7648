/**
 * Conformance suite CLI (Autobahn-style categories 1-7 and 9-13 against an echo target; 11 holds
 * the request-line and ordering cases, 12-13 permessage-deflate).
 *
 * ```sh
 * deno run -A scripts/conformance.ts                      # in-process codec Connection echo
 * deno run -A scripts/conformance.ts ws://127.0.0.1:9001/ # any echo server over TCP
 * deno run -A scripts/conformance.ts ws://127.0.0.1:9001/ --max-message-size=4194304 --only=6.4,7.
 * deno run -A scripts/conformance.ts ws://127.0.0.1:9001/ --max-message-size=16777216 --max-frames-per-message=1024
 * ```
 *
 * Prints one line per case (id, verdict, duration, detail) and a summary; exits with 1 if any
 * case FAILED. Options: `--max-message-size=<bytes>` (the target's limit, so larger messages are
 * expected to be refused with 1009; unknown by default for URLs), `--max-frames-per-message=<n>`
 * (the target's fragment limit, so messages with more frames are expected to be refused with
 * 1009; unknown by default), `--only=<prefix,...>`,
 * `--idle-ms=<ms>` (silence that means "nothing more is coming", sockets only, default 250).
 *
 * @module
 */

import process from "node:process";
import { ConnectionTarget } from "./conformance/connection_target.ts";
import { type CaseOutcome, countVerdicts, runAll } from "./conformance/run.ts";
import type { Target } from "./conformance/target.ts";
import { TcpTarget } from "./conformance/tcp_target.ts";

function option(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

function numberOption(args: readonly string[], name: string): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Cannot run as '--${name}' must be a number >= 0: current value is ${text}`,
    );
  }
  return value;
}

async function main(args: readonly string[]): Promise<number> {
  const url = args.find((arg) => !arg.startsWith("--"));
  const maxMessageSize = numberOption(args, "max-message-size");
  const maxFramesPerMessage = numberOption(args, "max-frames-per-message");
  const target: Target = url === undefined
    ? new ConnectionTarget(maxMessageSize === undefined ? {} : { maxMessageSize })
    : new TcpTarget(url, { limits: { maxMessageSize, maxFramesPerMessage } });
  const only = option(args, "only")?.split(",").filter((prefix) => prefix !== "");
  const idleMs = numberOption(args, "idle-ms");
  console.log(`Conformance suite against ${target.name}`);
  const started = performance.now();
  const print = (result: CaseOutcome) => {
    const time = `${result.durationMs.toFixed(0)} ms`.padStart(8);
    console.log(`${result.id.padEnd(8)} ${result.verdict.padEnd(13)} ${time}  ${result.detail}`);
  };
  const results = await runAll(target, { only, idleMs, onResult: print });
  const counts = countVerdicts(results);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${results.length} cases in ${seconds} s: OK ${counts.OK}, NON-STRICT ${
      counts["NON-STRICT"]
    }, INFORMATIONAL ${counts.INFORMATIONAL}, FAILED ${counts.FAILED}`,
  );
  return counts.FAILED > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
