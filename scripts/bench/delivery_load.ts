/**
 * The load process of the delivery benchmark, for Node (bundled by `bench_delivery.ts`):
 * `node delivery_load.mjs`, driven by one JSON command per stdin line, one JSON answer per
 * stdout line:
 *
 * - `{"cmd":"open","system":S,...ChaosConfig}` → `{"clients":N}` once every client is in its room;
 * - `{"cmd":"start"}` → `{"started":true}`: publishing and connection cuts begin;
 * - `{"cmd":"finish"}` → the comparison (`DeliveryReport`, `drops`, `drainMs`);
 * - `{"cmd":"broadcast-open",...BroadcastConfig}` → `{"open":true}` once connected, then
 *   `{"cmd":"broadcast-run"}` → `BroadcastResult`;
 * - `quit`.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { type BroadcastConfig, BroadcastRun } from "./delivery_broadcast.ts";
import { type ChaosConfig, ChaosRun } from "./delivery_chaos.ts";
import {
  type Driver,
  socketIoDriver,
  wirelyDriver,
  wirelyRecoveryDriver,
} from "./delivery_clients.ts";

const drivers: Record<string, Driver> = {
  wirely: wirelyRecoveryDriver,
  "wirely-pubsub": wirelyDriver,
  "sio-recovery": socketIoDriver(true),
  "sio-streams": socketIoDriver(false),
};

let run: ChaosRun | undefined;
let broadcast: BroadcastRun | undefined;
const answer = (value: unknown): void => void console.log(JSON.stringify(value));

async function handle(command: { cmd: string } & Record<string, unknown>): Promise<unknown> {
  switch (command.cmd) {
    case "open": {
      const driver = drivers[command.system as string];
      if (driver === undefined) throw new TypeError(`unknown system ${command.system}`);
      run = new ChaosRun(command as unknown as ChaosConfig, driver);
      return { clients: await run.open() };
    }
    case "start":
      run!.start();
      return { started: true };
    case "finish": {
      const report = await run!.finish();
      run = undefined;
      return report;
    }
    case "broadcast-open":
      broadcast = new BroadcastRun(command as unknown as BroadcastConfig);
      await broadcast.open();
      return { open: true };
    case "broadcast-run": {
      const result = await broadcast!.run();
      broadcast = undefined;
      return result;
    }
  }
  throw new TypeError(`unknown command ${command.cmd}`);
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "quit") break;
  try {
    answer(await handle(JSON.parse(line)));
  } catch (error) {
    answer({ error: String((error as Error)?.stack ?? error) });
  }
}
process.exit(0);
