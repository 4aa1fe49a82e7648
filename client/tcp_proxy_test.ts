// The codec transport through a real forward proxy: Debian's tinyproxy, started per test on a
// free port with a generated config file (`-d`: in the foreground, logging to stderr), stopped
// by PID. The proxy's own log proves that a connection went through it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { serve } from "../server/mod.ts";
import { makeSelfSigned, skipWithoutOpenssl } from "../testing/tls.ts";
import { ClientError } from "./errors.ts";
import { tcpTransport, type TcpTransportOptions } from "./tcp_transport.node.ts";
import { ProxyError } from "./tcp.ts";
import { bypassesProxy, checkProxyOption, proxyFor } from "./_proxy.ts";
import type { Transport, TransportEvent } from "./transport.ts";
import { take, until, within } from "./_helpers_test.ts";
import { FAST_RETRY, track } from "./_servers_test.ts";
import { opened } from "./lifecycle.ts";

const TINYPROXY = "/usr/bin/tinyproxy";
const SKIP = existsSync(TINYPROXY) ? false : `${TINYPROXY} is not installed (apt tinyproxy)`;
// deno test does not print node:test skip reasons: say it here.
if (SKIP) console.log(`client/tcp_proxy_test.ts skipped: ${SKIP}`);

/** A running tinyproxy. */
interface Proxy {
  readonly port: number;
  readonly url: string;
  /** Everything it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Starts tinyproxy with `extra` config lines; resolves once it accepts connections. */
async function startProxy(extra: string[] = []): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), "wirely-tinyproxy-"));
  const port = await freePort();
  const config = [
    `Port ${port}`,
    "Listen 127.0.0.1",
    "Timeout 30",
    "LogLevel Info",
    "MaxClients 20",
    "Allow 127.0.0.1",
    ...extra,
  ];
  writeFileSync(join(dir, "tinyproxy.conf"), config.join("\n") + "\n");
  const child: ChildProcess = spawn(TINYPROXY, ["-d", "-c", join(dir, "tinyproxy.conf")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await within(exited, 5_000, "tinyproxy to exit");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(() => output.includes("Accepting connections"), 5_000, `tinyproxy: ${output}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, log: () => output, stop };
}

/** Runs `body` with these environment variables set (`undefined`: unset), then restores them. */
async function withEnv(
  vars: Record<string, string | undefined>,
  body: () => Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(vars);
  try {
    await body();
  } finally {
    set(saved);
  }
}

/** Every proxy variable unset, for a test that sets its own. */
const NO_PROXY_ENV = {
  http_proxy: undefined,
  HTTP_PROXY: undefined,
  https_proxy: undefined,
  HTTPS_PROXY: undefined,
  no_proxy: undefined,
  NO_PROXY: undefined,
};

/** One transport attempt, its events recorded; resolves at its `close`. */
function attempt(url: string, options: TcpTransportOptions = {}): {
  transport: Transport;
  events: TransportEvent[];
  closed: Promise<void>;
} {
  const events: TransportEvent[] = [];
  let done!: () => void;
  const closed = new Promise<void>((resolve) => done = resolve);
  const transport = tcpTransport(options).connect(url, [], (event) => {
    events.push(event);
    if (event.type === "close") done();
  });
  return { transport, events, closed: within(closed, 5_000, "the attempt's close") };
}

const connectLine = (port: number): string => `CONNECT 127.0.0.1:${port} HTTP/1.1`;

describe("tcpTransport through tinyproxy (HTTP CONNECT)", { skip: SKIP }, () => {
  const tracked = track({ ...FAST_RETRY });
  const proxies: Proxy[] = [];
  async function proxy(extra: string[] = []): Promise<Proxy> {
    const started = await startProxy(extra);
    proxies.push(started);
    return started;
  }
  after(async () => {
    await tracked.cleanup();
    for (const p of proxies) await p.stop();
  });

  it("goes through HTTP_PROXY for ws://, and echoes", async () => {
    const p = await proxy();
    const server = await tracked.server();
    await withEnv({ ...NO_PROXY_ENV, HTTP_PROXY: p.url }, async () => {
      const client = tracked.client(server.url, { transport: tcpTransport() });
      await within(opened(client), 5_000, "open");
      const replies = take(client, 2, 5_000);
      client.send("through the proxy");
      client.send(new Uint8Array([1, 2, 3]));
      assert.deepEqual(await replies, [
        { type: "text", data: "through the proxy" },
        { type: "binary", data: new Uint8Array([1, 2, 3]) },
      ]);
      client.close();
    });
    assert.ok(p.log().includes(connectLine(server.port)), p.log());
  });

  it("bypasses the proxy for a host in NO_PROXY, and with proxy: false", async () => {
    const p = await proxy();
    const server = await tracked.server();
    for (
      const [env, options] of [
        [{ NO_PROXY: "localhost,127.0.0.1" }, {}],
        [{ no_proxy: `example.com, 127.0.0.1:${server.port}` }, {}],
        [{}, { proxy: false }],
      ] as const
    ) {
      await withEnv({ ...NO_PROXY_ENV, HTTP_PROXY: p.url, ...env }, async () => {
        const client = tracked.client(server.url, { transport: tcpTransport(options) });
        await within(opened(client), 5_000, "open");
        client.close();
      });
    }
    await until(() => server.connections.length === 3, 5_000, "3 connections");
    assert.ok(!p.log().includes(connectLine(server.port)), p.log());
    // The same URL without NO_PROXY does go through it (the test can fail).
    await withEnv({ ...NO_PROXY_ENV, http_proxy: p.url }, async () => {
      const client = tracked.client(server.url, { transport: tcpTransport() });
      await within(opened(client), 5_000, "open");
      client.close();
    });
    assert.ok(p.log().includes(connectLine(server.port)), p.log());
  });

  it("sends the proxy URL's credentials; without them, a typed PROXY_REFUSED error (407)", async () => {
    const p = await proxy(["BasicAuth alice s3cret"]);
    const server = await tracked.server();
    await withEnv(NO_PROXY_ENV, async () => {
      const authorized = `http://al%69ce:s3cret@127.0.0.1:${p.port}`; // percent-decoded: alice
      const client = tracked.client(server.url, { transport: tcpTransport({ proxy: authorized }) });
      await within(opened(client), 5_000, "open through the proxy with credentials");
      client.close();

      const refused = attempt(server.url, { proxy: p.url });
      await refused.closed;
      const [error, close] = refused.events;
      assert.ok(error?.type === "error" && error.error instanceof ProxyError, String(error));
      assert.ok(error.error instanceof ClientError);
      assert.equal(error.error.code, "PROXY_REFUSED");
      assert.equal(error.error.status, 407);
      assert.equal(error.error.proxy, p.url);
      assert.deepEqual(close, { type: "close", code: 1006, reason: "", wasClean: false });
    });
    assert.equal(server.connections.length, 1);
  });

  it("a proxy that refuses CONNECT to the port gives PROXY_REFUSED (403) to the client", async () => {
    const p = await proxy(["ConnectPort 443"]);
    const server = await tracked.server();
    await withEnv({ ...NO_PROXY_ENV, HTTP_PROXY: p.url }, async () => {
      const client = tracked.client(server.url, { transport: tcpTransport() });
      const errors: Error[] = [];
      client.on("error", (error) => errors.push(error));
      await until(() => errors.length > 0, 5_000, "the refusal");
      client.close();
      const error = errors[0];
      assert.ok(error instanceof ProxyError, String(error));
      assert.equal(error.code, "PROXY_REFUSED");
      assert.equal(error.status, 403);
    });
    assert.deepEqual(server.connections, []);
  });

  it("an unreachable proxy is a TRANSPORT_ERROR, then 1006", async () => {
    const port = await freePort();
    const failed = attempt("ws://127.0.0.1:9/", { proxy: `http://127.0.0.1:${port}` });
    await failed.closed;
    const [error, close] = failed.events;
    assert.ok(error?.type === "error" && error.error instanceof ClientError);
    assert.equal(error.error.code, "TRANSPORT_ERROR");
    assert.equal(close?.type === "close" && close.code, 1006);
  });

  it("goes through HTTPS_PROXY for wss://, TLS end to end", {
    skip: skipWithoutOpenssl(),
  }, async () => {
    const p = await proxy();
    const { cert, key } = makeSelfSigned();
    const server = await serve({
      port: 0,
      hostname: "127.0.0.1",
      cert,
      key,
      onMessage: (conn, message) => conn.send(message.data),
    });
    try {
      await withEnv(
        { ...NO_PROXY_ENV, HTTPS_PROXY: p.url, HTTP_PROXY: "http://127.0.0.1:9" },
        async () => {
          const client = tracked.client(`wss://localhost:${server.addr.port}/`, {
            transport: tcpTransport({ ca: cert }),
          });
          await within(opened(client), 5_000, "open over TLS through the proxy");
          const reply = take(client, 1, 5_000);
          client.send("secret");
          assert.deepEqual(await reply, [{ type: "text", data: "secret" }]);
          client.close();
        },
      );
      assert.ok(p.log().includes(`CONNECT localhost:${server.addr.port} HTTP/1.1`), p.log());
    } finally {
      await within(server.close(), 5_000, "tls server close");
    }
  });
});

describe("proxy rules", () => {
  const ws = { secure: false, host: "api.example.com", port: 80 };
  const env = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

  it("picks HTTP_PROXY for ws:, HTTPS_PROXY for wss:, lower case first", () => {
    const vars = env({ HTTP_PROXY: "http://upper:1", http_proxy: "lower:2", HTTPS_PROXY: "h:3" });
    assert.equal(proxyFor(ws, undefined, vars)?.href, "http://lower:2/");
    assert.equal(proxyFor({ ...ws, secure: true }, undefined, vars)?.href, "http://h:3/");
    assert.equal(proxyFor(ws, undefined, env({})), undefined);
    assert.equal(proxyFor(ws, undefined, env({ HTTP_PROXY: "socks5://s:1" })), undefined);
  });

  it("an explicit proxy (or false) overrides the environment", () => {
    const vars = env({ HTTP_PROXY: "http://env:1", NO_PROXY: "*" });
    assert.equal(proxyFor(ws, new URL("http://mine:8/"), vars)?.href, "http://mine:8/");
    assert.equal(proxyFor(ws, false, env({ HTTP_PROXY: "http://env:1" })), undefined);
  });

  it("matches NO_PROXY entries: *, host, .suffix, *.suffix, host:port, IPv6", () => {
    const cases: [string, boolean][] = [
      ["*", true],
      ["example.com", true],
      [".example.com", true],
      ["*.example.com", true],
      ["ample.com", false],
      ["api.example.com:80", true],
      ["api.example.com:8080", false],
      ["other.org, api.example.com", true],
      ["", false],
    ];
    for (const [list, expected] of cases) {
      assert.equal(bypassesProxy(list, ws), expected, JSON.stringify(list));
    }
    const v6 = { secure: false, host: "::1", port: 8080 };
    assert.equal(bypassesProxy("[::1]:8080", v6), true);
    assert.equal(bypassesProxy("::1", v6), true);
    assert.equal(bypassesProxy("[::1]:80", v6), false);
  });

  it("refuses a proxy option that is not an http: URL, without echoing its password", () => {
    assert.throws(() => checkProxyOption("ftp://u:pw@x:1"), (error: Error) => {
      return error instanceof TypeError && !error.message.includes("pw");
    });
    assert.throws(() => tcpTransport({ proxy: "https://proxy:443" }), TypeError);
    assert.equal(checkProxyOption("proxy:3128")?.toString(), "http://proxy:3128/");
  });
});
