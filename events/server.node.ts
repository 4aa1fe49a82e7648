/**
 * The Node build of `@wirely/wirely/events/server` (the npm package's `"node"` export
 * condition): everything `events/server.ts` exports, with the {@linkcode EventClient} of
 * `events/mod.node.ts` (the codec transport on runtimes without a global `WebSocket`).
 *
 * @module
 */

export * from "./server.ts";
export { EventClient } from "./mod.node.ts";
