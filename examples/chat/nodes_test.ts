// The chat on two nodes sharing Redis, in Chromium: pages on both nodes in one room, messages
// from every page while one node is killed with SIGKILL; its pages move to the other node (the
// page's URL function: its own node, then `?nodes=`), and every page ends with every message
// exactly once, each sender's in the order sent, nothing recovered with `recovered: false`.
// The killed node and the surviving one run on Deno and on Node 22 (both ways round; both on
// Deno when `.cache/node22/` is missing). Run by `deno task test:browser` (and
// `deno test -A examples/`) under Deno.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../testing/browser.ts";
import { until, within } from "../../testing/async.ts";
import { RedisProcess, skipWithoutRedis } from "../../redis/_helpers_test.ts";
import { DENO_FLAGS, join, NODE22, openPage, SKIP, SKIP_NODE } from "../_shared/_helpers_test.ts";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
/** Messages each page sends. */
const PER_PAGE = 12;
/** Messages sent (by all pages) before the node is killed. */
const BEFORE_KILL = 14;

/** A chat node: a child process with `REDIS_URL`, killable with SIGKILL. */
interface ChatNode {
  url: string;
  /** The id the server prints (`node <id>: ...`) and sends in each welcome. */
  id: string;
  kill(signal: "SIGKILL" | "SIGINT"): Promise<void>;
}

type Runtime = "deno" | "node";

async function startNode(redisUrl: string, runtime: Runtime): Promise<ChatNode> {
  const [command, args] = runtime === "deno"
    ? [process.execPath, ["run", ...DENO_FLAGS, SERVER, "--port", "0"]]
    : [NODE22, [SERVER, "--port", "0"]];
  const child: ChildProcess = spawn(command, args, {
    stdio: "pipe",
    env: { ...process.env, REDIS_URL: redisUrl },
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    process.stderr.write(`[chat node on ${runtime}] ${chunk}`);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async (signal: "SIGKILL" | "SIGINT"): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await within(exited, 10_000, "chat node exit").catch(() => child.kill("SIGKILL"));
  };
  try {
    await within(
      until(() => /listening on http:\S+/.test(output) && /node \w+:/.test(output), 30_000),
      31_000,
      "chat node start",
    );
  } catch (error) {
    await kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  const url = output.match(/listening on (http:\/\/\S+)/)![1]!;
  return { url, id: output.match(/node (\w+):/)![1]!, kill };
}

interface PageState {
  received: string[];
  duplicates: number;
  recoveries: { recovered: boolean; reason?: string; replayed?: number }[];
  nodes: string[];
}

function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const { received, duplicates, recoveries, nodes } = (globalThis as unknown as {
      chat: PageState;
    }).chat;
    return { received: [...received], duplicates, recoveries: [...recoveries], nodes: [...nodes] };
  });
}

/** The chat lines a page shows, in order: id, text and whether it is still queued. */
function shownLines(page: Page): Promise<{ id: string; text: string; queued: boolean }[]> {
  return page.locator("#log .line").evaluateAll((elements) =>
    elements.map((element) => ({
      id: element.getAttribute("data-id") ?? "",
      text: element.querySelector(".text")?.textContent ?? "",
      queued: element.classList.contains("queued"),
    }))
  );
}

/** Types a message in the page's form and sends it with Enter. */
async function say(page: Page, text: string): Promise<void> {
  await page.locator("#text").fill(text);
  await page.keyboard.press("Enter");
}

/** Node 22 when installed (`deno task test:node`), else Deno again. */
const NODE: Runtime = SKIP_NODE === false ? "node" : "deno";
if (SKIP === false && SKIP_NODE !== false) console.log(`node nodes run on deno: ${SKIP_NODE}`);

// The killed node runs on one runtime, the surviving one on the other (both ways).
for (const [killed, survivor] of [["deno", NODE], [NODE, "deno"]] as const) {
  describe(`examples/chat on two nodes sharing Redis (${killed} killed, ${survivor} left)`, () => {
    const skip = SKIP !== false ? SKIP : skipWithoutRedis;
    let redis: RedisProcess | undefined;
    const nodes: ChatNode[] = [];
    let browser: Browser | undefined;

    before(async () => {
      if (skip !== false) return;
      redis = await RedisProcess.start();
      nodes.push(
        ...await Promise.all([startNode(redis.url, killed), startNode(redis.url, survivor)]),
      );
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      for (const node of nodes) await node.kill("SIGINT");
      await redis?.stop();
    });

    it("a node killed mid-conversation: its pages move on, every message once and in order", {
      skip,
    }, async () => {
      const [one, two] = nodes as [ChatNode, ChatNode];
      const names = ["alice", "bob", "carol", "dave"];
      const pages: Page[] = [];
      for (const [i, name] of names.entries()) {
        const [home, other] = i < 2 ? [one, two] : [two, one]; // alice, bob on one; carol, dave on two
        const page = await openPage(browser!, `${home.url}?nodes=${encodeURIComponent(other.url)}`);
        await join(page, name, "lobby");
        pages.push(page);
      }
      for (const page of pages) {
        await page.locator("#online li").nth(3).waitFor(); // everyone sees everyone, both nodes
        assert.deepEqual((await pageState(page)).recoveries.map((r) => r.recovered), [false]);
      }
      assert.deepEqual(
        await Promise.all(pages.map(async (page) => (await pageState(page)).nodes)),
        [[one.id], [one.id], [two.id], [two.id]],
      );

      // Every page sends PER_PAGE messages; after BEFORE_KILL in all, node one is killed while
      // the pages go on sending (alice's and bob's wait in their session until they are back).
      const sent = new Map<string, string[]>(names.map((name) => [name, []]));
      let total = 0;
      let killed: Promise<void> | undefined;
      await Promise.all(pages.map(async (page, p) => {
        for (let n = 1; n <= PER_PAGE; n++) {
          const text = `${names[p]} ${n}`;
          await say(page, text);
          sent.get(names[p]!)!.push(text);
          if (++total === BEFORE_KILL) killed = one.kill("SIGKILL");
          await new Promise((resolve) => setTimeout(resolve, 20 + 10 * p)); // interleave the pages
        }
      }));
      await killed;

      const all = names.flatMap((name) => sent.get(name)!);
      for (const [p, page] of pages.entries()) {
        // Bounded: every line shown and acknowledged (own lines lose "queued" on the server's ack).
        await within(
          (async () => {
            for (let tries = 0; tries < 400; tries++) {
              const lines = await shownLines(page);
              if (lines.length >= all.length && lines.every((line) => !line.queued)) return;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            const lines = await shownLines(page);
            const missing = all.filter((text) => !lines.some((line) => line.text === text));
            const queued = lines.filter((line) => line.queued).map((line) => line.text);
            const state = await pageState(page);
            throw new Error(
              `missing ${JSON.stringify(missing)}, queued ${JSON.stringify(queued)}, ` +
                `state ${JSON.stringify({ ...state, received: state.received.length })}`,
            );
          })(),
          30_000,
          `${names[p]}: every line, acknowledged`,
        );
        const lines = await shownLines(page);
        const texts = lines.map((line) => line.text);
        assert.equal(new Set(lines.map((line) => line.id)).size, lines.length, "ids once");
        assert.deepEqual(
          [...texts].sort(),
          [...all].sort(),
          `${names[p]} shows every message once`,
        );
        for (const name of names) {
          assert.deepEqual(
            texts.filter((text) => text.startsWith(`${name} `)),
            sent.get(name),
            `${names[p]} shows ${name}'s messages in the order sent`,
          );
        }
        const state = await pageState(page);
        // What arrived over the wire: every other page's message, none twice.
        assert.equal(state.duplicates, 0, `${names[p]}: no message delivered twice`);
        assert.equal(new Set(state.received).size, state.received.length);
        assert.equal(state.received.length, all.length - PER_PAGE);
        // Every reconnect recovered (only the first connection is "new").
        assert.deepEqual(
          state.recoveries.map((r) => r.recovered ? "recovered" : r.reason),
          ["new", ...state.recoveries.slice(1).map(() => "recovered")],
          `${names[p]}: every reconnect recovered`,
        );
        if (p < 2) {
          assert.ok(state.recoveries.length >= 2, `${names[p]} reconnected`);
          assert.equal(state.nodes.at(-1), two.id, `${names[p]} moved to the other node`);
        } else {
          assert.deepEqual(state.nodes, [two.id], `${names[p]} stayed on its node`);
        }
      }
      // The pages that share no sender see the others' messages in the same (the log's) order.
      const orders = await Promise.all(pages.map(shownLines));
      for (let a = 0; a < pages.length; a++) {
        for (let b = a + 1; b < pages.length; b++) {
          const third = (text: string): boolean =>
            !text.startsWith(`${names[a]} `) && !text.startsWith(`${names[b]} `);
          assert.deepEqual(
            orders[a]!.map((line) => line.text).filter(third),
            orders[b]!.map((line) => line.text).filter(third),
            `${names[a]} and ${names[b]} agree on the order`,
          );
        }
      }

      // A late joiner on the surviving node gets the history (from Redis), each message once.
      const erin = await openPage(browser!, two.url);
      await join(erin, "erin", "lobby");
      await erin.locator("#log .line").nth(all.length - 1).waitFor().catch(async (error) => {
        const shown = (await shownLines(erin)).map((line) => line.text);
        throw new Error(`history lacks ${all.filter((text) => !shown.includes(text))}: ${error}`);
      });
      const history = (await shownLines(erin)).map((line) => line.text);
      assert.deepEqual([...history].sort(), [...all].sort(), "history: every message once");
      for (const name of names) {
        assert.deepEqual(history.filter((text) => text.startsWith(`${name} `)), sent.get(name));
      }
      for (const page of [...pages, erin]) await page.context().close();
    });
  });
}
