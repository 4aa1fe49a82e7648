/**
 * The count queries a `RedisAdapter` has in flight: each waits for as many answers as
 * servers received it (what `PUBLISH` reports), or fails after the count timeout.
 *
 * @module
 */

import { BackplaneError } from "./errors.ts";

interface Query {
  room: string | undefined;
  expected: number | undefined;
  answers: number;
  others: number;
  resolve: (total: number) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Count queries by id, settled by the answers of the servers that received them. */
export class CountQueries {
  readonly #queries = new Map<number, Query>();
  readonly #timeout: number;
  readonly #localCount: (room: string | undefined) => number;
  #next = 1;

  /**
   * @param timeout Milliseconds a query waits for its answers.
   * @param localCount This server's own members of a room (every connection: `undefined`),
   *   read when a query settles.
   */
  constructor(timeout: number, localCount: (room: string | undefined) => number) {
    this.#timeout = timeout;
    this.#localCount = localCount;
  }

  /** A new query (its timeout runs from now): its id, and the total once it settles. */
  open(room: string | undefined): { id: number; result: Promise<number> } {
    const id = this.#next++;
    const result = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#queries.delete(id);
        reject(
          new BackplaneError(
            "BACKPLANE_TIMEOUT",
            `Cannot count as ${
              (query.expected ?? 0) - query.answers
            } server(s) did not answer within ${this.#timeout} ms`,
          ),
        );
      }, this.#timeout);
      const query: Query = {
        room,
        expected: undefined,
        answers: 0,
        others: 0,
        resolve,
        reject,
        timer,
      };
      this.#queries.set(id, query);
    });
    return { id, result };
  }

  /** The query reached Redis: `receivers` servers (this one included) will answer. */
  published(id: number, receivers: number): void {
    const query = this.#queries.get(id);
    if (query !== undefined) {
      query.expected = receivers;
      this.#settle(id, query);
    }
  }

  /** The query could not be published. */
  failed(id: number, error: unknown): void {
    const query = this.#queries.get(id);
    if (query !== undefined) this.#finish(id, query).reject(error);
  }

  /**
   * A server answered with `members` (`0` for this server's own answer: it counts toward
   * `PUBLISH`'s receivers, and its members are counted when the query settles).
   */
  answered(id: number, members: number): void {
    const query = this.#queries.get(id);
    if (query === undefined) return;
    query.answers++;
    query.others += members;
    this.#settle(id, query);
  }

  /** Fails every query in flight (the server stopped). */
  rejectAll(error: () => unknown): void {
    for (const [id, query] of [...this.#queries]) this.#finish(id, query).reject(error());
  }

  #settle(id: number, query: Query): void {
    if (query.expected === undefined || query.answers < query.expected) return;
    this.#finish(id, query).resolve(query.others + this.#localCount(query.room));
  }

  #finish(id: number, query: Query): Query {
    clearTimeout(query.timer);
    this.#queries.delete(id);
    return query;
  }
}
