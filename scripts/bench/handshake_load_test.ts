// Smoke test of the C handshake generator (`handshake_load.c`): compiled with the machine's `cc`,
// run for a moment against a real wirely server, and against wrong servers whose handshakes must
// all count as failures. Only counts are checked (no rates, no timing assertions).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { serve } from "../../server/mod.ts";
import { compileHandshakeLoad, handshakeLoadArgs } from "./handshake_c.ts";
import type { RunResult } from "./server_load.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

const RUN_MS = 200;

function hasCompiler(): boolean {
  try {
    execFileSync("cc", ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const skip = hasCompiler() ? false : "no C compiler (cc) on PATH to build handshake_load.c";

/** The generator process: one JSON line per command, each answered by one line (bounded). */
class Generator {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];

  constructor(binary: string) {
    this.#child = spawn(binary, handshakeLoadArgs());
    this.#child.stderr.resume();
    this.#child.stdin.on("error", () => {});
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    // An exit (a crash) answers every waiting command with an error.
    this.#child.once("exit", (code, signal) => {
      const line = JSON.stringify({ error: `generator exited (${code ?? signal})` });
      for (const waiter of this.#waiters.splice(0)) waiter(line);
    });
  }

  ask<T>(command: unknown): Promise<T> {
    this.#child.stdin.write(JSON.stringify(command) + "\n");
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("generator: no answer")), 30_000);
      const take = (line: string) => {
        clearTimeout(timer);
        const value = JSON.parse(line);
        if (value.error) reject(new Error(value.error));
        else resolve(value as T);
      };
      const line = this.#lines.shift();
      if (line !== undefined) take(line);
      else this.#waiters.push(take);
    });
  }

  /** Runs a handshake session against `port` for {@linkcode RUN_MS}. */
  async run(port: number, window: number, maxOps: number, timeoutMs?: number): Promise<RunResult> {
    const open = { cmd: "open", id: "t", kind: "handshake", port, window, size: 32 };
    await this.ask({ ...open, binary: false, connections: 0, ...(timeoutMs ? { timeoutMs } : {}) });
    const result = await this.ask<RunResult>({ cmd: "run", id: "t", ms: RUN_MS, maxOps });
    await this.ask({ cmd: "close", id: "t" });
    return result;
  }

  /** Closes stdin: the generator exits by itself. */
  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null) return resolve(this.#child.exitCode);
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
      this.#child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      this.#child.stdin.end();
    });
  }
}

/** A TCP server that answers every connection's first bytes with `answer(socket, chunk)`. */
async function fakeServer(answer: (socket: Socket, chunk: Uint8Array) => void): Promise<Server> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.on("data", (chunk: Uint8Array) => answer(socket, chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** A 101 answer with `accept`, then echo frames as empty text frames and close frames back. */
function upgrading(
  accept: string,
  closeFirst = false,
): (socket: Socket & { upgraded?: boolean }, chunk: Uint8Array) => void {
  return (socket, chunk) => {
    if (!socket.upgraded) {
      socket.upgraded = true;
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    } else if ((chunk[0]! & 0x0f) === 8 || closeFirst) {
      socket.end(new Uint8Array([0x88, 2, 0x03, 0xe8]));
    } else socket.write(new Uint8Array([0x81, 32, ...new Uint8Array(32).fill(97)]));
  };
}

describe("C handshake generator", { skip }, () => {
  let server: BenchServer;
  let dir: string;
  let generator: Generator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "wirely-hl-"));
    const compiled = await compileHandshakeLoad(join(dir, "handshake_load"));
    if ("reason" in compiled) throw new Error(compiled.reason);
    generator = new Generator(compiled.path);
    server = await startWirely(serve, "codec");
  });
  after(async () => {
    assert.equal(await generator?.exited(), 0);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("completes handshakes (open, one message, close) against wirely, none failed", async () => {
    const result = await generator.run(server.port, 4, 300);
    // At most the in-flight ones past the bound (as the Node generator).
    assert.ok(result.ops > 0 && result.ops <= 300 + 4, `completed ${result.ops} handshakes`);
    assert.equal(result.failed, 0);
    assert.equal(result.bytes, result.ops * 32);
    assert.ok(result.drained && result.elapsedMs > 0 && result.cpuMs >= 0);
    // The server saw every connection closed.
    const deadline = Date.now() + 2_000;
    while (server.connections() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(server.connections(), 0);
  });

  it("a 404, a wrong accept value, a close before the echo, silence or a refused port all fail", async () => {
    const servers = [
      await fakeServer((socket) => socket.end("HTTP/1.1 404 Not Found\r\n\r\n")),
      await fakeServer(upgrading("AAAAAAAAAAAAAAAAAAAAAAAAAAA=")),
      await fakeServer(upgrading(handshakeLoadArgs()[1]!, true)),
      await fakeServer(() => {}),
    ];
    const closed = await fakeServer(() => {});
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const ports = servers.map((s) => (s.address() as AddressInfo).port);
      for (const port of [...ports, closedPort]) {
        // A silent server: each slot gives up after 50 ms, so several fail within the run.
        const result = await generator.run(port, 2, 200, 50);
        assert.equal(result.ops, 0, `port ${port}`);
        assert.ok(result.failed > 0, `port ${port}: failed ${result.failed}`);
      }
      // The 101 with the right accept value and a proper echo completes (the fake is right).
      const right = await fakeServer(upgrading(handshakeLoadArgs()[1]!));
      servers.push(right);
      const result = await generator.run((right.address() as AddressInfo).port, 2, 50);
      assert.ok(result.ops > 0 && result.failed === 0, JSON.stringify(result));
    } finally {
      for (const s of servers) await new Promise((resolve) => s.close(resolve));
    }
  });
});
