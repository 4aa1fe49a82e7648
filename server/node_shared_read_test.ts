// Node's server sockets read into one buffer shared by every connection (server/_node_shared_read.ts):
// on Node the mechanism must be there and work (bytes in order, pause/resume, end, TLS and a
// socket with buffered data left alone); on Deno and Bun it must stay off. A server that keeps
// every message it got (never copies them itself) must find each one intact after thousands of
// later reads went through the shared buffer. The Deno pass runs this file again under Node 22,
// 24 and 26 (`node --test`, TypeScript stripped by Node), so every Node version takes these paths.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as net from "node:net";
import process from "node:process";
import * as tls from "node:tls";
import { fileURLToPath } from "node:url";
import { canShareReads, shareReads } from "./_node_shared_read.ts";
import { serve } from "./mod.ts";
import { inDeno, messages, openWs, until, within, wsClosed } from "./_helpers_test.ts";
import { makeSelfSigned, skipWithoutOpenssl } from "../testing/tls.ts";
import { pattern } from "../testing/bytes.ts";

const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
/** Node itself (not Deno's or Bun's node:net). */
const onNode = runtime.Deno === undefined && runtime.Bun === undefined &&
  typeof process.versions.node === "string";

/** A server socket and the client connected to it. */
async function socketPair(
  server: net.Server,
): Promise<{ accepted: net.Socket; client: net.Socket }> {
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  return { accepted: await within(accepted, 5_000, "accept"), client };
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("reading Node's server sockets into one shared buffer", () => {
  it(`is ${onNode ? "available on Node" : "off outside Node"}; bytes, pause, resume and end`, async () => {
    const server = net.createServer({ pauseOnConnect: true });
    const { accepted, client } = await socketPair(server);
    try {
      assert.equal(canShareReads(accepted), onNode);
      if (!onNode) return;
      const received: number[] = [];
      let reads = 0;
      let ended = false;
      shareReads(accepted, function (length, buffer): void {
        assert.equal(this, accepted);
        reads++;
        for (let i = 0; i < length; i++) received.push(buffer[i]!);
        buffer.fill(0); // the next read overwrites it anyway
      });
      accepted.on("end", () => ended = true);
      accepted.resume();
      const sent = pattern(200_000, 7);
      client.write(sent.subarray(0, 150_000));
      await until(() => received.length === 150_000, 5_000, "first bytes");
      // Paused: nothing arrives until resume(), however long we wait.
      accepted.pause();
      const before = reads;
      client.write(sent.subarray(150_000));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(reads, before);
      assert.equal(received.length, 150_000);
      accepted.resume();
      client.end();
      await until(() => received.length === 200_000 && ended, 5_000, "rest and end");
      assert.deepEqual(new Uint8Array(received), sent);
      assert.ok(reads >= 2);
    } finally {
      client.destroy();
      accepted.destroy();
      await closeServer(server);
    }
  });

  it("leaves a socket with bytes buffered in its stream alone", async () => {
    const server = net.createServer();
    const { accepted, client } = await socketPair(server);
    try {
      client.write("already here");
      await until(() => accepted.readableLength > 0, 5_000, "bytes buffered in the stream");
      assert.equal(canShareReads(accepted), false);
    } finally {
      client.destroy();
      accepted.destroy();
      await closeServer(server);
    }
  });

  it("leaves TLS sockets alone", { skip: skipWithoutOpenssl() }, async () => {
    const { cert, key } = makeSelfSigned();
    const server = tls.createServer({ cert, key });
    const secure = new Promise<tls.TLSSocket>((resolve) =>
      server.once("secureConnection", resolve)
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false });
    client.on("error", () => {});
    const accepted = await within(secure, 5_000, "TLS accept");
    try {
      assert.equal(canShareReads(accepted), false);
    } finally {
      client.destroy();
      accepted.destroy();
      await closeServer(server);
    }
  });

  it("serve(): every message kept by the app stays intact while later reads reuse the buffer", async () => {
    const SIZES = [1, 100, 4_096, 4_097, 20_000, 65_536, 70_000, 300_000];
    const COUNT = 160;
    const kept: Uint8Array[] = [];
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      limits: { maxMessageSize: 1_048_576 },
      onMessage(conn, message): void {
        if (typeof message.data !== "string") {
          kept.push(message.data);
          return;
        }
        // "check": compare everything kept so far with what was sent.
        const bad = kept.findIndex((data, i) => {
          const expected = pattern(SIZES[i % SIZES.length]!, i + 1);
          return data.length !== expected.length || data.some((b, j) => b !== expected[j]);
        });
        conn.send(bad === -1 ? `ok ${kept.length}` : `bad ${bad}`);
      },
    });
    const ws = await openWs(`ws://127.0.0.1:${server.addr.port}/`);
    try {
      for (let i = 0; i < COUNT; i++) ws.send(pattern(SIZES[i % SIZES.length]!, i + 1));
      ws.send("check");
      const reply = await messages(ws).next();
      assert.equal(new TextDecoder().decode(reply.data), `ok ${COUNT}`);
    } finally {
      const closed = wsClosed(ws);
      ws.close();
      await closed;
      await server.close();
    }
  });
});

// The same file under every Node version the project installs (the Node pass of test:node runs
// the compiled copy on Node 20 and 22): Node strips the types itself from 22.18 on.
const THIS_FILE = fileURLToPath(import.meta.url);

describe("the shared read on every installed Node version", () => {
  for (const version of ["24.21.0", "26.10.0"]) {
    it(`node ${version} --test ${THIS_FILE.split("/").slice(-2).join("/")}`, {
      skip: !inDeno
        ? "runs from the Deno pass"
        : !existsSync(THIS_FILE)
        ? "no source file"
        : process.env.WIRELY_SKIP_NODE_VERSIONS === "1"
        ? "WIRELY_SKIP_NODE_VERSIONS=1"
        : false,
    }, async () => {
      const { ensureNode } = await import("../scripts/_node_install.ts");
      const node = await ensureNode(version);
      const { execFile } = await import("node:child_process");
      const output = await new Promise<{ code: number; text: string }>((resolve) => {
        execFile(node, ["--test", "--test-reporter=tap", THIS_FILE], {
          timeout: 120_000,
          maxBuffer: 16 * 1_048_576,
        }, (error, stdout, stderr) => {
          resolve({ code: error ? (error.code as number ?? 1) : 0, text: stdout + stderr });
        });
      });
      assert.equal(output.code, 0, output.text);
      assert.match(output.text, /# fail 0/);
      assert.match(output.text, /is available on Node/);
    });
  }
});
