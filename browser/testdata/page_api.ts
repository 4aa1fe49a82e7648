/**
 * What the test page (`page.ts`, bundled for Chromium) exposes as `globalThis.wirelyPage`, for
 * `browser/client_test.ts` to drive through `page.evaluate`. Types only: every value crosses
 * the Playwright boundary as JSON.
 *
 * @module
 */

/** Client options the test chooses; the page adds short backoff delays and timeouts. */
export interface PageClientOptions {
  /** The client's heartbeat, in milliseconds; none when absent. */
  heartbeat?: { interval: number; timeout: number };
}

/** What the page saw of a generated PNG sent as binary and echoed back. */
export interface ImageEcho {
  /** Bytes sent (the PNG made by `canvas.toBlob`). */
  sentLength: number;
  /** Bytes received back. */
  receivedLength: number;
  /** SHA-256 of the bytes sent, hex. */
  sentHash: string;
  /** SHA-256 of the bytes received, hex. */
  receivedHash: string;
  /** Whether the two byte arrays are equal, compared byte by byte. */
  identical: boolean;
  /** The first 8 received bytes, hex (a PNG starts with `89504e470d0a1a0a`). */
  signature: string;
  /** Size of the image decoded from the received bytes (`createImageBitmap`). */
  decoded: { width: number; height: number };
  /** Size of the canvas that was drawn. */
  drawn: { width: number; height: number };
}

/** The page's driver: one client at a time. */
export interface PageApi {
  /** Creates the client (it connects at once). */
  start(url: string, options?: PageClientOptions): void;
  /** The client's state. */
  state(): string;
  /**
   * Everything the client reported, in order: `state:<s>`, `open:<reconnected>`,
   * `close:<code>:<retry|stop>`, `error:<code>`, `reconnecting:<attempt>`, `unsent:<n>`.
   */
  log(): string[];
  /** Text messages delivered to the `message` event, in order. */
  texts(): string[];
  /** Messages the client has queued. */
  queued(): number;
  /** Sends a text message (queued while not open). */
  send(text: string): void;
  /** Sends `text`, resolves with the next text message (rejects after `ms`). */
  echoText(text: string, ms: number): Promise<string>;
  /** `sendJson(value)`, resolves with the next `json` event's value (rejects after `ms`). */
  echoJson(value: unknown, ms: number): Promise<unknown>;
  /** Draws an image on a canvas, sends its PNG bytes, compares what comes back. */
  echoImage(ms: number): Promise<ImageEcho>;
  /** Resolves once the state is `state` (rejects after `ms`). */
  waitForState(state: string, ms: number): Promise<void>;
  /** Resolves once a log entry starts with `prefix` (rejects after `ms`). */
  waitForLog(prefix: string, ms: number): Promise<void>;
  /** Resolves once `count` text messages arrived (rejects after `ms`). */
  waitForTexts(count: number, ms: number): Promise<void>;
  /** `close()`; returns how many queued messages were never sent. */
  close(): number;
}

/** The page's global scope as the test sees it. */
export interface PageGlobal {
  /** Set by `page.ts` once the bundle has run. */
  wirelyPage: PageApi;
}
