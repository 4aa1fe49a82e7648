/**
 * Event listeners of a server connection, kept in a plain object per connection (one array per
 * event type that has listeners; nothing for the others).
 *
 * @module
 */

import type { ServerConnectionEventMap, ServerConnectionListener } from "./types.ts";

type Listener<K extends keyof ServerConnectionEventMap> = ServerConnectionListener<K>;

/** Listener arrays by event type. */
export type Listeners = { [K in keyof ServerConnectionEventMap]?: Listener<K>[] };

/** Adds `listener`; returns the function that removes it. */
export function addListener<K extends keyof ServerConnectionEventMap>(
  lists: Listeners,
  type: K,
  listener: Listener<K>,
): () => void {
  const listeners: Listener<K>[] = lists[type] ?? [];
  (lists as { [P in K]?: Listener<P>[] })[type] = listeners;
  listeners.push(listener);
  return () => {
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  };
}

/** Whether `type` has listeners. */
export function hasListeners(lists: Listeners, type: keyof ServerConnectionEventMap): boolean {
  const listeners = lists[type];
  return listeners !== undefined && listeners.length > 0;
}

/** Calls each listener of `type` (a copy of the list) through `run`, which isolates failures. */
export function emit<K extends keyof ServerConnectionEventMap>(
  lists: Listeners,
  type: K,
  event: ServerConnectionEventMap[K],
  run: (call: () => unknown) => void,
): void {
  const listeners: Listener<K>[] | undefined = lists[type];
  if (listeners === undefined || listeners.length === 0) return;
  for (const listener of [...listeners]) run(() => listener(event));
}
