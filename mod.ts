/**
 * wirely: a WebSocket SDK for real-time apps that runs the same in Deno, Node (>= 20), Bun and
 * browsers.
 *
 * This entry re-exports the three parts; import a subpath to take only what you need:
 * - `@wirely/wirely/codec`: the pure-TypeScript RFC 6455 codec and handshake (no I/O);
 * - `@wirely/wirely/client`: the reconnecting client;
 * - `@wirely/wirely/server`: the server.
 *
 * @example A codec round trip, no sockets involved
 * ```ts
 * import { Connection } from "@wirely/wirely";
 *
 * const client = new Connection({ role: "client" });
 * const server = new Connection({ role: "server" });
 * client.sendText("hi");
 * for (const bytes of client.takeBytes()) server.receive(bytes);
 * console.log(server.takeEvents()); // [ { type: "text", data: "hi" } ]
 * ```
 *
 * @module
 */
export * from "./codec/mod.ts";
export * from "./client/mod.ts";
export * from "./server/mod.ts";
