/**
 * Processes of the delivery benchmark, for Deno: a redis-server with an append-only file (so a
 * restart keeps the history streams, as a deployment with persistence does), killed and
 * restarted by PID, and the cluster's Node server processes, killed with SIGKILL and restarted
 * on the same port.
 *
 * @module
 */

/** Debian's redis-server. */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** A free TCP port on 127.0.0.1 (released before it is returned). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** User + system CPU of process `pid` in milliseconds (`/proc/<pid>/stat`, 100 ticks/s); 0 when gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

async function readUntil(
  stream: ReadableStream<Uint8Array>,
  test: (text: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  const timer = setTimeout(() => reader.cancel(), timeoutMs);
  try {
    while (!test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${what}: no answer (${text.trim().slice(-500)})`);
      text += decoder.decode(value, { stream: true });
    }
    // Keep reading, so that the process never blocks on a full pipe.
    void (async () => {
      while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drop */ }
    })();
    return text;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One redis-server on a fixed port, its data in `dir` (AOF; `fsync`: `always`, what
 * docs/scale-out.md recommends for recovery, so a SIGKILL loses no acknowledged write, or
 * `everysec`).
 */
export class RedisProcess {
  readonly port: number;
  readonly dir: string;
  readonly fsync: "always" | "everysec";
  #child: Deno.ChildProcess | undefined;

  constructor(port: number, dir: string, fsync: "always" | "everysec" = "always") {
    this.port = port;
    this.dir = dir;
    this.fsync = fsync;
  }

  /** CPU used so far by the running process, milliseconds. */
  cpuMs(): number {
    return processCpuMs(this.#child?.pid);
  }

  /** The URL clients connect to. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the process; resolves once it accepts connections. */
  async start(): Promise<void> {
    const child = new Deno.Command(REDIS_SERVER, {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        this.fsync,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    await readUntil(
      child.stdout,
      (text) => text.includes("Ready to accept connections"),
      20_000,
      "redis-server",
    );
  }

  /** Kills the process by PID with `signal` and waits for it to exit. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    await child.status;
  }
}

/** One Node server of the cluster, on a fixed port. */
export class ServerProcess {
  readonly port: number;
  readonly #args: string[];
  #child: Deno.ChildProcess | undefined;

  constructor(script: string, kind: string, port: number, redisUrl: string, acceptLog: string) {
    this.port = port;
    this.#args = [script, kind, String(port), redisUrl, acceptLog];
  }

  /** Starts the process; resolves once it listens. */
  async start(): Promise<void> {
    const child = new Deno.Command("node", {
      args: this.#args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    await readUntil(child.stdout, (text) => text.includes('"port"'), 30_000, "server");
  }

  /** CPU used so far by the running process, milliseconds. */
  cpuMs(): number {
    return processCpuMs(this.#child?.pid);
  }

  /** SIGKILL, like a crash. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.stdin.close().catch(() => {});
    await child.status;
  }

  /** Asks the process to quit; kills it after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("quit\n")).catch(() => {});
    await writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // exited
      }
    }, 5_000);
    await child.status;
    clearTimeout(timer);
  }
}
