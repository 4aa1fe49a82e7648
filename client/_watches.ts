// This module is browser compatible.
/**
 * The heartbeat watch of each open connection, by transport: how `checkLiveness()` finds the
 * heartbeat of a client without the client holding a reference for it.
 *
 * @module
 */

import type { HeartbeatWatch } from "./heartbeat.ts";
import type { Transport } from "./transport.ts";

/** The running heartbeat watch of each transport (set by `heartbeat()`'s watch, removed on stop). */
export const watches: WeakMap<Transport, HeartbeatWatch> = new WeakMap();
