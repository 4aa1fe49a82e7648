/**
 * The control channel of a benchmark server process (Node or Deno): it prints one JSON line
 * `{"port": n}` once listening, then answers each line on stdin (`stats`, `gc`, `quit`) with one
 * JSON line of {@linkcode ServerStats}.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";

/** What a benchmark server reports about itself. */
export interface ServerStats {
  /** Resident set size, bytes. */
  rss: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** V8 heap reserved (committed pages, part of the RSS), bytes. */
  heapTotal: number;
  /** Memory of C++ objects bound to JavaScript objects (Node: includes `arrayBuffers`), bytes. */
  external: number;
  /** Memory of `ArrayBuffer`s and `SharedArrayBuffer`s (Node `Buffer`s included), bytes. */
  arrayBuffers: number;
  /** CPU time (user + system) since the process started, milliseconds. */
  cpuMs: number;
  /** Open connections as the server counts them. */
  connections: number;
}

function stats(connections: number): ServerStats {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  return {
    rss,
    heapUsed,
    heapTotal,
    external,
    arrayBuffers,
    cpuMs: (user + system) / 1000,
    connections,
  };
}

/** Collects garbage several times when the runtime exposes `gc` (`--expose-gc`). */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Announces `port` and serves control commands until `quit` (then calls `stop` and exits). */
export function control(
  port: number,
  connections: () => number,
  stop: () => Promise<void>,
): void {
  const write = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");
  write({ port });
  const lines = createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    const command = line.trim();
    if (command === "gc") await collect();
    if (command.startsWith("snapshot ")) {
      // For looking into memory per connection: writes a V8 heap snapshot to the given path.
      const v8 = await import("node:v8");
      v8.writeHeapSnapshot(command.slice(9));
    }
    if (command === "quit") {
      lines.close();
      await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      write({ ok: true });
      process.exit(0);
    }
    if (command === "spaces") {
      // For looking into memory per connection: the V8 heap's spaces (committed and used bytes).
      const v8 = await import("node:v8");
      const spaces: Record<string, [number, number]> = {};
      for (const space of v8.getHeapSpaceStatistics()) {
        spaces[space.space_name] = [space.physical_space_size, space.space_used_size];
      }
      return write(spaces);
    }
    write(stats(connections()));
  });
}
