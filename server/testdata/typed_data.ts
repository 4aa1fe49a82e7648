// A fixture for typecheck_test.ts, checked with `deno check`, never run: the connections' `Data`
// is inferred from what `authenticate` returns (no "possibly undefined" for a refusal written as
// an object literal), and every line marked `@ts-expect-error` must be a type error.
import type { ServerConnection } from "../connection.ts";
import { attach, createNativeServer, createWebSocketServer, serve } from "../mod.ts";
import { createServer } from "node:http";

export async function inferred(): Promise<void> {
  // The natural hook: `{ data }` or a refusal object.
  const server = await serve({
    authenticate: (request) => {
      const user = request.url.searchParams.get("user");
      return user ? { data: { user } } : { status: 401, body: "who are you?" };
    },
    onMessage: (conn) => {
      const user: string = conn.data.user;
      void user;
    },
  });
  const first: ServerConnection<{ user: string }> | undefined = [...server.clients][0];
  void first;

  // Async, with `false` as the refusal.
  await serve({
    authenticate: async (request) => {
      await Promise.resolve();
      return request.url.search === "" ? false : { data: { n: 1 } };
    },
    onOpen: (conn) => {
      const n: number = conn.data.n;
      void n;
    },
  });

  // Only `true`: no data.
  await serve({
    authenticate: () => true,
    onOpen: (conn) => {
      const data: undefined = conn.data;
      void data;
    },
  });

  // No authenticate: no data.
  await serve({
    onOpen: (conn) => {
      const data: undefined = conn.data;
      void data;
    },
  });

  // Given explicitly.
  await serve<{ role: "admin" | "guest" }>({
    authenticate: () => ({ data: { role: "guest" } }),
    onOpen: (conn) => {
      const role: "admin" | "guest" = conn.data.role;
      void role;
    },
  });

  // The other factories infer the same way.
  const node = createWebSocketServer({
    authenticate: (request) => request.headers.has("x-id") ? { data: { id: 1 } } : { status: 403 },
  });
  const id: number | undefined = [...node.clients][0]?.data.id;
  const attached = attach(createServer(), { authenticate: () => ({ data: "tag" }) });
  const tag: string | undefined = [...attached.clients][0]?.data;
  const native = createNativeServer({ authenticate: () => ({ data: 7 }) });
  const seven: number | undefined = [...native.clients][0]?.data;
  void id, tag, seven;
}

export async function mistakes(): Promise<void> {
  await serve({
    authenticate: () => ({ data: { n: 1 } }),
    onOpen: (conn) => {
      // @ts-expect-error `data.n` is a number
      const n: string = conn.data.n;
      void n;
    },
  });
  await serve<{ user: string }>({
    // @ts-expect-error data of the wrong type for the given Data
    authenticate: () => ({ data: { user: 1 } }),
  });
  await serve({
    onOpen: (conn) => {
      // @ts-expect-error without authenticate, data is undefined
      const user: string = conn.data.user;
      void user;
    },
  });
}
