/**
 * A `ws` echo server in a child `node` process (`testdata/ws_echo_server.mjs`), killed with
 * SIGKILL (no close frame, like a crashed server) and started again on the same port. What it
 * saw is kept across restarts. Named `_test.ts` so it is never published; it holds no tests.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { within } from "../testing/async.ts";

const SCRIPT = fileURLToPath(new URL("./testdata/ws_echo_server.mjs", import.meta.url));

/** One child server at a time; `start()` again after `kill()` to restart it. */
export class ChildServer {
  /** Port of the latest start. */
  port = 0;
  /** Connections accepted, over every start. */
  opens = 0;
  /** Text messages received, over every start, in order. */
  readonly received: string[] = [];
  readonly #protocol: string | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  /** @param protocol A subprotocol the server accepts when offered. */
  constructor(protocol?: string) {
    this.#protocol = protocol;
  }

  /** `ws://127.0.0.1:<port>/`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Starts listening on `port` (0: a free one, else the same one again); resolves with the URL. */
  async start(port = 0): Promise<string> {
    if (this.#child !== undefined) throw new Error("already running");
    const args = [SCRIPT, String(port), ...(this.#protocol === undefined ? [] : [this.#protocol])];
    // `node` resolves `ws` from the repository's node_modules, under every test runtime.
    const child = spawn("node", args, { stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => stderr += chunk);
    const listening = new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`node exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const event = JSON.parse(line) as { event: string; port?: number; data?: string };
        if (event.event === "listening") resolve(event.port!);
        else if (event.event === "open") this.opens++;
        else if (event.event === "text") this.received.push(event.data!);
      });
    });
    try {
      this.port = await within(listening, 10_000, "the child server to listen");
    } catch (error) {
      await this.kill();
      throw error;
    }
    return this.url;
  }

  /** Kills the process (SIGKILL) and waits for it to exit; nothing when not running. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await within(this.#exited, 5_000, "the child server to exit");
  }
}
