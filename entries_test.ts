// The package's entries list their exports explicitly, and the entries that must agree do: the
// root is exactly codec + client + server; each Node or Bun build of an entry exports the same
// names (types included) as the entry, the same values but for its runtime's client or serve();
// and no public value or declaration is exported under two names.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as root from "./mod.ts";
import * as rootNode from "./mod.node.ts";
import * as rootBun from "./mod.bun.ts";
import * as codec from "./codec/mod.ts";
import * as client from "./client/mod.ts";
import * as clientNode from "./client/mod.node.ts";
import * as tcp from "./client/tcp.ts";
import * as server from "./server/mod.ts";
import * as serverNode from "./server/mod.node.ts";
import * as serverBun from "./server/mod.bun.ts";
import * as events from "./events/mod.ts";
import * as eventsNode from "./events/mod.node.ts";
import * as eventsServer from "./events/server.ts";
import * as eventsServerNode from "./events/server.node.ts";
import * as redis from "./redis/mod.ts";

type Entry = Record<string, unknown>;

/** Checks that `build` exports the names of `entry`, the same values but for `differ`. */
function agrees(build: Entry, entry: Entry, differ: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(build).sort(), Object.keys(entry).sort());
  for (const name of Object.keys(entry)) {
    if (name in differ) {
      assert.equal(build[name], differ[name], name);
      assert.notEqual(build[name], entry[name], name);
    } else {
      assert.equal(build[name], entry[name], name);
    }
  }
}

describe("package entries", () => {
  it("the root exports exactly the codec, client and server entries, one value per name", () => {
    const parts: Entry[] = [codec, client, server];
    const expected = new Set(parts.flatMap((part) => Object.keys(part)));
    assert.deepEqual(Object.keys(root).sort(), [...expected].sort());
    for (const part of parts) {
      for (const [name, value] of Object.entries(part)) {
        assert.equal((root as Entry)[name], value, name);
      }
    }
  });

  it("the root's Node and Bun builds differ only by their runtime's client and serve()", () => {
    const nodeClient = {
      WirelyClient: clientNode.WirelyClient,
      ReconnectingWebSocket: clientNode.ReconnectingWebSocket,
    };
    agrees(rootNode, root, { ...nodeClient, serve: serverNode.serve });
    agrees(rootBun, root, { ...nodeClient, serve: serverBun.serve });
  });

  it("the client's Node build differs only by WirelyClient and ReconnectingWebSocket", () => {
    agrees(clientNode, client, {
      WirelyClient: clientNode.WirelyClient,
      ReconnectingWebSocket: clientNode.ReconnectingWebSocket,
    });
  });

  it("the events entries: Node builds differ only by EventClient; the server adds to events", () => {
    agrees(eventsNode, events, { EventClient: eventsNode.EventClient });
    agrees(eventsServerNode, eventsServer, { EventClient: eventsNode.EventClient });
    for (const [name, value] of Object.entries(events)) {
      assert.equal((eventsServer as Entry)[name], value, name);
    }
  });

  it("no value is exported under two names, across every public entry", () => {
    const entries: Entry[] = [
      root,
      rootNode,
      rootBun,
      codec,
      client,
      clientNode,
      tcp,
      server,
      serverNode,
      serverBun,
      events,
      eventsNode,
      eventsServer,
      eventsServerNode,
      redis,
    ];
    const names = new Map<unknown, string>();
    for (const entry of entries) {
      for (const [name, value] of Object.entries(entry)) {
        if (typeof value !== "function" && (typeof value !== "object" || value === null)) continue;
        const seen = names.get(value);
        assert.ok(seen === undefined || seen === name, `${name} is also exported as ${seen}`);
        names.set(value, name);
      }
    }
  });
});

const inDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

interface DocSymbol {
  name: string;
  declarations: { location: { filename: string; line: number } }[];
}

/** The exported names of `file` (types included) with where each is declared, by `deno doc`. */
async function declarations(file: string): Promise<Map<string, string>> {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();
  const path = new URL(file, import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(deno, ["doc", "--json", path], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const nodes = (JSON.parse(stdout) as { nodes: Record<string, { symbols: DocSymbol[] }> }).nodes;
  const found = new Map<string, string>();
  for (const { symbols } of Object.values(nodes)) {
    for (const { name, declarations } of symbols) {
      // Overloads are several declarations of one thing: the first one names it.
      const first = [...declarations].sort((a, b) => a.location.line - b.location.line)[0];
      if (first !== undefined) {
        found.set(name, `${first.location.filename}:${first.location.line}`);
      }
    }
  }
  return found;
}

describe("package entries, types included", { skip: inDeno ? false : "deno doc" }, () => {
  const pairs: [string, string[]][] = [
    ["mod.ts", ["mod.node.ts", "mod.bun.ts"]],
    ["client/mod.ts", ["client/mod.node.ts"]],
    ["server/mod.ts", ["server/mod.node.ts", "server/mod.bun.ts"]],
    ["events/mod.ts", ["events/mod.node.ts"]],
    ["events/server.ts", ["events/server.node.ts"]],
  ];

  it("each Node or Bun build exports the same names as its entry", async () => {
    for (const [entry, builds] of pairs) {
      const names = [...(await declarations(entry)).keys()].sort();
      for (const build of builds) {
        assert.deepEqual([...(await declarations(build)).keys()].sort(), names, build);
      }
    }
  });

  it("no declaration is exported under two names; the root lists its parts' names", async () => {
    const files = [
      "mod.ts",
      "codec/mod.ts",
      "client/mod.ts",
      "client/tcp.ts",
      "server/mod.ts",
      "events/mod.ts",
      "events/server.ts",
      "redis/mod.ts",
    ];
    const byDeclaration = new Map<string, string>();
    const all = new Map<string, Map<string, string>>();
    for (const file of files) {
      const found = await declarations(file);
      all.set(file, found);
      for (const [name, where] of found) {
        const seen = byDeclaration.get(where);
        assert.ok(seen === undefined || seen === name, `${where}: ${name} and ${seen}`);
        byDeclaration.set(where, name);
      }
    }
    const parts = ["codec/mod.ts", "client/mod.ts", "server/mod.ts"];
    const expected = new Set(parts.flatMap((file) => [...all.get(file)!.keys()]));
    assert.deepEqual([...all.get("mod.ts")!.keys()].sort(), [...expected].sort());
  });
});
