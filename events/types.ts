// This module is browser compatible.
/**
 * Type-safe event maps. An events map is an interface whose keys are event names and whose
 * values are signatures `(data: D) => A`: `D` is the data the event carries (none for
 * `() => ...`), `A` the answer an `emitWithAck` gets (`void`: none). Like socket.io's
 * `ServerToClientEvents`/`ClientToServerEvents`, one map per direction.
 *
 * @example
 * ```ts
 * import type { EventAnswer, EventData } from "@wirely/wirely/events";
 * interface ClientToServer {
 *   join: (room: string) => { members: number };
 *   ping: () => void;
 * }
 * const data: EventData<ClientToServer["join"]> = "lobby";
 * const answer: EventAnswer<ClientToServer["join"]> = { members: 3 };
 * console.log(data, answer.members); // lobby 3
 * ```
 *
 * @module
 */

/**
 * The map used when none is given: any event name, any data, any answer (`unknown`).
 *
 * @example
 * ```ts
 * import type { DefaultEvents } from "@wirely/wirely/events";
 * const events: (keyof DefaultEvents)[] = ["anything"];
 * console.log(events); // [ "anything" ]
 * ```
 */
export type DefaultEvents = Record<string, (data?: unknown) => unknown>;

/**
 * The event names of a map.
 *
 * @example
 * ```ts
 * import type { EventName } from "@wirely/wirely/events";
 * const name: EventName<{ chat: (text: string) => void }> = "chat";
 * console.log(name); // chat
 * ```
 */
export type EventName<Events> = keyof Events & string;

/**
 * The data an event signature carries (`undefined` for a signature without a parameter).
 *
 * @example
 * ```ts
 * import type { EventData } from "@wirely/wirely/events";
 * const text: EventData<(text: string) => void> = "hi";
 * console.log(text); // hi
 * ```
 */
export type EventData<Signature> = Signature extends (...args: infer A) => unknown
  ? (A extends [] ? undefined : A[0])
  : never;

/**
 * The answer an event signature promises to `emitWithAck`.
 *
 * @example
 * ```ts
 * import type { EventAnswer } from "@wirely/wirely/events";
 * const members: EventAnswer<(room: string) => Promise<number>> = 3;
 * console.log(members); // 3
 * ```
 */
export type EventAnswer<Signature> = Signature extends (...args: never[]) => infer R ? Awaited<R>
  : never;

/**
 * The arguments after the event name of `emit`: the data, or nothing for a signature without a
 * parameter.
 *
 * @example
 * ```ts
 * import type { EmitArgs } from "@wirely/wirely/events";
 * const args: EmitArgs<(text: string) => void> = ["hi"];
 * console.log(args.length); // 1
 * ```
 */
export type EmitArgs<Signature> = Signature extends (...args: infer A) => unknown ? A : never;

/**
 * The arguments after the event name of `emitWithAck`: the data (optional when it may be
 * `undefined`), then the options.
 *
 * @example
 * ```ts
 * import type { AckArgs } from "@wirely/wirely/events";
 * const args: AckArgs<(room: string) => number> = ["lobby", { timeout: 1_000 }];
 * console.log(args[1]?.timeout); // 1000
 * ```
 */
export type AckArgs<Signature> = Signature extends (...args: infer A) => unknown
  ? A extends [] ? [data?: undefined, options?: AckOptions]
  : undefined extends A[0] ? [data?: A[0], options?: AckOptions]
  : [data: A[0], options?: AckOptions]
  : never;

/**
 * Options of `emitWithAck`.
 *
 * @example
 * ```ts
 * import type { AckOptions } from "@wirely/wirely/events";
 * const options: AckOptions = { timeout: 5_000 };
 * console.log(options.timeout); // 5000
 * ```
 */
export interface AckOptions {
  /** Milliseconds to wait for the answer (counted from the call, time in the offline queue included); `Infinity` waits until the connection closes. @default the client's or server's `ackTimeout` (10_000) */
  timeout?: number;
}

/**
 * A handler of an event: it gets the data and an `ack` callback. A handler that does not
 * declare the `ack` parameter answers with its return value (awaited when it is a promise). One
 * that declares it answers through it, or with its return value when that is not `undefined`
 * and `ack` was not called before the handler returned (for a promise: before it resolved); so
 * a handler that calls `ack` later returns nothing (a block body, or `void`). A throw or a
 * rejection answers with an error. A handler of an event without an answer (`=> void`) may
 * return anything.
 *
 * @example
 * ```ts
 * import type { EventHandler } from "@wirely/wirely/events";
 * const byReturn: EventHandler<(a: number) => number> = (a) => a * 2;
 * const byCallback: EventHandler<(a: number) => number> = (a, ack) => ack(a * 2);
 * const later: EventHandler<(a: number) => number> = (a, ack) => void setTimeout(() => ack(a), 5);
 * console.log(byReturn(2, () => {}), typeof byCallback, typeof later); // 4 function function
 * ```
 */
export type EventHandler<Signature> = Signature extends (...args: infer A) => infer R ? (
    data: A extends [] ? undefined : A[0],
    ack: (value: Awaited<R>) => void,
  ) => [R] extends [void] ? unknown : R | Promise<Awaited<R>> | void
  : never;
