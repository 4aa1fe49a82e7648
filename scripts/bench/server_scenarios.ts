/**
 * The scenarios of the server benchmark (`scripts/bench_server.ts`): what the load generator
 * opens for each, the unit of its rate, and the goal of each group.
 *
 * @module
 */

import type { OpenCommand } from "./server_load.ts";

/** One scenario: its load, and the goals against the reference of each group. */
export interface Scenario {
  key: string;
  name: string;
  unit: string;
  bytes?: boolean;
  open: Omit<OpenCommand, "port">;
  maxOps: number;
  goalNode: string;
  goalDeno: string;
  /** wirely on Bun against a bare `Bun.serve` (the Bun binding's requirement). */
  goalBun: string;
}

const text = { binary: false, size: 32 };
export const SCENARIOS: Scenario[] = [
  {
    key: "echo1",
    name: "echo 32 B, 1 connection",
    unit: "messages/s",
    open: { kind: "echo", connections: 1, window: 64, ...text },
    maxOps: 50_000_000,
    goalNode: ">= 2x",
    goalDeno: ">= 0.95x",
    goalBun: ">= 0.9x",
  },
  {
    key: "echo50",
    name: "echo 32 B, 50 connections",
    unit: "messages/s",
    open: { kind: "echo", connections: 50, window: 16, ...text },
    maxOps: 50_000_000,
    goalNode: ">= 2x",
    goalDeno: ">= 0.95x",
    goalBun: ">= 0.9x",
  },
  {
    key: "echo64k",
    name: "echo 64 KiB binary, 1 connection",
    unit: "MB/s",
    bytes: true,
    open: { kind: "echo", connections: 1, window: 8, size: 65_536, binary: true },
    maxOps: 5_000_000,
    goalNode: ">= 3x",
    goalDeno: ">= 0.95x",
    goalBun: "-",
  },
  {
    key: "echo1m",
    name: "echo 1 MiB binary, 1 connection",
    unit: "MB/s",
    bytes: true,
    open: { kind: "echo", connections: 1, window: 4, size: 1_048_576, binary: true },
    maxOps: 500_000,
    goalNode: ">= 3x",
    goalDeno: "-",
    goalBun: "-",
  },
  {
    key: "broadcast",
    name: "broadcast 32 B, 1 sender to 500",
    unit: "deliveries/s",
    open: { kind: "broadcast", connections: 500, window: 32, ...text },
    maxOps: 100_000_000,
    goalNode: ">= 4x",
    goalDeno: ">= 0.95x",
    goalBun: ">= 0.9x",
  },
  {
    key: "handshakes",
    name: "handshakes (open, 1 message, close; 32 in flight)",
    unit: "handshakes/s",
    open: { kind: "handshake", connections: 0, window: 32, ...text },
    maxOps: 15_000,
    goalNode: ">= 1.5x",
    goalDeno: ">= 0.95x",
    goalBun: "-",
  },
];
